# Sourced, not run, by scripts/test.sh and scripts/quickstart.sh once they are in the repository root.
# venv_install SPEC: creates .venv if needed (with $PYTHON, default python3), installs the CPU build of
# torch, then fncall from SPEC in editable mode, e.g. `venv_install ".[dev,train,eval]"`.
# pip's own messages go to .cache/install.log; on a failure its last lines are shown.
venv_install() {
  local python=${PYTHON:-python3}
  local log=.cache/install.log
  mkdir -p .cache
  echo "installing fncall ($1) into .venv (pip's messages: $log)"
  local pip=(.venv/bin/python -m pip install --disable-pip-version-check)
  if ! {
    { [ -x .venv/bin/python ] || "$python" -m venv .venv; } &&
      # The CPU build of torch first: an unpinned torch would pull several GB of CUDA packages.
      "${pip[@]}" "torch==2.13.0" &&
      "${pip[@]}" -e "$1"
  } >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    echo "the install failed; pip's whole output is in $log" >&2
    return 1
  fi
}
