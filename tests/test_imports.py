from __future__ import annotations

import json
import subprocess
import sys

import pytest

import fncall_data

HEAVY = ["torch", "transformers", "trl", "peft", "datasets", "pandas"]


def test_importing_the_data_package_loads_nothing_heavy() -> None:
    # A fresh interpreter: this test process may have imported anything already.
    code = (
        "import sys, fncall_data, fncall_train, fncall_eval\n"
        "for name in fncall_data.__all__: getattr(fncall_data, name)\n"
        "import fncall_data.cli.main, fncall_data.cli.validate_cmd, fncall_data.cli.data_cmd\n"
        f"print(sorted(set({HEAVY!r}) & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    for name in fncall_data.__all__:
        assert getattr(fncall_data, name) is not None


# What each public name is, as the docs describe it: two constants, CamelCase classes, the rest
# functions; never a module.
CONSTANTS = {"CATEGORIES", "PROFILES"}


def _kinds_after(statement: str) -> dict[str, str]:
    """In a fresh interpreter: ``statement``, then every public name in one import, and each one's kind."""
    names = ", ".join(fncall_data.__all__)
    code = (
        f"{statement}\n"
        f"from fncall_data import {names}\n"
        "import inspect, json, types\n"
        "kinds = {}\n"
        f"for name in {fncall_data.__all__!r}:\n"
        "    value = globals()[name]\n"
        "    kinds[name] = ('module' if isinstance(value, types.ModuleType)\n"
        "                   else 'class' if inspect.isclass(value)\n"
        "                   else 'function' if inspect.isfunction(value) else 'constant')\n"
        "print(json.dumps(kinds))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


@pytest.mark.parametrize(
    "statement",
    [
        "pass",
        # submodules named like the functions they hold, imported first: the functions still win
        "import fncall_data.extract, fncall_data.generate.runner, fncall_data.check",
    ],
)
def test_every_public_name_in_one_import_is_what_the_docs_say(statement: str) -> None:
    expected = {
        name: "constant" if name in CONSTANTS else "class" if name[0].isupper() else "function"
        for name in fncall_data.__all__
    }
    assert _kinds_after(statement) == expected


def test_check_output_and_extract_import_together_as_functions() -> None:
    from fncall_data import check_output, extract

    assert extract.__module__ == "fncall_data.extract" and callable(extract)
    assert check_output('<tool_call>{"name": "f", "arguments": {}}</tool_call>').valid
    assert extract("no call").status == "no_call"
