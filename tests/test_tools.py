"""Tools from models, functions, JSON Schema, OpenAI, Gorilla and xLAM specs: whole-schema snapshots."""

from __future__ import annotations

import datetime
import enum
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

from fncall_data.dialects import gorilla_to_json_schema, xlam_to_json_schema
from fncall_data.errors import FncallError
from fncall_data.tools import (
    implementation_of,
    load_tools,
    to_tool,
    tool,
    tool_from_function,
    tool_from_gorilla,
    tool_from_json_schema,
    tool_from_model,
    tool_from_openai,
    tool_of,
)
from fncall_data.types import Tool


def assert_schema_splits(schema: dict[str, Any], good: dict[str, Any], bad: dict[str, Any]) -> None:
    """The schema is valid, accepts ``good`` and rejects ``bad``."""
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors(bad)) != []


# --- Pydantic models ----------------------------------------------------------------------------------


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Place(BaseModel):
    """A place on Earth.

    Attributes:
        city: City name, in English.
    """

    city: str
    country: str | None = Field(default=None, description="ISO 3166 code.", min_length=2, max_length=2)


class GetWeather(BaseModel):
    """Get the weather forecast for a place.

    Answers in the unit asked for.

    Args:
        place: Where to look.
        days: How many days
            ahead, today included.
    """

    place: Place
    days: int = Field(default=1, ge=1, le=14)
    unit: Unit = Unit.CELSIUS
    detail: Literal["short", "full"] = "short"
    hours: list[int] = Field(default_factory=list, description="Hours of the day.")
    note: str | None = None
    alerts_for: str | None = Field(description="Region for alerts, or null for none.")
    ratio: float = Field(default=0.5, gt=0, lt=1)
    tag: str = Field(default="x", pattern="^[a-z]+$")
    extra: dict[str, int] = {}
    also: list[Place] = []


GET_WEATHER_PLACE = {
    "description": "Where to look.",
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name, in English."},
        "country": {"type": "string", "description": "ISO 3166 code.", "minLength": 2, "maxLength": 2},
    },
    "required": ["city"],
}

GET_WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "place": GET_WEATHER_PLACE,
        "days": {
            "type": "integer",
            "default": 1,
            "minimum": 1,
            "maximum": 14,
            "description": "How many days ahead, today included.",
        },
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
        "detail": {"type": "string", "enum": ["short", "full"], "default": "short"},
        "hours": {"type": "array", "items": {"type": "integer"}, "description": "Hours of the day."},
        "note": {"type": "string"},
        "alerts_for": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "Region for alerts, or null for none.",
        },
        "ratio": {"type": "number", "default": 0.5, "exclusiveMinimum": 0, "exclusiveMaximum": 1},
        "tag": {"type": "string", "default": "x", "pattern": "^[a-z]+$"},
        "extra": {"type": "object", "additionalProperties": {"type": "integer"}, "default": {}},
        "also": {
            "type": "array",
            "default": [],
            "items": {**GET_WEATHER_PLACE, "description": "A place on Earth."},
        },
    },
    "required": ["place", "alerts_for"],
}


@pytest.fixture
def weather_model() -> type[GetWeather]:
    return GetWeather


def test_model_becomes_a_clean_self_contained_tool(weather_model: type[GetWeather]) -> None:
    built = tool_from_model(weather_model)

    assert built == Tool(
        name="get_weather",
        description="Get the weather forecast for a place.\n\nAnswers in the unit asked for.",
        parameters=GET_WEATHER_PARAMETERS,
    )
    good = {"place": {"city": "Paris", "country": "FR"}, "alerts_for": None, "days": 3, "unit": "fahrenheit"}
    weather_model.model_validate(good)  # the schema and the model agree on a valid call
    assert_schema_splits(built.parameters, good, {**good, "days": 15})
    assert_schema_splits(built.parameters, good, {**good, "place": {"city": "Paris", "country": "FRA"}})
    assert_schema_splits(built.parameters, good, {"place": {"city": "Paris"}})  # alerts_for required


