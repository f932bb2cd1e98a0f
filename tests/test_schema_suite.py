"""The official JSON-Schema-Test-Suite, draft 2020-12, through fncall's public API.

The cases come from the pinned ``jsonschema`` sdist (``scripts/fetch_schema_suite.sh`` extracts them
into ``.cache/schema-suite/``; nothing is copied into the repository). Every case runs; its verdict
must equal the suite's, except:

- ``optional/`` (format assertion, bignum, ECMA-262 regex details, ...): not part of the required
  behaviour of a validator, and fncall's format assertion has its own test (test_format_annotation.py);
- ``refRemote.json``, and every case whose schema holds a ``$ref`` that does not start with ``#`` or a
  ``$schema`` that names a custom meta-schema: fncall refuses such schemas (it never fetches one, nor
  resolves one by URI), and the test checks that it refuses them with a FncallError rather than
  giving a verdict;
- the cases in :data:`KNOWN`, each with its reason (also in docs/validation.md).

No exception but that FncallError may escape on any case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fncall_data import FncallError, Tool, Toolbox, validate_value

SUITE = Path(__file__).resolve().parents[1] / ".cache" / "schema-suite" / "jsonschema-4.26.0" / "draft2020-12"

# (file, case description, test description) -> why fncall's verdict differs from the suite's.
KNOWN: dict[tuple[str, str, str], str] = {}


def _cases() -> list[Any]:
    if not SUITE.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason="run scripts/fetch_schema_suite.sh first"))]
    params = []
    for path in sorted(SUITE.glob("*.json")):
        if path.name == "refRemote.json":
            continue  # every case here needs a remote document: see the module docstring
        for group in json.loads(path.read_text(encoding="utf-8")):
            params.append(pytest.param((path.name, group), id=f"{path.stem}: {group['description']}"))
    return params


def _verdict(schema: Any, data: Any) -> bool:
    """fncall's verdict: through a Toolbox where the schema can be a tool's parameters as written."""
    open_object = (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and any(k in schema for k in ("additionalProperties", "patternProperties", "unevaluatedProperties"))
        and isinstance(data, dict)
    )
    if open_object:
        try:
            tool = Tool(name="case", parameters=schema)
        except ValueError:  # a schema Tool's own meta-schema check turns away
            pass
        else:
            return Toolbox([tool]).validate_call({"name": "case", "arguments": data}) == []
    return validate_value(data, schema) == []


@pytest.mark.parametrize("case", _cases())
def test_suite_case(case: tuple[str, dict[str, Any]]) -> None:
    name, group = case
    schema = group["schema"]
    external = _external(schema)
    for test in group["tests"]:
        key = (name, group["description"], test["description"])
        if external:
            with pytest.raises(FncallError, match=r"refers outside itself|points outside"):
                _verdict(schema, test["data"])
            continue
        got = _verdict(schema, test["data"])
        if key in KNOWN:
            assert got != test["valid"], f"{key} is listed as known but now agrees: remove it"
        else:
            assert got == test["valid"], key


def _external(schema: Any) -> bool:
    from fncall_data.schema_engine import external_references, unknown_dialects

    return bool(external_references(schema) or unknown_dialects(schema))
