#!/usr/bin/env bash
# Extracts the official JSON-Schema-Test-Suite's draft2020-12 cases into .cache/schema-suite/, only when
# they are not there yet. The suite (MIT, see LICENSE beside the cases) ships inside the pinned jsonschema
# sdist on PyPI, so it is fetched with pip like every other package; nothing is copied into the repository.
# tests/test_schema_suite.py runs every case through fncall's public API.
set -euo pipefail
cd "$(dirname "$0")/.."
version=4.26.0
dest=.cache/schema-suite
[ -f "$dest/jsonschema-$version/draft2020-12/type.json" ] && exit 0
mkdir -p "$dest"
sdist="$dest/jsonschema-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  python=${PYTHON_FOR_PIP:-.venv/bin/python}
  log=.cache/install.log  # pip's messages, with the install's
  if ! "$python" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    "jsonschema==$version" -d "$dest" >>"$log" 2>&1; then
    tail -n 25 "$log" >&2
    echo "fetch_schema_suite: the download failed; pip's output is in $log" >&2
    exit 1
  fi
fi
[ -f "$sdist" ] || { echo "fetch_schema_suite: expected $sdist after the download" >&2; exit 1; }
out="$dest/jsonschema-$version"
rm -rf "$out" && mkdir -p "$out"
tar -xzf "$sdist" -C "$out" --strip-components=3 \
  "jsonschema-$version/json/tests/draft2020-12"
tar -xzf "$sdist" -C "$out" --strip-components=2 "jsonschema-$version/json/LICENSE"
[ -f "$out/draft2020-12/type.json" ] || { echo "fetch_schema_suite: no draft2020-12 cases in $sdist" >&2; exit 1; }
echo "extracted the JSON-Schema-Test-Suite draft2020-12 cases into $out"
