#!/usr/bin/env bash
# The test command of the README: creates .venv if needed, installs fncall with its dev tools,
# then runs the linter, the type checker (strict on the packages) and the whole test suite.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_install ".[dev,train,eval,constrained]"
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
# the BFCL v4 data that tests/test_bfcl*.py imports (pinned bfcl-eval wheel, cached in .cache/bfcl/)
bash scripts/fetch_bfcl.sh
# the JSON-Schema-Test-Suite draft2020-12 cases that tests/test_schema_suite.py runs (pinned jsonschema
# sdist, cached in .cache/schema-suite/)
bash scripts/fetch_schema_suite.sh
# the headless browser that tests/test_report_browser.py opens the HTML report in (Debian's chromium)
bash scripts/fetch_chromium.sh
.venv/bin/pytest "$@"