class HTTPRequest(BaseModel):
    url: str


class Renamed(BaseModel):
    """Ping a host."""

    __tool_name__: ClassVar[str] = "ping_host"
    host: str


def test_model_names_come_from_tool_name_attribute_or_snake_case() -> None:
    assert tool_from_model(HTTPRequest) == Tool(
        name="http_request",
        parameters={"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]},
    )
    assert tool_from_model(Renamed) == Tool(
        name="ping_host",
        description="Ping a host.",
        parameters={"type": "object", "properties": {"host": {"type": "string"}}, "required": ["host"]},
    )
    assert_schema_splits(tool_from_model(Renamed).parameters, {"host": "a"}, {"host": 1})


class Tree(BaseModel):
    label: str
    children: list[Tree] = []


def test_recursive_model_is_rejected_by_name() -> None:
    with pytest.raises(FncallError, match=r"model Tree: Tree refers to itself \(Tree -> Tree\)"):
        tool_from_model(Tree)


def test_model_with_unschemable_field_is_rejected() -> None:
    class Hooked(BaseModel):
        city: str
        on_done: Callable[[str], None]

    with pytest.raises(FncallError, match=r"model Hooked: field 'on_done' has no JSON Schema"):
        tool_from_model(Hooked)
    with pytest.raises(FncallError, match=r"pydantic BaseModel subclass, got 3"):
        tool_from_model(3)  # type: ignore[arg-type]


def test_function_with_unschemable_parameter_is_rejected() -> None:
    def notify(city: str, on_done: Callable[[str], None]) -> None: ...

    with pytest.raises(FncallError, match=r"function 'notify': parameter 'on_done' has no JSON Schema"):
        tool_from_function(notify)


# --- Functions ----------------------------------------------------------------------------------------


def book_flight(
    origin: str,
    destination: str,
    day: datetime.date,
    seats: int = 1,
    cabin: Literal["economy", "business"] = "economy",
    traveller: Place | None = None,
    json: bool = False,
) -> str:
    """Book a flight between two airports.

    Args:
        origin (str): IATA code of the departure airport.
        destination: IATA code of the
            arrival airport.
        day: Date of departure.
        json: Answer as JSON.

    Returns:
        The booking reference.
    """
    where = traveller.city if traveller else "-"
    return f"{origin}-{destination} {day.isoformat()} x{seats} {cabin} {where} {json}"


BOOK_FLIGHT_PARAMETERS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "origin": {"type": "string", "description": "IATA code of the departure airport."},
        "destination": {"type": "string", "description": "IATA code of the arrival airport."},
        "day": {"type": "string", "format": "date", "description": "Date of departure."},
        "seats": {"type": "integer", "default": 1},
        "cabin": {"type": "string", "enum": ["economy", "business"], "default": "economy"},
        "traveller": {
            "type": "object",
            "description": "A place on Earth.",
            "properties": {
                "city": {"type": "string", "description": "City name, in English."},
                "country": {
                    "type": "string",
                    "description": "ISO 3166 code.",
                    "minLength": 2,
                    "maxLength": 2,
                },
            },
            "required": ["city"],
        },
        "json": {"type": "boolean", "default": False, "description": "Answer as JSON."},
    },
    "required": ["origin", "destination", "day"],
}


def test_function_becomes_a_tool_from_signature_and_google_docstring() -> None:
    built = tool_from_function(book_flight)

    assert built == Tool(
        name="book_flight",
        description="Book a flight between two airports.",
        parameters=BOOK_FLIGHT_PARAMETERS,
    )
    good = {"origin": "CDG", "destination": "FCO", "day": "2025-05-01", "traveller": {"city": "Paris"}}
    assert_schema_splits(built.parameters, good, {**good, "day": "May 1st"})
    assert_schema_splits(built.parameters, good, {**good, "surprise": 1})


