"""Messaging tools: email, SMS, chat channels, inbox search and translation."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_SUBJECTS = [
    "Invoice for March", "Team offsite", "Contract draft", "Dinner on Saturday", "Q3 report",
    "Flight details", "Welcome aboard", "Meeting notes", "Budget approval", "Holiday plans",
]  # fmt: skip
_BODIES = [
    "the slides are ready for review", "I'll be ten minutes late", "the meeting moved to Thursday",
    "please send me the signed contract", "thanks for your help yesterday", "the package arrived safely",
    "can we push the call to 3 pm", "the report is attached",
]  # fmt: skip


@tool
class SendEmail(BaseModel):
    """Send an email."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        'Email {to} with the subject "{subject}" saying {body}[, and cc {cc}].',
        'Send an email to {to}: subject "{subject}", message: {body}.',
        'Write to {to}[ (cc {cc})] about "{subject}" and tell them {body}.',
        'Can you send {to} an email titled "{subject}"? Just say {body}.',
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'Email sent to {to} with the subject "{subject}".',
        'Done, your message "{subject}" went out to {to}.',
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {"subject": _SUBJECTS, "body": _BODIES}
    __ask__: ClassVar[dict[str, str]] = {"to": "Who should I send it to? What's their email address?"}

    to: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$", description="Recipient email address.")
    subject: str = Field(min_length=1, description="Subject line.")
    body: str = Field(min_length=1, description="Message text.")
    cc: list[str] | None = Field(None, description="Email addresses to copy.")

    def run(self) -> dict[str, Any]:
        return {
            "message_id": f"MSG-{rng_for(self.to, self.subject).randint(100000, 999999)}",
            "status": "sent",
        }


@tool
class SendSms(BaseModel):
    """Send a text message to a phone number."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Text {phone_number}: {message}.",
        "Send an SMS to {phone_number} saying {message}.",
        "Can you message {phone_number} that {message}?",
        "Shoot a quick text[ to {phone_number}]: {message}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Text sent to {phone_number}.",
        "Your message was delivered to {phone_number} ({segments} segment).",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {"message": _BODIES}
    __ask__: ClassVar[dict[str, str]] = {"phone_number": "What number should I text?"}

    phone_number: str = Field(pattern=r"^\+[1-9][0-9]{7,14}$", description="Number in E.164 form.")
    message: str = Field(min_length=1, max_length=320, description="Text to send.")

    def run(self) -> dict[str, Any]:
        return {"status": "delivered", "segments": 1 + len(self.message) // 160}


@tool
class SearchEmails(BaseModel):
    """Search the user's mailbox."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find emails about {query}[ in my {folder} folder].",
        'Search my[ {folder}] mail for "{query}"[, show {limit}].',
        "Did I get any emails about {query}?",
        "Look through my[ {folder}] emails for {query}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'I found {count} emails about {query}; the latest is "{latest_subject}" from {latest_sender}.',
        '{count} matches. Most recent: "{latest_subject}" from {latest_sender}.',
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "query": ["the invoice", "flight confirmation", "the lease renewal", "the quarterly report",
                  "password reset", "the wedding", "job offer", "tax return"],
        "limit": [5, 10, 20],
    }  # fmt: skip
    __say__: ClassVar[dict[str, Any]] = {
        "limit": "{} results",
        "folder": {"inbox": "inbox", "sent": "sent", "archive": "archive"},
    }
    __ask__: ClassVar[dict[str, str]] = {"query": "What should I search for?"}

    query: str = Field(min_length=1, description="Words to search for.")
    folder: Literal["inbox", "sent", "archive"] = Field("inbox", description="Folder to search.")
    limit: int = Field(10, ge=1, le=50, description="Most results to return.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.query, self.folder)
        return {
            "count": min(self.limit, r.randint(1, 25)),
            "latest_subject": r.choice(_SUBJECTS),
            "latest_sender": r.choice(("Priya Nair", "Tom Becker", "Lucía Gómez", "Chen Wei", "Sara Lind")),
        }


@tool
class PostChannelMessage(BaseModel):
    """Post a message in a team chat channel."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Post in {channel}: {text}.",
        "Tell the {channel} channel that {text}.",
        "Drop a note in {channel} saying {text}[ and mention {mentions}].",
        "Let everyone in {channel} know: {text}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("Posted in {channel}.", "Your message is up in {channel}.")
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "channel": ["#general", "#design", "#engineering", "#sales", "#random", "#support", "#marketing"],
        "text": _BODIES,
    }
    __ask__: ClassVar[dict[str, str]] = {"channel": "Which channel should I post it in?"}

    channel: str = Field(pattern=r"^#[a-z0-9-]+$", description="Channel name, starting with #.")
    text: str = Field(min_length=1, description="Message text.")
    mentions: list[str] | None = Field(None, description="People to mention.")

    def run(self) -> dict[str, Any]:
        return {"posted": True, "timestamp": f"{rng_for(self.channel, self.text).randint(8, 18)}:00"}


@tool
class TranslateText(BaseModel):
    """Translate text into another language."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        'Translate "{text}" into {target_language}.',
        'How do you say "{text}" in {target_language}?',
        'Can you put "{text}" into {target_language}[, the {formality} way]?',
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'In {target_language}: "{translation}".',
        'Here\'s the {target_language} version: "{translation}".',
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "text": ["Where is the train station?", "Thank you for dinner", "I have a reservation",
                 "How much does this cost?", "Nice to meet you", "Could you help me?"],
        "target_language": ["Spanish", "French", "German", "Italian", "Japanese", "Portuguese", "Dutch"],
    }  # fmt: skip
    __say__: ClassVar[dict[str, Any]] = {"formality": {"formal": "formal", "informal": "casual"}}
    __ask__: ClassVar[dict[str, str]] = {"target_language": "Which language should I translate it into?"}

    text: str = Field(min_length=1, description="Text to translate.")
    target_language: str = Field(description="Language name, e.g. Spanish.")
    formality: Literal["formal", "informal"] = Field("formal", description="Register.")

    def run(self) -> dict[str, Any]:
        # A fake translation: stable for the same input, clearly marked as such.
        code = self.target_language[:2].lower()
        return {"translation": f"[{code}] {self.text}", "detected_source": "English"}


TOOLS: list[type[BaseModel]] = [SendEmail, SendSms, SearchEmails, PostChannelMessage, TranslateText]
