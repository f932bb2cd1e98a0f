"""The bundled catalog: size, variety of parameters, deterministic backends, phrasings that fit."""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any

from click.testing import CliRunner

from fncall_data.cli.main import cli
from fncall_data.generate.calls import missing_candidates, plan_call
from fncall_data.generate.spec import catalog_specs
from fncall_data.generate.text import parse_template

SPECS = catalog_specs()


def _walk(schema: dict[str, Any]) -> list[dict[str, Any]]:
    out = [schema]
    for sub in schema.get("properties", {}).values():
        out += _walk(sub)
    if isinstance(schema.get("items"), dict):
        out += _walk(schema["items"])
    return out


def test_catalog_has_forty_tools_in_eight_domains_with_unique_names() -> None:
    names = [spec.name for spec in SPECS]
    assert len(names) >= 40
    assert len(set(names)) == len(names)
    assert len({spec.domain for spec in SPECS}) >= 8
    assert all(spec.domain for spec in SPECS)


def test_parameters_use_enums_defaults_bounds_dates_arrays_and_nested_objects() -> None:
    nodes = [node for spec in SPECS for prop in spec.properties.values() for node in _walk(prop)]
    assert sum("enum" in n for n in nodes) >= 15
    assert sum("default" in n for n in nodes) >= 15
    assert sum("minimum" in n or "exclusiveMinimum" in n for n in nodes) >= 15
    assert sum(n.get("format") == "date" for n in nodes) >= 8
    assert sum(n.get("type") == "array" for n in nodes) >= 4
    assert any(n.get("type") == "object" for spec in SPECS for n in spec.properties.values())
    assert all(spec.tool.description and len(spec.tool.description) < 80 for spec in SPECS)


def test_every_tool_has_phrasings_for_a_full_call_answers_and_a_way_to_miss_a_value() -> None:
    for spec in SPECS:
        templates = [parse_template(t) for t in spec.phrasings]
        assert len(templates) >= 3, spec.name
        assert any(set(spec.required) <= t.slots for t in templates), spec.name
        assert spec.answers, spec.name
    askable = [spec for spec in SPECS if missing_candidates(spec)]
    assert len(askable) >= 30


def test_backends_are_deterministic_and_accept_what_the_generator_samples() -> None:
    rng = random.Random(11)
    for spec in SPECS:
        assert spec.run is not None
        for _ in range(5):
            plan = plan_call(spec, rng)
            first = spec.run(dict(plan.args))
            assert first == spec.run(dict(plan.args)), spec.name
            assert isinstance(first, dict) and first, spec.name


def test_importing_the_catalog_package_loads_no_domain() -> None:
    code = (
        "import sys, fncall_data.catalog\n"
        "print(sorted(m for m in sys.modules if m.startswith('fncall_data.catalog.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_catalog_command_lists_every_tool_by_domain() -> None:
    result = CliRunner().invoke(cli, ["data", "catalog"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "weather:"
    assert lines[1] == "  get_current_weather: Current weather conditions for a city."
    assert lines[2] == "      city*: string, unit: celsius|fahrenheit=celsius"
    assert lines[-1] == f"{len(SPECS)} tools in 9 domains"
    one = CliRunner().invoke(cli, ["data", "catalog", "--domain", "finance", "--json"])
    assert one.exit_code == 0 and '"convert_currency"' in one.output and "get_forecast" not in one.output
