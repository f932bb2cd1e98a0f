"""Small user tool modules written to disk for the generator's end-to-end tests."""

from __future__ import annotations

USER_TOOLS = '''
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.tools import tool


@tool
class BookTable(BaseModel):
    """Book a restaurant table."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Book a table at {restaurant} for {people} people[ at {time}].",
        "Can you reserve {restaurant}[ at {time}] for {people}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("Booked {restaurant} for {people}: confirmation {code}.",)
    __pools__: ClassVar[dict[str, list[str]]] = {"restaurant": ["Chez Lou", "Noma", "Sushi Ko"]}

    restaurant: str
    people: int = Field(ge=1, le=12)
    time: str = Field("19:00", pattern=r"^[0-2][0-9]:[0-5][0-9]$")

    def run(self) -> dict[str, object]:
        return {"code": f"{self.restaurant[:2].upper()}{self.people}"}


@tool
class Tip(BaseModel):
    """Compute a tip."""

    bill: float = Field(gt=0, description="The bill amount.")
    percent: Literal[10, 15, 20] = 15

    def run(self) -> dict[str, float]:
        return {"tip": round(self.bill * self.percent / 100, 2)}


TOOLS = [BookTable, Tip]
'''

SPEC_TOOLS = [
    {
        "name": "get_stock_price",
        "description": "Get the latest price of a stock.",
        "parameters": {
            "type": "object",
            "properties": {"symbol": {"type": "string", "description": "Ticker."}},
            "required": ["symbol"],
        },
        "returns": {
            "type": "object",
            "properties": {"price": {"type": "number", "minimum": 1, "maximum": 900}},
        },
    },
    {
        "name": "lookup_city",
        "description": "Population of a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
]
