"""Realistic values for arguments, chosen by parameter name and schema.

Values come from fixed pools (cities, names, currencies, airports, products, ...) picked by the
parameter's name, or are drawn within the schema's bounds (enums, numbers, dates, patterns the pools
know). A tool can bring its own pool for a parameter (``__pools__``), which wins. Nothing here ever
produces a placeholder such as ``string_1``: a string with no fitting pool raises :class:`NoValue`,
and the record is rejected with that reason.
"""

from __future__ import annotations

import datetime
import json
import random
import re
from typing import Any

__all__ = ["NoValue", "sample_value"]


class NoValue(Exception):
    """No realistic value is known for a parameter."""


CITIES = [
    "Paris", "Tokyo", "Lisbon", "Nairobi", "Toronto", "Sydney", "Buenos Aires", "Oslo", "Seoul", "Cairo",
    "Berlin", "Mumbai", "Mexico City", "Istanbul", "Vienna", "Cape Town", "Singapore", "Chicago", "Lima",
    "Reykjavik", "Hanoi", "Madrid", "Dublin", "Prague", "Marrakesh", "Vancouver", "Helsinki", "Osaka",
    "Bogotá", "Edinburgh", "Austin", "Kraków", "Montreal", "Auckland", "Athens", "Copenhagen",
]  # fmt: skip
COUNTRIES = [
    "Germany", "Japan", "Brazil", "Canada", "India", "France", "Kenya", "Mexico", "Norway", "Spain",
    "Australia", "South Africa", "Italy", "Chile", "Vietnam", "Ireland", "Poland", "Egypt", "Peru",
]  # fmt: skip
FIRST = [
    "Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko",
    "Liam", "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Sanjay", "Tara", "Umar", "Vera",
]  # fmt: skip
LAST = ["Smith", "Okafor", "Müller", "Tanaka", "Silva", "Novak", "Haddad", "Larsen", "Rossi", "Kim",
        "Dubois", "Patel", "García", "Nguyen", "Walsh", "Berg"]  # fmt: skip
CURRENCIES = [
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "CHF",
    "CAD",
    "AUD",
    "SEK",
    "INR",
    "MXN",
    "BRL",
    "SGD",
    "NZD",
    "PLN",
]
AIRPORTS = ["JFK", "LHR", "CDG", "FRA", "NRT", "SFO", "LAX", "AMS", "MAD", "LIS", "DXB", "SIN", "SYD", "GRU",
            "YYZ", "ORD", "BCN", "MUC", "CPH", "DUB", "HND", "ICN", "BOS", "SEA"]  # fmt: skip
AIRLINE_CODES = ["LH", "BA", "AF", "KL", "DL", "UA", "IB", "NH", "QF", "TP", "SK", "EK", "AA", "AC"]
LANGUAGES = ["Spanish", "French", "German", "Italian", "Japanese", "Portuguese", "Korean", "Dutch", "Swedish"]
STREETS = ["12 Baker Street", "45 Rue de Rivoli", "7 Elm Avenue", "221 Queen Street", "18 Harbour Road",
           "3 Kastanienallee", "90 Maple Drive", "56 Via Roma"]  # fmt: skip
POSTCODES = ["10115", "75001", "SW1A 1AA", "94103", "1012 AB", "00184", "2000", "M5V 2T6"]
PRODUCTS = ["wireless mouse", "USB-C hub", "coffee grinder", "yoga mat", "phone charger", "desk lamp",
            "bluetooth speaker", "travel mug", "laptop stand", "running socks"]  # fmt: skip
WORDS = ["quarterly report", "team lunch", "project update", "holiday plans", "budget review",
         "client meeting", "product launch", "weekly sync"]  # fmt: skip
COLOURS = ["red", "blue", "green", "black", "white", "silver"]
GENERIC_STRINGS = ["standard", "premium", "basic", "north", "main", "primary"]
_BASE_DATE = datetime.date(2026, 1, 5)
_DOMAINS = ["example.com", "mail.com", "company.org", "studio.io"]

# (name pattern, pool): the first pattern matching a parameter name gives its pool.
_BY_NAME: list[tuple[re.Pattern[str], list[Any]]] = [
    (re.compile(r"currenc|^(base|quote)$"), CURRENCIES),
    (re.compile(r"airport|^(origin|destination|from_airport|to_airport)$"), AIRPORTS),
    (re.compile(r"country_code$"), ["US", "GB", "DE", "FR", "JP", "BR", "IN", "CA", "ES", "IT", "MX"]),
    (re.compile(r"country|nation"), COUNTRIES),
    (re.compile(r"city|town|location|place$|destination|origin"), CITIES),
    (re.compile(r"lang"), LANGUAGES),
    (re.compile(r"street|address"), STREETS),
    (re.compile(r"postal|zip|postcode"), POSTCODES),
    (re.compile(r"product|item"), PRODUCTS),
    (re.compile(r"colou?r"), COLOURS),
    (re.compile(r"symbol|ticker"), ["AAPL", "MSFT", "NVDA", "AMZN", "TSLA", "IBM", "SAP"]),
    (re.compile(r"(^|_)(title|subject|topic|query|keyword|search|term)s?$"), WORDS),
]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    ascii_last = last.replace("ü", "ue").replace("í", "i").replace("á", "a").lower()
    return f"{first.lower()}.{ascii_last}@{rng.choice(_DOMAINS)}"


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(["+1", "+44", "+49", "+33", "+34", "+81", "+61"])
    return prefix + "".join(str(rng.randint(0, 9)) for _ in range(9 if prefix != "+1" else 10))


def _date(rng: random.Random) -> str:
    return (_BASE_DATE + datetime.timedelta(days=rng.randint(0, 340))).isoformat()


