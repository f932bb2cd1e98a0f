"""Calendar tools: events, agendas, free slots, reminders and public holidays."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_TIMES = ["08:30", "09:00", "09:30", "10:00", "11:15", "12:30", "13:00", "14:00", "15:30", "16:45", "18:00"]
_TITLES = [
    "Quarterly review", "Dentist appointment", "Team stand-up", "Lunch with Maria", "Project kickoff",
    "Budget planning", "Yoga class", "Parent-teacher meeting", "Design sync", "Interview with a candidate",
]  # fmt: skip


@tool
class CreateEvent(BaseModel):
    """Add an event to the user's calendar."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        'Put "{title}" on my calendar for {date} at {start_time}[ for {duration_minutes} minutes].',
        "Schedule {title} on {date} at {start_time}[ with {attendees}].",
        'Can you book "{title}"[ on {date}] at {start_time}[, {duration_minutes} minutes long]?',
        "Add an event called {title} at {start_time} on {date}[ and invite {attendees}].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'Done: "{title}" is on your calendar for {date} at {start_time} ({duration_minutes} min).',
        "I've scheduled {title} on {date} from {start_time} to {end_time}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "title": _TITLES,
        "start_time": _TIMES,
        "duration_minutes": [30, 45, 60, 90, 120],
    }
    __ask__: ClassVar[dict[str, str]] = {"date": "Which day should I put it on?"}

    title: str = Field(min_length=1, description="Event title.")
    date: datetime.date = Field(description="Day of the event.")
    start_time: str = Field(pattern=_TIME, description="Start time, HH:MM (24 h).")
    duration_minutes: int = Field(60, ge=15, le=480, description="Length in minutes.")
    attendees: list[str] | None = Field(None, description="Names of people to invite.")

    def run(self) -> dict[str, Any]:
        hours, minutes = map(int, self.start_time.split(":"))
        end = hours * 60 + minutes + self.duration_minutes
        return {
            "event_id": f"EVT-{rng_for(self.title, self.date, self.start_time).randint(1000, 9999)}",
            "end_time": f"{end // 60 % 24:02d}:{end % 60:02d}",
            "invited": len(self.attendees or []),
        }


@tool
class ListEvents(BaseModel):
    """List the events on the user's calendar for one day."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's on my calendar for {date}?",
        "Do I have anything[ in my {calendar} calendar] on {date}?",
        "Show me my[ {calendar}] events for {date}.",
        "How busy am I on {date}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        'You have {count} events on {date}; the first is "{first_title}" at {first_time}.',
        "{date}: {count} events, starting with {first_title} at {first_time}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {"calendar": ["work", "personal"]}
    __ask__: ClassVar[dict[str, str]] = {"date": "Which day do you want to look at?"}

    date: datetime.date = Field(description="Day to list.")
    calendar: Literal["work", "personal", "all"] = Field("all", description="Which calendar.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.date, self.calendar)
        return {"count": r.randint(2, 6), "first_title": r.choice(_TITLES), "first_time": r.choice(_TIMES)}


@tool
class FindFreeSlot(BaseModel):
    """Find the first free time slot of a given length on a day."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "When am I free for {duration_minutes} minutes on {date}?",
        "Find me a {duration_minutes}-minute gap on {date}[ after {earliest}].",
        "I need {duration_minutes} minutes on {date}[, not before {earliest}]. When's my first opening?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Your first free {duration_minutes}-minute slot on {date} starts at {start}.",
        "You're free from {start} to {end} on {date}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "duration_minutes": [15, 30, 45, 60, 90, 120],
        "earliest": ["09:00", "10:00", "13:00", "14:30"],
    }
    __ask__: ClassVar[dict[str, str]] = {"duration_minutes": "How long a slot do you need?"}

    date: datetime.date = Field(description="Day to search.")
    duration_minutes: int = Field(ge=15, le=480, description="Length of the slot in minutes.")
    earliest: str = Field("08:00", pattern=_TIME, description="Earliest start, HH:MM.")

    def run(self) -> dict[str, Any]:
        h, m = map(int, self.earliest.split(":"))
        start = h * 60 + m + rng_for(self.date, self.duration_minutes).randrange(0, 240, 15)
        end = start + self.duration_minutes
        return {"start": f"{start // 60:02d}:{start % 60:02d}", "end": f"{end // 60 % 24:02d}:{end % 60:02d}"}


@tool
class SetReminder(BaseModel):
    """Set a reminder at a date and time."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Remind me to {text} on {date} at {time}.",
        "Set a reminder for {date} at {time}: {text}.",
        "Can you remind me[ on {date}] at {time} to {text}?",
        "Don't let me forget to {text} — {date}, {time}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Reminder set for {date} at {time}: {text}.",
        "Okay, I'll remind you to {text} on {date} at {time}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "text": [
            "call the plumber", "renew my passport", "water the plants", "pay the electricity bill",
            "pick up the dry cleaning", "send the invoice to Jonas", "book a table for Friday",
            "take the car for its service", "buy a birthday gift for Emma", "submit the expense report",
        ],
        "time": _TIMES,
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"date": "Sure, which day should I remind you?"}

    text: str = Field(min_length=1, description="What to be reminded of.")
    date: datetime.date = Field(description="Day of the reminder.")
    time: str = Field(pattern=_TIME, description="Time of the reminder, HH:MM.")

    def run(self) -> dict[str, Any]:
        return {"reminder_id": f"R{rng_for(self.text, self.date, self.time).randint(10000, 99999)}"}


@tool
class GetPublicHolidays(BaseModel):
    """Public holidays of a country in a year."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What are the public holidays in {country_code} in {year}?",
        "List the {year} bank holidays for {country_code}.",
        "How many public holidays does {country_code} have in {year}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{country_code} has {count} public holidays in {year}; the next one is {next_name} on {next_date}.",
        "In {year}, {country_code} observes {count} public holidays, including {next_name} on {next_date}.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "country_code": ["US", "GB", "DE", "FR", "ES", "IT", "JP", "BR", "IN", "CA", "MX", "SE", "NL", "AU"],
        "year": [2025, 2026, 2027],
    }

    country_code: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code.")
    year: int = Field(ge=2000, le=2035, description="The year.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.country_code, self.year)
        name = pick(("New Year's Day", "Labour Day", "National Day", "Christmas Day"), self.country_code)
        month = {"New Year's Day": 1, "Labour Day": 5, "National Day": 7, "Christmas Day": 12}[name]
        day = 25 if month == 12 else 1 if month != 7 else r.randint(1, 28)
        return {
            "count": r.randint(8, 16),
            "next_name": name,
            "next_date": f"{self.year}-{month:02d}-{day:02d}",
        }


TOOLS: list[type[BaseModel]] = [CreateEvent, ListEvents, FindFreeSlot, SetReminder, GetPublicHolidays]