def _star_args(*cities: str) -> None: ...
def _star_kwargs(city: str, **more: str) -> None: ...
def _untyped(city, days: int) -> None: ...  # type: ignore[no-untyped-def]
def _positional(city: str, /) -> None: ...


class _Opaque:
    pass


def _unknown_type(conn: _Opaque) -> None: ...


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (_star_args, r"function '_star_args': parameter \*cities is not allowed"),
        (_star_kwargs, r"function '_star_kwargs': parameter \*\*more is not allowed"),
        (_untyped, r"function '_untyped': parameter 'city' has no type hint"),
        (_positional, r"function '_positional': parameter 'city' is positional-only"),
        (_unknown_type, r"function '_unknown_type': parameter 'conn' has a type pydantic cannot validate"),
        (lambda: None, r"function '<lambda>': name: String should match pattern"),
    ],
)
def test_function_errors_name_the_function_and_parameter(fn: Any, message: str) -> None:
    with pytest.raises(FncallError, match=message):
        tool_from_function(fn)


# --- OpenAI, JSON Schema ------------------------------------------------------------------------------

SEARCH_PARAMETERS = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "Words to look for."},
        "limit": {"type": "integer"},
    },
    "required": ["query"],
}


def test_openai_spec_wrapped_or_bare() -> None:
    expected = Tool(name="search", description="Search the web.", parameters=SEARCH_PARAMETERS)
    bare = {"name": "search", "description": "Search the web.", "parameters": SEARCH_PARAMETERS}

    assert tool_from_openai({"type": "function", "function": bare}) == expected
    assert tool_from_openai(bare) == expected
    assert to_tool({"type": "function", "function": bare}) == expected
    assert tool_from_json_schema(SEARCH_PARAMETERS, name="search", description="Search the web.") == expected
    assert tool_from_openai({"type": "function", "function": {"name": "now"}}) == Tool(
        name="now", parameters={"type": "object", "properties": {}}
    )
    assert_schema_splits(expected.parameters, {"query": "q", "limit": 3}, {"limit": 3})


def test_spec_errors_name_the_tool_and_the_bad_part() -> None:
    with pytest.raises(
        FncallError, match=r"tool 'search': parameters: not a valid JSON Schema at properties/q"
    ):
        tool_from_openai(
            {"name": "search", "parameters": {"type": "object", "properties": {"q": {"type": 7}}}}
        )
    with pytest.raises(FncallError, match=r"tool 'f'.*looks like the Gorilla dialect"):
        tool_from_json_schema({"type": "dict", "properties": {}}, name="f")
    with pytest.raises(FncallError, match=r"needs a string 'name'; got keys \['parameters'\]"):
        tool_from_openai({"parameters": {}})
    with pytest.raises(FncallError, match=r"tool 'x': 'parameters' must be a JSON object"):
        tool_from_openai({"name": "x", "parameters": "{}"})


# --- Gorilla / BFCL -----------------------------------------------------------------------------------

# The `function` specs of two rows of tests/data/formats/bfcl_question.jsonl (simple_python_1001,
# parallel_1003).
BFCL_CALORIES = {
    "name": "fitness.estimate_calories",
    "description": "Estimate the calories an activity burns.",
    "parameters": {
        "type": "dict",
        "properties": {
            "activity": {
                "type": "string",
                "enum": ["running", "cycling", "swimming"],
                "description": "The activity.",
            },
            "minutes": {"type": "integer", "description": "How long it lasts."},
            "weight_kg": {"type": "float", "description": "Body weight in kilograms."},
            "intensity": {"type": "string", "description": "low, moderate or high. Default 'moderate'"},
        },
        "required": ["activity", "minutes", "weight_kg"],
    },
}
BFCL_CUPS = {
    "name": "cups_to_grams",
    "description": "Convert cups of a baking ingredient to grams.",
    "parameters": {
        "type": "dict",
        "properties": {
            "ingredient": {"type": "string", "description": "The ingredient."},
            "cups": {"type": "float", "description": "Number of cups."},
        },
        "required": ["ingredient", "cups"],
    },
}