def _string(name: str, schema: dict[str, Any], rng: random.Random) -> str:
    fmt = schema.get("format")
    pattern = schema.get("pattern", "")
    lowered = name.lower()
    if fmt == "date":
        return _date(rng)
    if fmt == "date-time":
        return f"{_date(rng)}T{rng.randint(7, 20):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if (
        fmt == "email"
        or "email" in lowered
        or lowered in ("cc", "bcc")
        or (lowered == "to" and "@" in pattern)
    ):
        return _email(rng)
    if "phone" in lowered or pattern.startswith(r"^\+"):
        return _phone(rng)
    if lowered == "time" or lowered.endswith("_time") or fmt == "time":
        return f"{rng.randint(7, 20):02d}:{rng.choice((0, 15, 30, 45)):02d}"
    if "flight" in lowered:
        return f"{rng.choice(AIRLINE_CODES)}{rng.randint(100, 2999)}"
    if "order" in lowered and "ORD" in pattern:
        return f"ORD-{rng.randint(100000, 999999)}"
    if "tracking" in lowered:
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(14))
    if re.search(r"(^|_)(name|person|contact|attendee|user|assignee|recipient)s?$", lowered):
        return _person(rng)
    for regex, pool in _BY_NAME:
        if regex.search(lowered):
            return str(rng.choice(pool))
    raise NoValue(f"no realistic value for string parameter {name!r}; add it to the tool's __pools__")


def _number(name: str, schema: dict[str, Any], rng: random.Random, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 1 if integer else 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    lowered = name.lower()
    if high is None:
        if re.search(r"amount|price|principal|cost|budget|salary|total", lowered):
            high = 5000
        elif re.search(r"year", lowered):
            low, high = max(low, 2020), 2030
        else:
            high = max(low + 1, 100 if integer else 100.0)
    if "exclusiveMinimum" in schema:
        low = low + 1 if integer else low + 0.5
    if "exclusiveMaximum" in schema:
        high = high - 1 if integer else high - 0.5
    if integer:
        if low <= 1 < high and re.search(
            r"(night|day|guest|passenger|people|week|hour|minute|year)s$", lowered
        ):
            low = 2  # "for 1 nights" reads wrong; one of them is said differently
        return rng.randint(int(low), int(high))
    if high - low >= 50:
        step = 5 if high - low < 1000 else 50
        value = rng.randrange(int(low) // step * step + step, int(high) + 1, step)
        return value
    return round(rng.uniform(low, high), 1)


def sample_value(name: str, schema: dict[str, Any], rng: random.Random, pools: dict[str, list[Any]]) -> Any:
    """A realistic value for parameter ``name`` that fits ``schema``.

    Raises:
        NoValue: no pool fits a free-text string parameter.

    Example:
        >>> import random
        >>> sample_value("city", {"type": "string"}, random.Random(1), {})
        'Seoul'
    """
    if name in pools and pools[name] and schema.get("type") != "array":
        return rng.choice(pools[name])
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind is None and "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if isinstance(b, dict) and b.get("type") != "null"]
        return sample_value(name, branches[0], rng, pools) if branches else None
    if kind == "string":
        return _string(name, schema, rng)
    if kind == "integer":
        return _number(name, schema, rng, integer=True)
    if kind == "number":
        return _number(name, schema, rng, integer=False)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "array":
        items = schema.get("items", {})
        low = max(1, schema.get("minItems", 1))
        high = min(max(low, schema.get("maxItems", 3)), low + 2)
        count = rng.randint(low, high)
        singular = name[:-1] if name.endswith("s") else name
        item_pools = {singular: pools[name], **pools} if pools.get(name) else pools
        out: list[Any] = []
        names: set[str] = set()
        for _ in range(count * 3):
            value = sample_value(singular, items, rng, item_pools)
            # Objects count as repeats when they name the same thing ("2 mugs and 3 mugs").
            label = (
                json.dumps(next((v for v in value.values() if isinstance(v, str)), value), sort_keys=True)
                if isinstance(value, dict)
                else json.dumps(value)
            )
            if label not in names:
                names.add(label)
                out.append(value)
            if len(out) == count:
                break
        return out
    if kind == "object":
        return sample_object(schema, rng, pools, optional_rate=1.0)
    raise NoValue(f"no value for parameter {name!r} of type {kind!r}")


def sample_object(
    schema: dict[str, Any], rng: random.Random, pools: dict[str, list[Any]], optional_rate: float
) -> dict[str, Any]:
    """Values for an object's required properties, and for each optional one with ``optional_rate``."""
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    out: dict[str, Any] = {}
    for key, sub in props.items():
        if key in required or rng.random() < optional_rate:
            out[key] = sample_value(key, sub, rng, pools)
    return out


def synthesize(schema: dict[str, Any], rng: random.Random, name: str = "result") -> Any:
    """A plausible value of a declared result type, for tools that have no implementation."""
    kind = schema.get("type")
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if kind == "object" or "properties" in schema:
        props: dict[str, Any] = schema.get("properties", {})
        return {key: synthesize(sub, rng, key) for key, sub in props.items()}
    if kind == "array":
        return [synthesize(schema.get("items", {}), rng, name) for _ in range(rng.randint(1, 3))]
    if kind == "string":
        try:
            return _string(name, schema, rng)
        except NoValue:
            return rng.choice(GENERIC_STRINGS)
    if kind in ("integer", "number"):
        return _number(name, schema, rng, integer=kind == "integer")
    if kind == "boolean":
        return rng.random() < 0.7
    if kind is None and "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if isinstance(b, dict) and b.get("type") != "null"]
        return synthesize(branches[0], rng, name) if branches else None
    return None
