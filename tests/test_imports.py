from __future__ import annotations

import subprocess
import sys

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
