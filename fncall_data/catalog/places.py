"""Places and maps tools: restaurants, points of interest, directions, distances and time zones."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import amount, pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_PLACES = {
    "italian": ("Trattoria Roma", "Osteria Nonna"), "japanese": ("Sakura House", "Kaito Ramen"),
    "mexican": ("El Patio", "Casa Maíz"), "indian": ("Spice Route", "Tandoor House"),
    "thai": ("Baan Thai", "Little Bangkok"), "vegan": ("The Green Fork", "Sprout"),
    "french": ("Corner Bistro", "Chez Margot"), "chinese": ("Golden Dragon", "Dumpling Hall"),
}  # fmt: skip
# Standard-time UTC offsets of well-known cities; other cities get a stable made-up one.
_OFFSETS: dict[str, float] = {
    "Paris": 1, "Tokyo": 9, "Lisbon": 0, "Nairobi": 3, "Toronto": -5, "Sydney": 10, "Buenos Aires": -3,
    "Oslo": 1, "Seoul": 9, "Cairo": 2, "Berlin": 1, "Mumbai": 5.5, "Mexico City": -6, "Istanbul": 3,
    "Vienna": 1, "Cape Town": 2, "Singapore": 8, "Chicago": -6, "Lima": -5, "Reykjavik": 0, "Hanoi": 7,
    "Madrid": 1, "Dublin": 0, "Prague": 1, "Marrakesh": 1, "Vancouver": -8, "Helsinki": 2, "Osaka": 9,
    "Bogotá": -5, "Edinburgh": 0, "Austin": -6, "Kraków": 1, "Montreal": -5, "Auckland": 12, "Athens": 2,
    "Copenhagen": 1,
}  # fmt: skip
_STREETS = ("Main Street", "Harbour Road", "Elm Avenue", "Market Square", "Station Road", "Park Lane")


@tool
class FindRestaurants(BaseModel):
    """Find restaurants in a city by cuisine."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find {cuisine} restaurants in {city}[ that are {open_now}].",
        "Where can I get {cuisine} food in {city}[ at price level {price_level}]?",
        "Recommend a good {cuisine} place in {city}.",
        "I'm in {city} and craving {cuisine}.[ Anything {open_now}?]",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Try {name} on {street} in {city}: {cuisine}, rated {rating}/5.",
        "{name} ({street}) is a well-rated {cuisine} spot in {city}, {rating}/5.",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "open_now": {True: "open now"},
        # Cuisines named after places are capitalised; "vegan" is not.
        "cuisine": {c: c.capitalize() for c in ("italian", "japanese", "mexican", "indian", "thai", "french",
                                                 "chinese")},
    }  # fmt: skip
    __pools__: ClassVar[dict[str, list[Any]]] = {"open_now": [True]}
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city are you in?"}

    city: str = Field(description="City name.")
    cuisine: Literal["italian", "japanese", "mexican", "indian", "thai", "vegan", "french", "chinese"] = (
        Field(description="Kind of food.")
    )
    price_level: int | None = Field(None, ge=1, le=4, description="1 (cheap) to 4 (expensive).")
    open_now: bool = Field(False, description="Only places open now.")

    def run(self) -> dict[str, Any]:
        return {
            "name": pick(_PLACES[self.cuisine], self.city),
            "street": pick(_STREETS, self.city, self.cuisine, 2),
            "rating": round(rng_for(self.city, self.cuisine).uniform(3.8, 4.9), 1),
        }


