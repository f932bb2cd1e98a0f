"""Travel tools: flights, flight status, hotels, car rental and visa rules."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import amount, pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_AIRLINES = {
    "Lufthansa": "LH", "KLM": "KL", "Iberia": "IB", "Delta": "DL", "Air France": "AF", "ANA": "NH",
    "Qantas": "QF", "TAP": "TP", "SAS": "SK", "Emirates": "EK",
}  # fmt: skip
_HOTELS = ("Harbor View Hotel", "Hotel Central", "The Linden", "Casa Azul", "Park Lane Suites", "Nordlys Inn")


@tool
class SearchFlights(BaseModel):
    """Search flights between two airports on a date."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find flights from {origin} to {destination} on {date}[ in {cabin}][ for {passengers} people].",
        "I need to fly {origin} to {destination} on {date}[, flying {cabin}].",
        "Any flights[ from {origin}] to {destination} on {date}[ for {passengers} passengers]?",
        "Search {origin}-{destination} flights for {date}.",
        "What's the cheapest way to get from {origin} to {destination} by air on {date}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "I found {count} flights from {origin} to {destination} on {date}. The cheapest is {airline} "
        "{flight_number}, departing {departure}, at {price} USD.",
        "Cheapest option on {date}: {airline} {flight_number} at {departure} for {price} USD "
        "({count} flights found).",
    )
    __say__: ClassVar[dict[str, Any]] = {
        "cabin": {"economy": "economy", "premium_economy": "premium economy", "business": "business",
                  "first": "first class"}
    }  # fmt: skip
    __pools__: ClassVar[dict[str, list[Any]]] = {"passengers": [2, 3, 4]}
    __ask__: ClassVar[dict[str, str]] = {
        "origin": "Which airport are you flying from?",
        "destination": "Where are you flying to?",
        "date": "What date do you want to travel?",
    }

    origin: str = Field(pattern=r"^[A-Z]{3}$", description="IATA code of the departure airport.")
    destination: str = Field(pattern=r"^[A-Z]{3}$", description="IATA code of the arrival airport.")
    date: datetime.date = Field(description="Departure date.")
    cabin: Literal["economy", "premium_economy", "business", "first"] = Field("economy", description="Cabin.")
    passengers: int = Field(1, ge=1, le=9, description="Number of passengers.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.origin, self.destination, self.date)
        airline = r.choice(sorted(_AIRLINES))
        factor = {"economy": 1, "premium_economy": 1.6, "business": 3.2, "first": 5.5}[self.cabin]
        return {
            "count": r.randint(2, 14),
            "airline": airline,
            "flight_number": f"{_AIRLINES[airline]}{r.randint(100, 999)}",
            "departure": f"{r.randint(6, 21):02d}:{r.choice((0, 15, 30, 45)):02d}",
            "price": round(amount(90, 700, self.origin, self.destination) * factor * self.passengers),
        }


@tool
class GetFlightStatus(BaseModel):
    """Live status of a flight by flight number."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Is flight {flight_number} on time?",
        "What's the status of {flight_number}[ on {date}]?",
        "Has {flight_number} landed yet?",
        "Check flight {flight_number} for me[ for {date}].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Flight {flight_number} is {status}; expected arrival {arrival} at gate {gate}.",
        "{flight_number}: {status}, arriving {arrival}, gate {gate}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"flight_number": "What's the flight number?"}

    flight_number: str = Field(pattern=r"^[A-Z0-9]{2}[0-9]{2,4}$", description="Flight number, e.g. LH454.")
    date: datetime.date | None = Field(None, description="Day of the flight; today when left out.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.flight_number, self.date)
        return {
            "status": r.choice(
                ("on time", "delayed by 25 minutes", "boarding", "landed", "delayed by 1 hour")
            ),
            "arrival": f"{r.randint(0, 23):02d}:{r.choice((5, 20, 35, 50)):02d}",
            "gate": f"{r.choice('ABCDE')}{r.randint(1, 40)}",
        }


@tool
class SearchHotels(BaseModel):
    """Search hotels in a city for given dates."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Find me a hotel in {city} from {check_in} for {nights} nights[ for {guests} guests].",
        "I need a place to stay in {city}, checking in {check_in}, {nights} nights"
        "[, under {max_price} a night].",
        "Hotels in {city}[ for {guests} people], {nights} nights starting {check_in}?",
        "Look for hotels in {city} on {check_in} for {nights} nights[ below {max_price} per night].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "{hotel} in {city} has rooms from {check_in} for {nights} nights at {price_per_night} a night "
        "(rated {rating}/5).",
        "Best match: {hotel}, {price_per_night} per night, rating {rating}. "
        "{total} in total for {nights} nights.",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "max_price": [80, 120, 150, 200, 250, 300],
        "guests": [2, 3, 4],
    }
    __ask__: ClassVar[dict[str, str]] = {"check_in": "What date would you check in?"}

    city: str = Field(description="City name.")
    check_in: datetime.date = Field(description="Check-in date.")
    nights: int = Field(ge=1, le=30, description="Number of nights.")
    guests: int = Field(2, ge=1, le=8, description="Number of guests.")
    max_price: int | None = Field(None, gt=0, description="Highest price per night.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.city, self.check_in, self.guests)
        cap = self.max_price or 400
        price = min(cap, r.randint(60, 380))
        return {
            "hotel": r.choice(_HOTELS),
            "price_per_night": price,
            "total": price * self.nights,
            "rating": round(r.uniform(3.6, 4.9), 1),
        }


@tool
class RentCar(BaseModel):
    """Quote a rental car in a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "I need a rental car in {city} from {pickup_date} for {days} days[, {car_type} please].",
        "How much is a rental[ {car_type}] car in {city} for {days} days starting {pickup_date}?",
        "Rent me a car in {city} on {pickup_date}[ for {days} days].",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "A {car_type} car in {city} from {pickup_date} for {days} days costs {total} USD ({model}).",
        "{supplier} can give you a {model} in {city} for {total} USD over {days} days.",
    )
    __ask__: ClassVar[dict[str, str]] = {"city": "In which city do you want to pick up the car?"}
    __say__: ClassVar[dict[str, Any]] = {"car_type": {"suv": "SUV"}}

    city: str = Field(description="Pick-up city.")
    pickup_date: datetime.date = Field(description="Pick-up date.")
    days: int = Field(3, ge=1, le=30, description="Rental length in days.")
    car_type: Literal["compact", "sedan", "suv", "van"] = Field("compact", description="Kind of car.")

    def run(self) -> dict[str, Any]:
        daily = {"compact": 38, "sedan": 52, "suv": 74, "van": 90}[self.car_type]
        models = {"compact": "VW Polo", "sedan": "Toyota Camry", "suv": "Kia Sportage", "van": "Ford Transit"}
        return {
            "model": models[self.car_type],
            "supplier": pick(("Hertz", "Sixt", "Avis", "Europcar"), self.city),
            "total": daily * self.days + rng_for(self.city, self.pickup_date).randint(0, 40),
        }


@tool
class GetVisaRequirements(BaseModel):
    """Whether a visa is needed for a trip, by passport and destination country."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "Do I need a visa for {destination}? I have a passport from {passport_country}.",
        "Visa requirements for {passport_country} citizens visiting {destination}?",
        "Can someone with a passport from {passport_country} travel to {destination} without a visa?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "With a passport from {passport_country}, visiting {destination}: {requirement} "
        "(stays up to {max_days} days).",
        "For {destination} you need: {requirement}. Maximum stay {max_days} days.",
    )
    __ask__: ClassVar[dict[str, str]] = {"passport_country": "Which country issued your passport?"}
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "destination": ["Japan", "Brazil", "India", "Kenya", "Vietnam", "Turkey", "Canada", "Australia",
                        "Egypt", "Thailand", "Morocco", "Argentina", "South Korea", "Indonesia"],
    }  # fmt: skip

    passport_country: str = Field(description="Country that issued the passport.")
    destination: str = Field(description="Country to visit.")

    def run(self) -> dict[str, Any]:
        need = pick(("no visa required", "an e-visa", "a visa on arrival", "a visa from the embassy"),
                    self.passport_country, self.destination)  # fmt: skip
        return {"requirement": need, "max_days": pick((30, 60, 90, 180), self.destination)}


TOOLS: list[type[BaseModel]] = [SearchFlights, GetFlightStatus, SearchHotels, RentCar, GetVisaRequirements]
