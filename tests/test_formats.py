"""Every format reads the sample rows of tests/data/formats and the rows below, and round-trips both ways."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fncall_data.errors import FncallError
from fncall_data.formats import FORMATS, detect_format, get_format, load_records, write_records
from fncall_data.formats.xlam import json_schema_to_xlam
from fncall_data.records import check_record
from fncall_data.types import Record
from tests.conftest import FORMAT_ROWS

# sample file -> the format it is in
SAMPLES = {
    "seed_thinking.jsonl": "seed_thinking",
    "hermes_v1.jsonl": "hermes",
    "glaive_v2.jsonl": "glaive",
    "xlam.jsonl": "xlam",
    "sharegpt_toolcall.jsonl": "sharegpt",
    "openai_messages.jsonl": "openai",
    "toolace.jsonl": "toolace",
    "bfcl_question.jsonl": "bfcl",
}
SAMPLE_COUNTS = {
    "seed_thinking": 2,
    "hermes": 2,
    "glaive": 3,
    "xlam": 3,
    "sharegpt": 3,
    "openai": 3,
    "toolace": 2,
}

WEATHER = {
    "name": "get_weather",
    "description": "Weather now.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city"],
    },
}

# One small row per format, written inline so that the records they give can be spelt out below.
OWN_ROWS: dict[str, list[dict[str, Any]]] = {
    "seed_thinking": [
        {
            "conversations": [
                {
                    "content": "You are terse.<tools> [{'type': 'function', 'function': "
                    + repr(WEATHER)
                    + "}] </tools>",
                    "role": "system",
                },
                {"content": "Rain in Oslo?", "role": "human"},
                {
                    "content": "<think>Need the weather.\n</think><tool_call>\n"
                    "{'name': 'get_weather', 'arguments': {'city': 'Oslo'}}\n</tool_call>",
                    "role": "model",
                },
                {
                    "content": "<tool_response>\n{'rain': True, 'note': None}\n</tool_response>",
                    "role": "tool",
                },
                {"content": "Yes, it rains.", "role": "model"},
            ]
        }
    ],
    "hermes": [
        {
            "id": "own-1",
            "conversations": [
                {"from": "human", "value": "Hi"},
                {"from": "gpt", "value": "Hello! How can I help?"},
            ],
        }
    ],
    "glaive": [
        {
            "system": "SYSTEM: You are a helpful assistant with access to the following functions. "
            "Use them if required -\n" + json.dumps(WEATHER, indent=4) + "\n",
            "chat": "USER: Weather in Rome?\n\n\n"
            'ASSISTANT: <functioncall> {"name": "get_weather", "arguments": '
            '\'{"city": "Rome", "unit": "c"}\'} <|endoftext|>\n\n\nFUNCTION RESPONSE: {"t": 20}\n\n\n'
            "ASSISTANT: 20 degrees. <|endoftext|>\n\n\n",
        }
    ],
    "xlam": [
        {
            "id": 3,
            "query": "Weather in Lima?",
            "tools": json.dumps(
                [
                    {
                        "name": "get_weather",
                        "description": "Weather now.",
                        "parameters": {"city": {"type": "str", "description": "City"}},
                    }
                ]
            ),
            "answers": json.dumps([{"name": "get_weather", "arguments": {"city": "Lima"}}]),
        }
    ],
    "sharegpt": [
        {
            "conversations": [
                {"from": "human", "value": "Weather in Bern?"},
                {
                    "from": "function_call",
                    "value": json.dumps({"name": "get_weather", "arguments": {"city": "Bern"}}),
                },
                {"from": "observation", "value": "cloudy"},
                {"from": "gpt", "value": "Cloudy."},
            ],
            "tools": json.dumps([WEATHER]),
        }
    ],
    "openai": [
        {
            "messages": [
                {"role": "user", "content": "Weather in Kyiv?"},
                {
                    "role": "assistant",
                    "content": None,
                    "reasoning_content": "One call.",
                    "tool_calls": [
                        {
                            "id": "x9",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city": "Kyiv"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "x9", "content": "5"},
                {"role": "assistant", "content": "5 degrees."},
            ],
            "tools": [{"type": "function", "function": WEATHER}],
        }
    ],
    "toolace": [
        {
            "system": "Tools:\n" + json.dumps([WEATHER]) + "\nAnswer with calls only.",
            "conversations": [
                {"from": "user", "value": "Weather in Quito and Lima?"},
                {
                    "from": "assistant",
                    "value": '[get_weather(city="Quito"), get_weather(city="Lima", unit="c")]',
                },
                {
                    "from": "tool",
                    "value": json.dumps(
                        [
                            {"name": "get_weather", "results": {"t": 14}},
                            {"name": "get_weather", "results": {"t": 19}},
                        ]
                    ),
                },
                {"from": "assistant", "value": "14 and 19."},
            ],
        }
    ],
    "bfcl": [
        {
            "id": "simple_python_7",
            "question": [[{"role": "user", "content": "Weather in Accra?"}]],
            "function": [
                {
                    "name": "get_weather",
                    "description": "Weather now.",
                    "parameters": {
                        "type": "dict",
                        "properties": {"city": {"type": "string"}, "days": {"type": "float"}},
                        "required": ["city"],
                    },
                }
            ],
            "ground_truth": [{"get_weather": {"city": ["Accra"], "days": ["", 1.0]}}],
        }
    ],
}


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_registry_lists_every_format() -> None:
    assert FORMATS.names() == sorted([*SAMPLES.values(), "records"])
    with pytest.raises(FncallError, match="did you mean 'sharegpt'"):
        get_format("sharegtp")


# --- the sample rows of tests/data/formats ----------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), SAMPLES.items())
def test_sample_converts_without_rejects(name: str, fmt: str) -> None:
    result = load_records(FORMAT_ROWS / name)
    assert (result.format, result.detected, result.rejects) == (fmt, True, [])
    assert len(result.records) == result.rows == len(_rows(FORMAT_ROWS / name))
    assert all(check_record(r) == [] for r in result.records)


@pytest.mark.parametrize(("name", "fmt"), [(n, f) for n, f in SAMPLES.items() if f not in ("xlam", "bfcl")])
def test_sample_round_trips_exactly(name: str, fmt: str, tmp_path: Path) -> None:
    """format -> records -> format gives back the very rows."""
    result = load_records(FORMAT_ROWS / name, fmt=fmt)
    written = write_records(result.records, tmp_path / "out.jsonl", fmt)
    assert (written.written, written.rejects) == (SAMPLE_COUNTS[fmt], [])
    assert _rows(tmp_path / "out.jsonl") == _rows(FORMAT_ROWS / name)


def test_xlam_sample_round_trips_up_to_its_dialect(tmp_path: Path) -> None:
    """The documented normalization: ", optional" is dropped from a type that has a default, and a null
    default becomes ""; everything else comes back as it was."""
    result = load_records(FORMAT_ROWS / "xlam.jsonl", fmt="xlam")
    write_records(result.records, tmp_path / "out.jsonl", "xlam")
    expected = _rows(FORMAT_ROWS / "xlam.jsonl")
    tools = json.loads(expected[0]["tools"])
    assert tools[0]["parameters"]["language"]["type"] == "str, optional"
    tools[0]["parameters"]["language"]["type"] = "str"
    assert tools[0]["parameters"]["stars"]["default"] is None
    tools[0]["parameters"]["stars"]["default"] = ""
    expected[0]["tools"] = json.dumps(tools)
    assert _rows(tmp_path / "out.jsonl") == expected


def test_bfcl_sample_round_trips_both_files(tmp_path: Path) -> None:
    """Both files come back, but for the documented loss: ``tuple`` is written ``array`` and ``any``
    (no type in JSON Schema) is written without a type. The irrelevance question has no answer row."""
    result = load_records(FORMAT_ROWS / "bfcl_question.jsonl")
    out = tmp_path / "BFCL_v4_mine.json"
    written = write_records(result.records, out, "bfcl")
    assert written.paths == [str(out), str(tmp_path / "possible_answer" / "BFCL_v4_mine.json")]
    expected = _rows(FORMAT_ROWS / "bfcl_question.jsonl")
    booking = expected[1]["function"][1]["parameters"]["properties"]
    assert (booking["time_range"]["type"], booking["notes"]["type"]) == ("tuple", "any")
    booking["time_range"]["type"] = "array"
    del booking["notes"]["type"]
    assert _rows(out) == expected
    assert _rows(tmp_path / "possible_answer" / "BFCL_v4_mine.json") == _rows(
        FORMAT_ROWS / "bfcl_possible_answer.jsonl"
    )
    # and the written pair reads back to the same records
    again = load_records(out, fmt="bfcl")
    assert [_plain(r) for r in again.records] == [_plain(r) for r in result.records]


def test_seed_sample_record_snapshot() -> None:
    record = load_records(FORMAT_ROWS / "seed_thinking.jsonl").records[1]
    assert record.to_dict() == {
        "id": "seed_thinking-000002",
        "category": None,
        "tools": record.to_dict()["tools"],
        "messages": [
            {"role": "user", "content": "Could you order the groceries for tomorrow's dinner?"},
            {
                "role": "assistant",
                "content": "I'm sorry, I can't place orders. I can only look up recipes and start "
                "kitchen timers.",
            },
        ],
        "answers": None,
        "meta": {"source": "seed_thinking", "row": 2},
    }
    assert [t.name for t in record.tools] == ["search_recipes", "set_timer"]


# --- our own rows ------------------------------------------------------------------------------------


OWN_RECORDS: dict[str, dict[str, Any]] = {
    "seed_thinking": {
        "id": "seed_thinking-000001",
        "category": None,
        "tools": [WEATHER],
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Rain in Oslo?"},
            {
                "role": "assistant",
                "reasoning": "Need the weather.",
                "tool_calls": [{"id": "call_1", "name": "get_weather", "arguments": {"city": "Oslo"}}],
            },
            {
                "role": "tool",
                "content": '{"rain": true, "note": null}',
                "tool_call_id": "call_1",
                "name": "get_weather",
            },
            {"role": "assistant", "content": "Yes, it rains."},
        ],
        "answers": None,
        "meta": {"source": "seed_thinking", "row": 1, "tools_at": 14},
    },
    "toolace": {
        "id": "toolace-000001",
        "category": None,
        "tools": [WEATHER],
        "messages": [
            {"role": "system", "content": "Tools:\n\nAnswer with calls only."},
            {"role": "user", "content": "Weather in Quito and Lima?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "call_1", "name": "get_weather", "arguments": {"city": "Quito"}},
                    {"id": "call_2", "name": "get_weather", "arguments": {"city": "Lima", "unit": "c"}},
                ],
            },
            {"role": "tool", "content": '{"t": 14}', "tool_call_id": "call_1", "name": "get_weather"},
            {"role": "tool", "content": '{"t": 19}', "tool_call_id": "call_2", "name": "get_weather"},
            {"role": "assistant", "content": "14 and 19."},
        ],
        "answers": None,
        "meta": {"source": "toolace", "row": 1, "tools_at": 7},
    },
    "bfcl": {
        "id": "simple_python_7",
        "category": "simple_python",
        "tools": [
            {
                "name": "get_weather",
                "description": "Weather now.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "days": {"type": "number"}},
                    "required": ["city"],
                },
            }
        ],
        "messages": [
            {"role": "user", "content": "Weather in Accra?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "call_1", "name": "get_weather", "arguments": {"city": "Accra", "days": 1.0}}
                ],
            },
        ],
        "answers": [{"name": "get_weather", "arguments": {"city": ["Accra"], "days": ["", 1.0]}}],
        "meta": {"source": "bfcl", "row": 1, "reference": "possible_answer"},
    },
}


@pytest.mark.parametrize("fmt", OWN_ROWS)
def test_own_rows_convert_and_round_trip(fmt: str, tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", OWN_ROWS[fmt])
    result = load_records(source)
    assert (result.format, result.rejects) == (fmt, [])
    if fmt in OWN_RECORDS:
        assert result.records[0].to_dict() == OWN_RECORDS[fmt]
    written = write_records(result.records, tmp_path / "out.jsonl", fmt)
    assert written.rejects == []
    expected = OWN_ROWS[fmt]
    if fmt == "bfcl":  # the ground truth moves to its own file
        expected = [{k: v for k, v in row.items() if k != "ground_truth"} for row in expected]
    elif fmt == "xlam":  # the parameter dialect, normalised
        tools = json.loads(expected[0]["tools"])
        tools[0]["parameters"]["city"] = {"description": "City", "type": "str"}
        expected = [{**expected[0], "tools": json.dumps(tools)}]
    elif fmt == "seed_thinking":  # payloads are written as Python reprs of the JSON values
        expected = json.loads(json.dumps(expected))
    assert _rows(tmp_path / "out.jsonl") == expected


# --- records -> format -> records --------------------------------------------------------------------

# What each format cannot carry; everything else must come back.
NOT_CARRIED: dict[str, set[str]] = {
    "records": set(),
    "seed_thinking": {"id", "category"},
    "hermes": {"category"},
    "openai": {"id", "category"},
    "sharegpt": {"id", "category", "reasoning"},
    "toolace": {"id", "category", "reasoning"},
    "glaive": {"id", "category", "reasoning"},
}


def _rich_record() -> Record:
    return Record.model_validate(
        {
            "id": "rich-1",
            "category": "parallel",
            "tools": [
                WEATHER,
                {"name": "noop", "description": "", "parameters": {"type": "object", "properties": {}}},
            ],
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Weather in Paris, then do nothing?"},
                {
                    "role": "assistant",
                    "reasoning": "Weather first.",
                    "tool_calls": [
                        {"id": "call_1", "name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}
                    ],
                },
                {
                    "role": "tool",
                    "tool_call_id": "call_1",
                    "name": "get_weather",
                    "content": '{"t": 14, "ok": true}',
                },
                {"role": "assistant", "tool_calls": [{"id": "call_2", "name": "noop", "arguments": {}}]},
                {"role": "tool", "tool_call_id": "call_2", "name": "noop", "content": "done"},
                {"role": "assistant", "content": "14 °C in Paris; nothing done."},
                {"role": "user", "content": "Thanks!"},
                {"role": "assistant", "content": "You're welcome."},
            ],
            "answers": None,
            "meta": {"source": "test"},
        }
    )


def _plain(record: Record, drop: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    data = record.to_dict()
    data.pop("meta")
    for key in {"id", "category"} & drop:
        data.pop(key)
    if "reasoning" in drop:
        for message in data["messages"]:
            message.pop("reasoning", None)
    return data


@pytest.mark.parametrize("fmt", NOT_CARRIED)
def test_records_round_trip_through_each_format(fmt: str, tmp_path: Path) -> None:
    record = _rich_record()
    written = write_records([record], tmp_path / "out.jsonl", fmt)
    assert written.rejects == []
    assert set(written.lost) <= {"reasoning"} and ("reasoning" in written.lost) == (
        "reasoning" in NOT_CARRIED[fmt]
    )
    back = load_records(tmp_path / "out.jsonl", fmt=fmt)
    assert back.rejects == []
    assert _plain(back.records[0], NOT_CARRIED[fmt]) == _plain(record, NOT_CARRIED[fmt])


def test_xlam_and_bfcl_carry_one_question(tmp_path: Path) -> None:
    record = load_records(FORMAT_ROWS / "xlam.jsonl").records[0]
    for fmt in ("xlam", "bfcl"):
        write_records([record], tmp_path / f"{fmt}.json", fmt)
        back = load_records(tmp_path / f"{fmt}.json", fmt=fmt).records[0]
        assert back.messages == record.messages
        assert back.tools == record.tools
    # a multi-turn record keeps its first question and answer in xlam, and says what it left out
    written = write_records([_rich_record()], tmp_path / "rich.jsonl", "xlam")
    assert written.lost == Counter({"system": 1, "turns after the first answer": 1, "reasoning": 1})
    row = _rows(tmp_path / "rich.jsonl")[0]
    assert json.loads(row["answers"]) == [
        {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}
    ]


def test_writing_refuses_what_a_format_cannot_hold(tmp_path: Path) -> None:
    records = load_records(FORMAT_ROWS / "hermes_v1.jsonl").records
    written = write_records(records, tmp_path / "g.jsonl", "glaive")
    assert written.written == 1  # the second row has one call per turn
    assert [(r.row, r.reason) for r in written.rejects] == [
        (1, "record 'hx-101': glaive holds one call per assistant turn; this record has parallel calls")
    ]


# --- bad rows -----------------------------------------------------------------------------------------


def test_corrupted_row_in_the_middle_is_reported_by_number(tmp_path: Path) -> None:
    lines = [json.dumps(row) for row in _rows(FORMAT_ROWS / "sharegpt_toolcall.jsonl")]
    bad_call = json.loads(lines[0])
    bad_call["conversations"][1]["value"] = '{"name": "get_weather", "arguments": {"city": '
    text = "\n".join([lines[0], '{"conversations": [', json.dumps(bad_call), lines[1]]) + "\n"
    source = tmp_path / "mixed.jsonl"
    source.write_text(text, encoding="utf-8")
    rejects = tmp_path / "rejects.jsonl"
    result = load_records(source, fmt="sharegpt", rejects=rejects)
    assert [r.meta["row"] for r in result.records] == [1, 4]
    assert [r.row for r in result.rejects] == [2, 3]
    assert result.rejects[0].reason.startswith("not valid JSON")
    assert result.rejects[1].reason.startswith("conversations[1]: cannot read the tool call (invalid_json")
    saved = _rows(rejects)
    assert [row["row"] for row in saved] == [2, 3]
    assert saved[1]["raw"] == bad_call


def test_invalid_record_is_rejected_with_the_validator_reason(tmp_path: Path) -> None:
    row = json.loads(json.dumps(OWN_ROWS["xlam"][0]))
    row["answers"] = json.dumps([{"name": "get_weather", "arguments": {"town": "Lima"}}])
    result = load_records(_write(tmp_path / "x.jsonl", [row]), fmt="xlam")
    assert result.records == []
    assert "missing_required" in result.rejects[0].reason and "unexpected" in result.rejects[0].reason


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    rows = OWN_ROWS["hermes"] * 2
    result = load_records(_write(tmp_path / "h.jsonl", rows), fmt="hermes")
    assert len(result.records) == 1
    assert [(r.row, r.reason) for r in result.rejects] == [(2, "id 'own-1' is already used by row 1")]


def test_undetectable_rows_name_the_file_and_the_known_formats(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.jsonl", [{"a": 1, "b": 2}])
    with pytest.raises(FncallError) as caught:
        load_records(path)
    assert str(caught.value).startswith(
        f"{path}: cannot detect the format: no row fits a known one (the first has keys a, b); "
        "name it with --from (known: "
    )
    (tmp_path / "n.jsonl").write_text("[1]\n2\n")
    with pytest.raises(FncallError, match=r"n\.jsonl: cannot detect the format: no row is a JSON object"):
        load_records(tmp_path / "n.jsonl")
    assert detect_format([{"query": "q", "tools": "[]", "answers": "[]"}]) == "xlam"


def test_detection_is_not_decided_by_a_few_odd_rows(tmp_path: Path, good_record: dict[str, Any]) -> None:
    rows = [{**good_record, "id": f"r{i}"} for i in range(6)]
    for i in (2, 4):
        del rows[i]["id"]
    rows.insert(1, {"unrelated": True})
    result = load_records(_write(tmp_path / "six.jsonl", rows))
    assert result.format == "records"
    assert [r.id for r in result.records] == ["r0", "r1", "r3", "r5"]
    assert [r.row for r in result.rejects] == [2, 4, 6]


# --- the xLAM dialect back from JSON Schema -------------------------------------------------------------


def test_json_schema_to_xlam_inverts_the_dialect() -> None:
    from fncall_data.dialects import xlam_to_json_schema

    dialect = {
        "a": {"description": "A", "type": "List[int]"},
        "b": {"type": "Dict[str, float]", "default": 2.5},
        "c": {"type": "Tuple[int, str]"},
        "d": {"type": "Set[str]", "default": ""},
        "e": {"type": "Union[int, str]"},
        "f": {"type": "bool", "default": True},
    }
    assert json_schema_to_xlam(xlam_to_json_schema(dialect)) == dialect


def test_formats_and_hf_modules_load_nothing_heavy() -> None:
    """Reading JSONL in any format needs neither datasets nor pyarrow; they load only when used."""
    import subprocess
    import sys

    code = (
        "import sys, fncall_data.formats, fncall_data.hf, fncall_data.cli.convert_cmd\n"
        "from fncall_data.formats import FORMATS, get_format\n"
        "for name in FORMATS.names(): get_format(name)\n"
        "heavy = {'torch', 'transformers', 'trl', 'peft', 'datasets', 'pandas', 'pyarrow'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_openai_export_gives_ids_to_calls_without_them(tmp_path: Path) -> None:
    record = Record.model_validate(
        {
            "id": "no-ids",
            "tools": [WEATHER],
            "messages": [
                {"role": "user", "content": "Oslo and Rome?"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"name": "get_weather", "arguments": {"city": "Oslo"}},
                        {"name": "get_weather", "arguments": {"city": "Rome"}},
                    ],
                },
                {"role": "tool", "name": "get_weather", "content": "3"},
                {"role": "tool", "name": "get_weather", "content": "18"},
                {"role": "assistant", "content": "3 and 18."},
            ],
        }
    )
    write_records([record], tmp_path / "o.jsonl", "openai")
    messages = _rows(tmp_path / "o.jsonl")[0]["messages"]
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["call_1", "call_2"]
    assert [m["tool_call_id"] for m in messages[2:4]] == ["call_1", "call_2"]
    back = load_records(tmp_path / "o.jsonl").records[0]
    assert [(m.tool_call_id, m.name, m.content) for m in back.messages[2:4]] == [
        ("call_1", "get_weather", "3"),
        ("call_2", "get_weather", "18"),
    ]


@pytest.mark.parametrize("fmt", sorted(OWN_ROWS))
def test_odd_shapes_are_rejects_not_crashes(fmt: str) -> None:
    """Values of the wrong type anywhere in a row give a reject with a reason, never an exception."""
    reader = get_format(fmt)
    row = OWN_ROWS[fmt][0]
    odd_rows = [{key: odd for key in row} for odd in (None, 1, [], {}, [[]], [{"from": ["x"], "role": {}}])]
    odd_rows += [{**row, key: odd} for key in row for odd in (None, 7, "x", [1], {"a": None})]
    for number, item in reader.read(enumerate(odd_rows, start=1), source=None, repairs=Counter()):
        assert isinstance(item, Record) or str(item), number


def test_glaive_arguments_with_quotes_and_backslashes(tmp_path: Path) -> None:
    """glaive does not escape ' or \\ inside its single-quoted arguments; both read and write back."""
    row = json.loads(json.dumps(OWN_ROWS["glaive"][0]))
    row["chat"] = row["chat"].replace(
        '{"city": "Rome", "unit": "c"}', '{"city": "Rome\'s \\\\old town", "unit": "c"}'
    )
    source = _write(tmp_path / "g.jsonl", [row])
    record = load_records(source, fmt="glaive").records[0]
    assert record.messages[1].tool_calls[0].arguments == {"city": "Rome's \\old town", "unit": "c"}  # type: ignore[index]
    write_records([record], tmp_path / "out.jsonl", "glaive")
    assert _rows(tmp_path / "out.jsonl") == [row]