def test_bfcl_rows_are_normalised() -> None:
    calories = tool_from_gorilla(BFCL_CALORIES)
    cups = to_tool(BFCL_CUPS)  # detected as Gorilla by its "dict" and "float"

    assert calories == Tool(
        name="fitness.estimate_calories",
        description="Estimate the calories an activity burns.",
        parameters={
            "type": "object",
            "properties": {
                "activity": {
                    "type": "string",
                    "enum": ["running", "cycling", "swimming"],
                    "description": "The activity.",
                },
                "minutes": {"type": "integer", "description": "How long it lasts."},
                "weight_kg": {"type": "number", "description": "Body weight in kilograms."},
                "intensity": {"type": "string", "description": "low, moderate or high. Default 'moderate'"},
            },
            "required": ["activity", "minutes", "weight_kg"],
        },
    )
    assert cups == Tool(
        name="cups_to_grams",
        description="Convert cups of a baking ingredient to grams.",
        parameters={
            "type": "object",
            "properties": {
                "ingredient": {"type": "string", "description": "The ingredient."},
                "cups": {"type": "number", "description": "Number of cups."},
            },
            "required": ["ingredient", "cups"],
        },
    )
    run = {"activity": "running", "minutes": 45, "weight_kg": 70.5}
    assert_schema_splits(calories.parameters, run, {**run, "activity": "rowing"})
    assert_schema_splits(
        cups.parameters, {"ingredient": "flour", "cups": 3.5}, {"ingredient": "flour", "cups": "3.5"}
    )
    assert BFCL_CUPS["parameters"]["type"] == "dict"  # type: ignore[index]  # the input is left alone


def test_gorilla_dialect_converts_recursively() -> None:
    schema = {
        "properties": {
            "point": {"type": "tuple", "items": {"type": "float"}, "description": "x, y."},
            "payload": {"type": "any", "description": "Anything.", "default": None},
            "filters": {
                "type": "array",
                "items": {"type": "dict", "properties": {"k": {"type": "string"}, "v": {"type": "any"}}},
            },
            "weights": {"type": "dict", "additionalProperties": {"type": "float"}},
        },
        "required": ["point"],
    }
    converted = gorilla_to_json_schema(schema)

    assert converted == {
        "type": "object",
        "properties": {
            "point": {"type": "array", "items": {"type": "number"}, "description": "x, y."},
            "payload": {"description": "Anything.", "default": None},
            "filters": {
                "type": "array",
                "items": {"type": "object", "properties": {"k": {"type": "string"}, "v": {}}},
            },
            "weights": {"type": "object", "additionalProperties": {"type": "number"}},
        },
        "required": ["point"],
    }
    good = {"point": [1, 2.5], "payload": [1], "filters": [{"k": "a", "v": None}], "weights": {"a": 1.0}}
    assert_schema_splits(converted, good, {**good, "weights": {"a": "heavy"}})
    with pytest.raises(FncallError, match=r"tool 'f': parameters.x: unknown type 'HashMap'"):
        tool_from_gorilla(
            {"name": "f", "parameters": {"type": "dict", "properties": {"x": {"type": "HashMap"}}}}
        )


# --- xLAM -----------------------------------------------------------------------------------------------

