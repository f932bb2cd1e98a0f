"""Notes and files tools: notes, to-dos, folder listings and file details."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_NOTE_TITLES = ["Packing list", "Gift ideas", "Book club picks", "Garden plan", "Meeting notes",
                "Recipe: lentil soup", "Workout plan", "Podcast ideas"]  # fmt: skip
_NOTE_BODIES = [
    "buy sunscreen and a travel adapter", "ask Marta about the venue", "try the new trail on Sunday",
    "order seeds before April", "follow up with the landlord", "read chapter 4 before Thursday",
]  # fmt: skip
_FOLDERS = ["Documents/Invoices", "Projects/website", "Photos/2025", "Downloads", "Documents/Taxes", "Music"]
_FILES = [
    "Documents/report_q3.pdf", "Projects/website/index.html", "Photos/2025/beach.jpg", "Downloads/setup.zip",
    "Documents/Taxes/return_2025.pdf", "Music/playlist.m3u",
]  # fmt: skip


@tool
class CreateNote(BaseModel):
    """Create a note."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        'Make a note titled "{title}": {content}[, tagged {tags}].',
        "Create a note called {title} that says {content}.",
        'Jot this down under "{title}": {content}[. Tags: {tags}].',
        'Save a note[ named "{title}"]: {content}.',
    )
    __answers__: ClassVar[tuple[str, ...]] = ('Saved the note "{title}".', 'Your note "{title}" is saved.')
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "title": _NOTE_TITLES,
        "content": _NOTE_BODIES,
        "tags": ["travel", "home", "work", "ideas", "health", "family"],
    }
    __ask__: ClassVar[dict[str, str]] = {"title": "What should I call the note?"}

    title: str = Field(min_length=1, description="Note title.")
    content: str = Field(min_length=1, description="Note text.")
    tags: list[str] | None = Field(None, description="Tags for the note.")

    def run(self) -> dict[str, Any]:
        return {"note_id": f"N{rng_for(self.title, self.content).randint(1000, 9999)}"}


@tool
class SearchNotes(BaseModel):
    """Search the user's notes."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find my notes about {query}.",
        "Did I write anything down about {query}?",
        'Search my notes for "{query}"[, tag {tag}].',
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'You have {count} notes mentioning {query}; the latest is "{latest_title}".',
        'Found {count} notes about {query}. Newest: "{latest_title}".',
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "query": ["the venue", "sunscreen", "seeds", "the landlord", "chapter 4", "passwords", "birthday"],
        "tag": ["travel", "home", "work", "ideas"],
    }
    __ask__: ClassVar[dict[str, str]] = {"query": "What should I look for in your notes?"}

    query: str = Field(min_length=1, description="Words to find.")
    tag: str | None = Field(None, description="Only notes with this tag.")

    def run(self) -> dict[str, Any]:
        return {
            "count": rng_for(self.query, self.tag).randint(1, 9),
            "latest_title": pick(_NOTE_TITLES, self.query),
        }


@tool
class CreateTodo(BaseModel):
    """Add a task to the to-do list."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        'Add "{task}" to my to-do list[, due {due_date}][, {priority} priority].',
        "New task: {task}[ by {due_date}].",
        'Put "{task}" on my list[ for {due_date}][ as {priority} priority].',
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'Added "{task}" to your to-do list ({priority} priority).',
        "Task saved: {task}. You now have {open_tasks} open tasks.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "task": ["renew the car insurance", "call the bank", "clean the gutters", "book flights to Lisbon",
                 "update my CV", "return the library books", "schedule a dentist visit"],
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"task": "What task should I add?"}

    task: str = Field(min_length=1, description="What needs doing.")
    due_date: datetime.date | None = Field(None, description="When it is due.")
    priority: Literal["low", "medium", "high"] = Field("medium", description="Priority.")

    def run(self) -> dict[str, Any]:
        return {
            "todo_id": f"T{rng_for(self.task).randint(100, 999)}",
            "open_tasks": rng_for(self.task, 1).randint(2, 15),
        }


@tool
class ListFiles(BaseModel):
    """List files in a folder."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's in my {folder} folder?",
        "List the[ {extension}] files in {folder}.",
        "Show me everything under {folder}[, only {extension} files].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{folder} has {count} files; the newest is {newest}.",
        "There are {count} files in {folder}. Most recent: {newest}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {"folder": _FOLDERS}
    __ask__: ClassVar[dict[str, str]] = {"folder": "Which folder should I list?"}

    folder: str = Field(min_length=1, description="Folder path.")
    extension: Literal["pdf", "jpg", "docx", "xlsx", "txt"] | None = Field(
        None, description="Only this type."
    )

    def run(self) -> dict[str, Any]:
        ext = self.extension or pick(("pdf", "jpg", "txt"), self.folder)
        return {
            "count": rng_for(self.folder, self.extension).randint(1, 40),
            "newest": f"scan_{ext}_01.{ext}",
        }


@tool
class GetFileInfo(BaseModel):
    """Size, type and last change of a file."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How big is {path}?",
        "When was {path} last modified?",
        "Give me the details of the file {path}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{path} is {size_kb} KB, last modified on {modified}.",
        "That file is {size_kb} KB and was last changed {modified}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {"path": _FILES}
    __ask__: ClassVar[dict[str, str]] = {"path": "Which file do you mean? What's its path?"}

    path: str = Field(min_length=1, description="File path.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.path)
        return {
            "size_kb": r.randint(4, 90000),
            "modified": f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
        }


TOOLS: list[type[BaseModel]] = [CreateNote, SearchNotes, CreateTodo, ListFiles, GetFileInfo]
