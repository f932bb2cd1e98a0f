#!/usr/bin/env bash
# Downloads the pinned bfcl-eval wheel (it carries the BFCL v4 question and answer files) into
# .cache/bfcl/, only when it is not there yet. The pin lives in fncall_data/formats/bfcl.py.
# `pip download --no-deps` fetches the wheel alone, without bfcl-eval's heavy dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^BFCL_EVAL_VERSION = "\(.*\)"$/\1/p' fncall_data/formats/bfcl.py)
[ -n "$version" ] || { echo "fetch_bfcl: no BFCL_EVAL_VERSION in fncall_data/formats/bfcl.py" >&2; exit 1; }
dest=.cache/bfcl
wheel="$dest/bfcl_eval-$version-py3-none-any.whl"
[ -f "$wheel" ] && exit 0
mkdir -p "$dest"
python=${PYTHON_FOR_PIP:-.venv/bin/python}
log=.cache/install.log  # pip's messages, with the install's
if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps "bfcl-eval==$version" -d "$dest" \
  >>"$log" 2>&1; then
  tail -n 25 "$log" >&2
  echo "fetch_bfcl: the download failed; pip's output is in $log" >&2
  exit 1
fi
[ -f "$wheel" ] || { echo "fetch_bfcl: expected $wheel after the download" >&2; exit 1; }
echo "fetched $wheel"