# The two tools of the first row in tests/data/formats/xlam.jsonl (its `tools` column, decoded).
XLAM_TOOLS = [
    {
        "name": "get_product_reviews",
        "description": "Recent customer reviews of a product.",
        "parameters": {
            "product_id": {"description": "The shop's product id", "type": "str"},
            "language": {
                "description": "Review language, 'en' unless given",
                "type": "str, optional",
                "default": "en",
            },
            "stars": {
                "description": "Only reviews with these star ratings",
                "type": "List[int]",
                "default": None,
            },
        },
    },
    {
        "name": "convert_distance",
        "description": "Convert a distance between units.",
        "parameters": {
            "value": {"description": "The distance to convert", "type": "float", "default": ""},
            "from_unit": {"description": "Unit of the value", "type": "str", "default": "mi"},
            "to_unit": {"description": "Unit wanted", "type": "str"},
        },
    },
]


def test_xlam_tools_are_normalised_with_the_right_required() -> None:
    reviews = xlam_to_json_schema(XLAM_TOOLS[0]["parameters"])  # type: ignore[arg-type]
    distance = xlam_to_json_schema(XLAM_TOOLS[1]["parameters"])  # type: ignore[arg-type]

    assert reviews == {
        "type": "object",
        "properties": {
            "product_id": {"type": "string", "description": "The shop's product id"},
            "language": {
                "type": "string",
                "description": "Review language, 'en' unless given",
                "default": "en",
            },
            "stars": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "Only reviews with these star ratings",
            },
        },
        "required": ["product_id"],
    }
    assert distance == {
        "type": "object",
        "properties": {
            "value": {"type": "number", "description": "The distance to convert"},
            "from_unit": {"type": "string", "description": "Unit of the value", "default": "mi"},
            "to_unit": {"type": "string", "description": "Unit wanted"},
        },
        "required": ["to_unit"],
    }
    assert_schema_splits(
        reviews, {"product_id": "ZX-5521", "stars": [4, 5]}, {"product_id": "ZX-5521", "stars": ["five"]}
    )
    assert_schema_splits(distance, {"value": 12, "to_unit": "km"}, {"value": 12})


