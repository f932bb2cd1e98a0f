"""Math and unit tools: lengths, weights, temperatures, percentages and simple statistics."""

from __future__ import annotations

import statistics
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from fncall_data.tools import tool

__all__ = ["TOOLS"]

_METRES = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048, "mi": 1609.344}
_KILOS = {"g": 0.001, "kg": 1.0, "lb": 0.45359237, "oz": 0.028349523}
_LENGTH_SAY = {
    "mm": "millimeters", "cm": "centimeters", "m": "meters", "km": "kilometers",
    "in": "inches", "ft": "feet", "mi": "miles",
}  # fmt: skip
_WEIGHT_SAY = {"g": "grams", "kg": "kilograms", "lb": "pounds", "oz": "ounces"}


def _nice(x: float) -> float:
    return round(x, 4) if abs(x) < 1 else round(x, 2)


@tool
class ConvertLength(BaseModel):
    """Convert a length between metric and imperial units."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How many {to_unit} is {value} {from_unit}?",
        "Convert {value} {from_unit} to {to_unit}.",
        "What's {value} {from_unit} in {to_unit}?",
        "{value} {from_unit} in {to_unit}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("{value} {from_unit} is {result} {to_unit}.",)
    __say__: ClassVar[dict[str, Any]] = {"from_unit": _LENGTH_SAY, "to_unit": _LENGTH_SAY}
    __ask__: ClassVar[dict[str, str]] = {
        "to_unit": "Which unit should I convert it to?",
        "from_unit": "In which unit is that value?",
        "value": "What value should I convert?",
    }
    __pools__: ClassVar[dict[str, list[Any]]] = {"value": [3, 5, 12, 26.2, 42, 100, 180, 250, 1.5, 6]}

    value: float = Field(description="The length to convert.")
    from_unit: Literal["mm", "cm", "m", "km", "in", "ft", "mi"] = Field(description="Unit of the value.")
    to_unit: Literal["mm", "cm", "m", "km", "in", "ft", "mi"] = Field(description="Unit wanted.")

    def run(self) -> dict[str, Any]:
        return {"result": _nice(self.value * _METRES[self.from_unit] / _METRES[self.to_unit])}


@tool
class ConvertWeight(BaseModel):
    """Convert a weight between units."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "How many {to_unit} are in {value} {from_unit}?",
        "Convert {value} {from_unit} to {to_unit}, please.",
        "My suitcase weighs {value} {from_unit}. What's that in {to_unit}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("{value} {from_unit} is {result} {to_unit}.",)
    __say__: ClassVar[dict[str, Any]] = {"from_unit": _WEIGHT_SAY, "to_unit": _WEIGHT_SAY}
    __ask__: ClassVar[dict[str, str]] = {
        "to_unit": "Which unit should I convert it to?",
        "from_unit": "In which unit is that value?",
        "value": "What value should I convert?",
    }
    __pools__: ClassVar[dict[str, list[Any]]] = {"value": [2, 5, 10, 23, 50, 75, 120, 250, 0.5]}

    value: float = Field(ge=0, description="The weight to convert.")
    from_unit: Literal["g", "kg", "lb", "oz"] = Field(description="Unit of the value.")
    to_unit: Literal["g", "kg", "lb", "oz"] = Field(description="Unit wanted.")

    def run(self) -> dict[str, Any]:
        return {"result": _nice(self.value * _KILOS[self.from_unit] / _KILOS[self.to_unit])}


@tool
class ConvertTemperature(BaseModel):
    """Convert a temperature between Celsius, Fahrenheit and Kelvin."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What is {value} degrees {from_scale} in {to_scale}?",
        "Convert {value} {from_scale} to {to_scale}.",
        "The recipe says {value} degrees {from_scale}. What's that in {to_scale}?",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("{value} degrees {from_scale} is {result} degrees {to_scale}.",)
    __say__: ClassVar[dict[str, Any]] = {
        "from_scale": {"celsius": "Celsius", "fahrenheit": "Fahrenheit", "kelvin": "Kelvin"},
        "to_scale": {"celsius": "Celsius", "fahrenheit": "Fahrenheit", "kelvin": "Kelvin"},
    }
    __pools__: ClassVar[dict[str, list[Any]]] = {"value": [-10, 0, 18, 21, 37, 100, 180, 220, 350, 451]}
    __ask__: ClassVar[dict[str, str]] = {
        "to_scale": "Which scale should I convert it to: Celsius, Fahrenheit or Kelvin?",
        "from_scale": "Is that in Celsius, Fahrenheit or Kelvin?",
        "value": "What temperature should I convert?",
    }

    value: float = Field(description="The temperature.")
    from_scale: Literal["celsius", "fahrenheit", "kelvin"] = Field(description="Scale of the value.")
    to_scale: Literal["celsius", "fahrenheit", "kelvin"] = Field(description="Scale wanted.")

    def run(self) -> dict[str, Any]:
        kelvin = {
            "celsius": self.value + 273.15,
            "fahrenheit": (self.value - 32) * 5 / 9 + 273.15,
            "kelvin": self.value,
        }[self.from_scale]
        if kelvin < 0:
            raise ValueError(f"{self.value} degrees {self.from_scale} is below absolute zero")
        out = {"celsius": kelvin - 273.15, "fahrenheit": (kelvin - 273.15) * 9 / 5 + 32, "kelvin": kelvin}
        return {"result": round(out[self.to_scale], 2)}


@tool
class CalculatePercentage(BaseModel):
    """What percentage one number is of another."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What percentage of {whole} is {part}?",
        "{part} out of {whole} is what percent?",
        "I scored {part} out of {whole}. What's my percentage?",
        "Work out {part} as a percentage of {whole}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = ("{part} is {percent}% of {whole}.",)
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "part": [17, 42, 45, 68, 120, 250, 3, 88],
        "whole": [50, 80, 150, 200, 400, 1200, 96],
    }
    __ask__: ClassVar[dict[str, str]] = {"whole": "Out of what total?"}

    part: float = Field(description="The part.")
    whole: float = Field(gt=0, description="The whole.")

    def run(self) -> dict[str, Any]:
        return {"percent": round(self.part / self.whole * 100, 2)}


@tool
class DescribeNumbers(BaseModel):
    """Summary statistics of a list of numbers: mean, median, min, max."""

    __phrasings__: ClassVar[tuple[str, ...]] = (
        "What's the average of {numbers}?",
        "Give me the mean and median of these: {numbers}.",
        "Here are my scores: {numbers}. What are the stats?",
        "Summarize the numbers {numbers}.",
    )
    __answers__: ClassVar[tuple[str, ...]] = (
        "Mean {mean}, median {median}, ranging from {minimum} to {maximum}.",
        "The average is {mean} and the median is {median} (min {minimum}, max {maximum}).",
    )
    __pools__: ClassVar[dict[str, list[Any]]] = {
        "numbers": [3, 7, 12, 15, 18, 21, 24, 30, 42, 55, 61, 78, 90]
    }

    numbers: list[float] = Field(min_length=2, max_length=12, description="The numbers.")

    def run(self) -> dict[str, Any]:
        values = self.numbers
        return {
            "mean": round(statistics.fmean(values), 2),
            "median": round(statistics.median(values), 2),
            "minimum": min(values),
            "maximum": max(values),
        }


TOOLS: list[type[BaseModel]] = [
    ConvertLength,
    ConvertWeight,
    ConvertTemperature,
    CalculatePercentage,
    DescribeNumbers,
]
