#!/usr/bin/env bash
# The main job of the README: creates .venv if needed, installs fncall, and runs it end to end on
# the bundled examples: extract and validate model outputs against tools, then check a record file.
# The examples hold deliberate mistakes, so both checks are expected to find some (exit status 1).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

expect_findings() {  # exit 1 = the check found problems (expected here); anything else is a failure
  local status=0
  "$@" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "quickstart: '$*' exited with $status, expected 1" >&2
    exit 1
  fi
}

mkdir -p runs/quickstart
echo "== fncall validate: tool calls in six model outputs, against examples/tools.json"
expect_findings .venv/bin/fncall validate --each-line --tools examples/tools.json examples/outputs.jsonl
echo
echo "== fncall data validate: a record file with three bad lines"
expect_findings .venv/bin/fncall data validate examples/records.jsonl --rejects runs/quickstart/rejects.jsonl