@pytest.mark.parametrize(
    ("type_text", "schema", "required"),
    [
        ("bool", {"type": "boolean"}, True),
        ("list", {"type": "array"}, True),
        ("dict", {"type": "object"}, True),
        ("Any", {}, True),
        (
            "Dict[str, List[float]]",
            {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number"}}},
            True,
        ),
        (
            "Tuple[int, str]",
            {
                "type": "array",
                "prefixItems": [{"type": "integer"}, {"type": "string"}],
                "minItems": 2,
                "maxItems": 2,
            },
            True,
        ),
        ("Tuple[int, ...]", {"type": "array", "items": {"type": "integer"}}, True),
        ("Set[str]", {"type": "array", "uniqueItems": True, "items": {"type": "string"}}, True),
        ("Optional[int]", {"type": "integer"}, False),
        ("Union[int, str]", {"anyOf": [{"type": "integer"}, {"type": "string"}]}, True),
        ("Union[int, str, None]", {"anyOf": [{"type": "integer"}, {"type": "string"}]}, False),
        (
            "List[Optional[int]], optional",
            {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
            False,
        ),
    ],
)
def test_xlam_type_strings(type_text: str, schema: dict[str, Any], required: bool) -> None:
    converted = xlam_to_json_schema({"x": {"type": type_text}})

    assert converted == {
        "type": "object",
        "properties": {"x": schema},
        **({"required": ["x"]} if required else {}),
    }
    Draft202012Validator.check_schema(converted)


@pytest.mark.parametrize("type_text", ["str or int", "List[int", "Matrix", "int, str", "Dict[str]"])
def test_xlam_unknown_type_names_parameter_and_type(type_text: str) -> None:
    with pytest.raises(FncallError, match=rf"xLAM parameter 'size': .*{re.escape(repr(type_text))}"):
        xlam_to_json_schema({"size": {"type": type_text}})


# --- to_tool, @tool, implementation_of ------------------------------------------------------------------


def test_to_tool_rejects_other_things_listing_the_accepted_kinds() -> None:
    for thing in (42, "get_weather", int):
        with pytest.raises(
            FncallError, match=r"cannot make a tool from .*; expected a Tool, a pydantic model class"
        ):
            to_tool(thing)
    existing = Tool(name="x")
    assert to_tool(existing) is existing


@tool
def add(a: int, b: int = 1) -> int:
    """Add two numbers.

    Args:
        a: First.
        b: Second.
    """
    return a + b


@tool(name="weather_now", description="Weather right now.")
class WeatherNow(BaseModel):
    """Ignored: the decorator's description wins."""

    city: str

    def run(self) -> str:
        return f"sunny in {self.city}"


@tool
class Shout(BaseModel):
    """Shout a word."""

    word: str

    def __call__(self) -> str:
        return self.word.upper()


@tool()
class Silent(BaseModel):
    """Say nothing."""


def test_decorator_with_and_without_arguments_keeps_behaviour() -> None:
    assert add(2, b=3) == 5
    assert WeatherNow(city="Oslo").run() == "sunny in Oslo"
    assert tool_of(add) == Tool(
        name="add",
        description="Add two numbers.",
        parameters={
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "a": {"type": "integer", "description": "First."},
                "b": {"type": "integer", "default": 1, "description": "Second."},
            },
            "required": ["a"],
        },
    )
    assert tool_of(WeatherNow) == Tool(
        name="weather_now",
        description="Weather right now.",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
    assert tool_of(Silent) == Tool(name="silent", description="Say nothing.")
    assert to_tool(WeatherNow) is tool_of(WeatherNow)
    assert_schema_splits(tool_of(add).parameters, {"a": 1}, {"a": 1, "c": 2})
    with pytest.raises(FncallError, match=r"has no tool attached; decorate it with @tool"):
        tool_of(book_flight)
    with pytest.raises(FncallError, match=r"@tool decorates a function or a pydantic model class, not 3"):
        tool(3)  # type: ignore[call-overload]


def test_implementation_of_runs_functions_and_models() -> None:
    run_add = implementation_of(add)
    run_flight = implementation_of(book_flight)
    run_weather = implementation_of(WeatherNow)
    run_shout = implementation_of(Shout)
    assert (
        run_add is not None and run_flight is not None and run_weather is not None and run_shout is not None
    )

    assert run_add({"a": 2}) == 3
    assert run_flight(
        {"origin": "CDG", "destination": "FCO", "day": "2025-05-01", "traveller": {"city": "Rome"}}
    ) == ("CDG-FCO 2025-05-01 x1 economy Rome False")
    assert run_weather({"city": "Oslo"}) == "sunny in Oslo"
    assert run_shout({"word": "hey"}) == "HEY"
    assert implementation_of(Silent) is None
    assert implementation_of(Tool(name="x")) is None
    assert implementation_of(BFCL_CALORIES) is None
    with pytest.raises(FncallError, match=r"tool 'add': bad arguments: a: Input should be a valid integer"):
        run_add({"a": "two"})
    with pytest.raises(FncallError, match=r"tool 'weather_now': bad arguments: city: Field required"):
        run_weather({})


# --- load_tools -------------------------------------------------------------------------------------------


def test_load_tools_from_json_and_jsonl(tmp_path: Path) -> None:
    listed = tmp_path / "tools.json"
    listed.write_text(
        json.dumps({"tools": [BFCL_CALORIES, {"type": "function", "function": {"name": "now"}}]})
    )
    single = tmp_path / "one.json"
    single.write_text(json.dumps(BFCL_CUPS))
    lines = tmp_path / "tools.jsonl"
    lines.write_text(json.dumps(BFCL_CUPS) + "\n\n" + json.dumps({"name": "now"}) + "\n")

    assert load_tools(str(listed)) == [tool_from_gorilla(BFCL_CALORIES), Tool(name="now")]
    assert load_tools(single) == [tool_from_gorilla(BFCL_CUPS)]
    assert load_tools(lines) == [tool_from_gorilla(BFCL_CUPS), Tool(name="now")]


def test_load_tools_from_a_py_file(tmp_path: Path) -> None:
    decorated = tmp_path / "my_tools.py"
    decorated.write_text(
        textwrap.dedent(
            '''
            from pydantic import BaseModel
            from fncall_data.tools import tool

            @tool
            def lookup(word: str) -> str:
                """Look a word up."""
                return word

            @tool
            class Translate(BaseModel):
                """Translate text."""
                text: str

            def helper(x: int) -> int:
                return x
            '''
        )
    )
    listed = tmp_path / "listed.py"
    listed.write_text("def helper(x: int) -> int:\n    return x\n\nTOOLS = [helper, {'name': 'now'}]\n")

    assert [(t.name, t.description) for t in load_tools(str(decorated))] == [
        ("lookup", "Look a word up."),
        ("translate", "Translate text."),
    ]
    assert [t.name for t in load_tools(listed)] == ["helper", "now"]


def test_load_tools_from_module_attribute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fncall_test_catalog"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tools.py").write_text(
        "def now() -> str:\n    '''The time.'''\n    return '12:00'\n\n"
        "ALL = [now, {'name': 'later'}]\nNOT_A_LIST = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    assert load_tools("fncall_test_catalog.tools:ALL") == [
        Tool(
            name="now",
            description="The time.",
            parameters={"type": "object", "properties": {}, "additionalProperties": False},
        ),
        Tool(name="later"),
    ]
    with pytest.raises(
        FncallError, match=r"fncall_test_catalog.tools:MISSING: module .* has no attribute 'MISSING'"
    ):
        load_tools("fncall_test_catalog.tools:MISSING")
    with pytest.raises(
        FncallError, match=r"fncall_test_catalog.tools:NOT_A_LIST must be a list of tools, got int"
    ):
        load_tools("fncall_test_catalog.tools:NOT_A_LIST")
    with pytest.raises(
        FncallError, match=r"no_such_pkg:TOOLS: cannot import 'no_such_pkg': ModuleNotFoundError"
    ):
        load_tools("no_such_pkg:TOOLS")


def test_load_tools_errors_name_the_file_index_and_fix(tmp_path: Path) -> None:
    bad_tool = tmp_path / "bad.json"
    bad_tool.write_text(json.dumps([{"name": "ok"}, {"description": "no name"}]))
    bad_json = tmp_path / "broken.jsonl"
    bad_json.write_text('{"name": "ok"}\n{"name": \n')
    twice = tmp_path / "twice.json"
    twice.write_text(json.dumps([{"name": "a"}, {"name": "a"}]))
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    crashing = tmp_path / "crash.py"
    crashing.write_text("raise RuntimeError('boom')\n")

    cases = [
        (bad_tool, rf"{bad_tool}: tool 1: a tool spec needs a string 'name'"),
        (bad_json, rf"{bad_json}:2: not valid JSON"),
        (
            twice,
            rf"duplicate tool name 'a' \({twice}: tool 0 and {twice}: tool 1\); tool names must be unique",
        ),
        (empty, rf"{empty}: no TOOLS list and no @tool function or model; define TOOLS"),
        (crashing, rf"{crashing}: importing it failed: RuntimeError: boom"),
        (tmp_path / "missing.json", r"missing.json: no such file"),
        (tmp_path / "tools.yaml", r"tools.yaml: cannot load tools from it; give a .json, .jsonl or .py file"),
    ]
    for source, message in cases:
        with pytest.raises(FncallError, match=message):
            load_tools(source)
    with pytest.raises(FncallError, match=r"tools\[1\]: cannot make a tool from 3"):
        load_tools([add, 3])
    with pytest.raises(FncallError, match=r"duplicate tool name 'add' \(tools\[0\] and tools\[1\]\)"):
        load_tools([add, {"name": "add"}])
    with pytest.raises(FncallError, match=r"load_tools takes a list"):
        load_tools(3)  # type: ignore[arg-type]