@tool
class GetDirections(BaseModel):
    """Route and travel time between two places."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How do I get from {origin} to {destination}[ {mode}]?",
        "Directions from {origin} to {destination}[, {mode}], please.",
        "How long does it take to go from {origin} to {destination}[ {mode}]?",
        "Route me from {origin} to {destination}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "From {origin} to {destination} {mode_text}: about {minutes} minutes, {distance_km} km, via {via}.",
        "It's {distance_km} km, about {minutes} minutes {mode_text} via {via}.",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "mode": {
            "driving": "by car",
            "walking": "on foot",
            "transit": "by public transport",
            "cycling": "by bike",
        }
    }
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "origin": ["Central Station", "the airport", "Old Town", "City Hall", "the university campus"],
        "destination": ["the stadium", "the harbour", "the museum district", "the convention center",
                        "the zoo"],
    }  # fmt: skip
    __ask__: ClassVar[dict[str, str]] = {"origin": "Where will you be starting from?"}

    origin: str = Field(min_length=1, description="Start address or place.")
    destination: str = Field(min_length=1, description="End address or place.")
    mode: Literal["driving", "walking", "transit", "cycling"] = Field("driving", description="How to travel.")

    def run(self) -> dict[str, Any]:
        km = amount(1.5, 18, self.origin, self.destination, digits=1)
        speed = {"driving": 30, "walking": 5, "transit": 20, "cycling": 15}[self.mode]
        text = {
            "driving": "by car",
            "walking": "on foot",
            "transit": "by public transport",
            "cycling": "by bike",
        }
        return {
            "distance_km": km,
            "minutes": max(3, round(km / speed * 60)),
            "via": pick(_STREETS, self.origin, self.destination),
            "mode_text": text[self.mode],
        }


@tool
class FindNearby(BaseModel):
    """Find places of a given type near a city centre."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Is there a {place_type} near the center of {city}[ within {radius_km} km]?",
        "Find the closest {place_type} in {city}.",
        "I need a {place_type} in {city}[, no more than {radius_km} km away].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "The nearest {place_type} in {city} is on {street}, {distance_km} km away.",
        "There's a {place_type} on {street}, {distance_km} km from the center of {city}.",
    )
    __say__: ClassVar[dict[str, Any]] = {"place_type": {"gas_station": "gas station", "atm": "cash machine"}}
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city are you in?"}

    place_type: Literal["pharmacy", "atm", "gas_station", "hospital", "supermarket", "park"] = Field(
        description="Kind of place."
    )
    city: str = Field(description="City name.")
    radius_km: int = Field(5, ge=1, le=50, description="Search radius in km.")

    def run(self) -> dict[str, Any]:
        return {
            "street": pick(_STREETS, self.city, self.place_type),
            "distance_km": amount(0.2, min(self.radius_km, 9), self.city, self.place_type, digits=1),
            "place_type": self.place_type.replace("_", " ").replace("atm", "ATM"),
        }


@tool
class GetDistance(BaseModel):
    """Straight-line distance between two cities."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How far is {city_a} from {city_b}[ in {unit}]?",
        "What's the distance between {city_a} and {city_b}[ in {unit}]?",
        "Distance {city_a} to {city_b}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{city_a} and {city_b} are {distance} {unit_label} apart as the crow flies.",
        "It's about {distance} {unit_label} from {city_a} to {city_b}.",
    )
    __say__: ClassVar[dict[str, Any]] = {"unit": {"km": "kilometers", "mi": "miles"}}
    __ask__: ClassVar[dict[str, str]] = {"city_b": "Distance to which city?"}

    city_a: str = Field(description="First city.")
    city_b: str = Field(description="Second city.")
    unit: Literal["km", "mi"] = Field("km", description="Distance unit.")

    def run(self) -> dict[str, Any]:
        km = round(amount(80, 9500, *sorted((self.city_a, self.city_b))))
        return {
            "distance": km if self.unit == "km" else round(km / 1.609344),
            "unit_label": "kilometers" if self.unit == "km" else "miles",
        }


@tool
class GetTimezone(BaseModel):
    """Time zone and local time of a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What time is it in {city}?",
        "Which time zone is {city} in?",
        "What's the local time in {city} right now?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "It's {local_time} in {city} (UTC{offset}).",
        "{city} is on UTC{offset}; local time there is {local_time}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city?"}

    city: str = Field(description="City name.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.city, "tz")
        offset = _OFFSETS.get(self.city, r.randint(-8, 10))
        return {
            "offset": f"{int(offset):+d}" + (":30" if offset % 1 else ""),
            "local_time": f"{r.randint(0, 23):02d}:{r.randrange(0, 60, 5):02d}",
        }


TOOLS: list[type[BaseModel]] = [FindRestaurants, GetDirections, FindNearby, GetDistance, GetTimezone]
