# Sourced, not run, by scripts/test.sh and scripts/quickstart.sh once they are in the repository root.
# venv_install SPEC: creates .venv if needed (with $PYTHON, default python3), installs the CPU build of
# torch, then fncall from SPEC in editable mode, e.g. `venv_install ".[dev,train,eval]"`.
venv_install() {
  local python=${PYTHON:-python3}
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  local pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
  # The CPU build of torch first: an unpinned torch would pull several GB of CUDA packages.
  "${pip[@]}" "torch==2.13.0"
  "${pip[@]}" -e "$1"
}
