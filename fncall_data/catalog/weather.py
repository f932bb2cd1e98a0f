"""Weather tools: current conditions, forecasts, air quality, sun times and UV."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.catalog._base import amount, pick, rng_for
from fncall_data.tools import tool

__all__ = ["TOOLS"]

_CONDITIONS = ("sunny", "cloudy", "overcast", "rainy", "drizzly", "windy", "foggy", "clear")
_UNITS = {"celsius": "°C", "fahrenheit": "°F"}
_UNIT_SAY = {"unit": {"celsius": "Celsius", "fahrenheit": "Fahrenheit"}}


def _temp(city: str, unit: str, shift: int = 0) -> int:
    """A city's temperature: one base per city, so current and forecast figures agree."""
    celsius = round(amount(-3, 28, city, "base")) + shift
    return celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)


@tool
class GetCurrentWeather(BaseModel):
    """Current weather conditions for a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's the weather like[ in {city}] right now?",
        "How warm is it in {city} at the moment[, in {unit}]?",
        "Current conditions in {city}[ in {unit}], please.",
        "Is it raining in {city} right now?",
        "Can you check the weather[ in {city}] for me[ in {unit}]?",
        "weather {city} now",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "It's {temperature}{symbol} and {condition} in {city} right now, with humidity at {humidity}%.",
        "Right now in {city}: {temperature}{symbol}, {condition}, humidity {humidity}%.",
    )
    __say__: ClassVar[dict[str, Any]] = _UNIT_SAY
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city would you like the weather for?"}

    city: str = Field(description="City name, e.g. Lisbon.")
    unit: Literal["celsius", "fahrenheit"] = Field("celsius", description="Temperature unit.")

    def run(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "temperature": _temp(self.city, self.unit, rng_for(self.city, "now").randint(-2, 4)),
            "symbol": _UNITS[self.unit],
            "condition": pick(_CONDITIONS, self.city, "now"),
            "humidity": rng_for(self.city, "hum").randint(25, 95),
        }


@tool
class GetForecast(BaseModel):
    """Daily weather forecast for a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's the forecast for {city}[ for the next {days} days]?",
        "Give me the[ {days}-day] weather forecast for {city}[ in {unit}].",
        "Will it rain in {city}[ over the next {days} days]?",
        "I'm heading to {city}; what will the weather be like[ for the next {days} days]?",
        "forecast[ {days} days] {city}[ {unit}]",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Over the next {days} days in {city}: highs around {high}{symbol}, lows near {low}{symbol}, "
        "mostly {condition}, with a {rain_chance}% chance of rain.",
        "{city} forecast for {days} days: mostly {condition}, {low} to {high}{symbol}, "
        "rain chance {rain_chance}%.",
    )
    __say__: ClassVar[dict[str, Any]] = _UNIT_SAY
    __ask__: ClassVar[dict[str, str]] = {"city": "Sure, which city should I get the forecast for?"}

    city: str = Field(description="City name.")
    days: int = Field(3, ge=1, le=7, description="Number of days to forecast.")
    unit: Literal["celsius", "fahrenheit"] = Field("celsius", description="Temperature unit.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.city, self.days)
        return {
            "city": self.city,
            "days": self.days,
            "high": _temp(self.city, self.unit, r.randint(3, 8)),
            "low": _temp(self.city, self.unit, -r.randint(2, 7)),
            "symbol": _UNITS[self.unit],
            "condition": pick(_CONDITIONS, self.city, "fc", self.days),
            "rain_chance": rng_for(self.city, "rain", self.days).randrange(0, 100, 5),
        }


@tool
class GetAirQuality(BaseModel):
    """Air quality index and main pollutant for a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How's the air quality[ in {city}] today?",
        "Is the air in {city} safe for a run right now?",
        "What's the AQI in {city}?",
        "Check the pollution level in {city}, please.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "The air quality index in {city} is {aqi} ({level}); the main pollutant is {pollutant}.",
        "{city} currently has an AQI of {aqi}, which counts as {level}. Main pollutant: {pollutant}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city should I check the air quality for?"}

    city: str = Field(description="City name.")

    def run(self) -> dict[str, Any]:
        aqi = rng_for(self.city, "aqi").randint(8, 180)
        level = "good" if aqi <= 50 else "moderate" if aqi <= 100 else "unhealthy for sensitive groups"
        return {
            "city": self.city,
            "aqi": aqi,
            "level": level,
            "pollutant": pick(("PM2.5", "ozone", "NO2"), aqi),
        }


@tool
class GetSunTimes(BaseModel):
    """Sunrise and sunset times for a city on a date."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "When does the sun rise in {city} on {date}?",
        "What time is sunset in {city} on {date}?",
        "Sunrise and sunset for {city}[ on {date}], please.",
        "I want to photograph the sunset in {city} on {date}. When should I be there?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "On {date} in {city}, the sun rises at {sunrise} and sets at {sunset}.",
        "Sunrise in {city} on {date} is at {sunrise}; sunset is at {sunset}.",
    )
    __ask__: ClassVar[dict[str, str]] = {"date": "For which date would you like the sun times?"}

    city: str = Field(description="City name.")
    date: datetime.date = Field(description="The day, YYYY-MM-DD.")

    def run(self) -> dict[str, Any]:
        r = rng_for(self.city, self.date)
        return {
            "city": self.city,
            "date": self.date.isoformat(),
            "sunrise": f"0{r.randint(5, 7)}:{r.randrange(0, 60, 1):02d}",
            "sunset": f"{r.randint(17, 21)}:{r.randrange(0, 60, 1):02d}",
        }


@tool
class GetUvIndex(BaseModel):
    """UV index forecast for a city."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How strong is the sun in {city}[ on {date}]? What's the UV index?",
        "Do I need sunscreen in {city}[ on {date}]?",
        "UV index for {city}[ on {date}]?",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "The UV index in {city} is {uv_index} ({risk} risk).",
        "Expect a UV index of {uv_index} in {city}, a {risk} risk.",
    )
    __ask__: ClassVar[dict[str, str]] = {"city": "Which city are you asking about?"}

    city: str = Field(description="City name.")
    date: datetime.date | None = Field(None, description="Day to check; today when left out.")

    def run(self) -> dict[str, Any]:
        uv = rng_for(self.city, self.date, "uv").randint(0, 11)
        risk = "low" if uv <= 2 else "moderate" if uv <= 5 else "high" if uv <= 7 else "very high"
        return {"city": self.city, "uv_index": uv, "risk": risk}


TOOLS: list[type[BaseModel]] = [GetCurrentWeather, GetForecast, GetAirQuality, GetSunTimes, GetUvIndex]
