"""What a run folder's report shows beyond its scores, found where fncall writes it, and the rebuild.

- **Test records**: the file ``run.json`` names (``config.data``), for prompts and references.
- **Groups**: ``groups.json`` beside the test file, an object of test id -> group name (the
  quickstart writes one: ``training tools`` and ``held-out tools``); the headline is then per group.
- **Training runs**: the ``fncall_run.json`` that ``fncall train`` writes beside each adapter
  (``TRAIN_DIR/adapter`` and ``TRAIN_DIR/fncall_run.json``), else one in a folder beside the run
  folder (the quickstart's ``train/`` beside ``eval/``): the loss curve and tokens/s.

:func:`rebuild_report` writes a finished run's reports again from these files; nothing is scored or
generated again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fncall_data.errors import FncallError, InputError
from fncall_data.runlock import folder_lock
from fncall_eval.page_data import PageInputs, TrainingRun
from fncall_eval.predictions import Prediction, read_predictions
from fncall_eval.run import RunResult, load_run_scores, read_test_records, report_scores
from fncall_eval.scoring import Parser

__all__ = [
    "GROUPS_FILE",
    "TRAIN_RUN_FILE",
    "find_training",
    "groups_beside",
    "read_groups",
    "read_training_run",
    "rebuild_report",
]

log = logging.getLogger(__name__)

GROUPS_FILE = "groups.json"
TRAIN_RUN_FILE = "fncall_run.json"


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read it: {exc.strerror or exc}", file=os.fspath(path)) from None
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", file=os.fspath(path)) from None


def read_groups(path: Path) -> dict[str, str]:
    """A groups file: a JSON object of test id -> group name.

    Raises:
        InputError: naming the file, when it cannot be read or has another shape.
    """
    value = _read_json(path)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(
            'must be a JSON object of test id -> group name, e.g. {"t-1": "held-out tools"}',
            file=os.fspath(path),
        )
    return value


def read_training_run(path: Path, label: str | None = None) -> TrainingRun:
    """A training run's ``fncall_run.json`` (``path`` is the file or its folder).

    Raises:
        InputError: naming the file, when it cannot be read or is not a training run's summary.
    """
    file = path / TRAIN_RUN_FILE if path.is_dir() else path
    value = _read_json(file)
    if not isinstance(value, dict):
        raise InputError("must be a JSON object, as `fncall train` writes", file=os.fspath(file))
    curve = value.get("loss_curve")
    if curve is not None and not (isinstance(curve, list) and all(isinstance(p, dict) for p in curve)):
        raise InputError("must be a list of {step, loss} objects", file=os.fspath(file), field="loss_curve")
    return TrainingRun(label or file.parent.name, file, value)


def _lenient(read: Any, *args: Any) -> Any:
    """``read(*args)``; a file that is there but unreadable is logged and left out, since a report
    without it is still worth having at the end of a long run."""
    try:
        return read(*args)
    except InputError as exc:
        log.warning("left out of the report: %s", exc)
        return None


def groups_beside(data: Path) -> dict[str, str] | None:
    """The groups file beside the test file ``data``, if there is a readable one."""
    path = data.parent / GROUPS_FILE
    return _lenient(read_groups, path) if path.is_file() else None


def find_training(run_dir: Path, adapters: Mapping[str, str | None]) -> list[TrainingRun]:
    """The training runs of ``adapters`` (label -> adapter path): beside each adapter, else beside
    ``run_dir`` (labelled by the adapter when there is one adapter, else by their folder)."""
    found: dict[Path, TrainingRun] = {}
    for label, adapter in adapters.items():
        if not adapter:
            continue
        for candidate in (Path(adapter) / TRAIN_RUN_FILE, Path(adapter).parent / TRAIN_RUN_FILE):
            if candidate.is_file():
                run = _lenient(read_training_run, candidate, label)
                if run is not None:
                    found.setdefault(candidate.resolve(), run)
                break
    if not found:
        labels = [label for label, adapter in adapters.items() if adapter]
        for candidate in sorted(Path(run_dir).resolve().parent.glob(f"*/{TRAIN_RUN_FILE}")):
            run = _lenient(read_training_run, candidate, labels[0] if len(labels) == 1 else None)
            if run is not None:
                found[candidate] = run
    return list(found.values())


def _run_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "run.json"
    if not path.is_file():
        return {}
    value = _read_json(path)
    return value if isinstance(value, dict) else {}


def _baseline(run_dir: Path, labels: Sequence[str]) -> str | None:
    """The model the run compared the others with: comparison.json's, else ``base``, else the first."""
    path = run_dir / "comparison.json"
    if path.is_file():
        saved = _lenient(_read_json, path)
        if isinstance(saved, list) and saved and isinstance(saved[0], dict) and saved[0].get("a") in labels:
            return str(saved[0]["a"])
    if len(labels) < 2:
        return None
    return "base" if "base" in labels else labels[0]


def _parser(config: Mapping[str, Any]) -> Parser | None:
    """The run's chat profile's parser (every built-in one reads like the general extraction)."""
    name = (config.get("generate") or {}).get("profile")
    if not isinstance(name, str):
        return None
    from fncall_data.profiles import get_profile

    try:
        return get_profile(name).parse
    except FncallError as exc:  # a plugin profile that is not installed here
        log.warning("calls are read with the general extraction: %s", exc)
        return None


def rebuild_report(
    run_dir: Path,
    *,
    data: Path | None = None,
    groups: Path | None = None,
    training: Sequence[Path] | None = None,
    out: Path | None = None,
) -> RunResult:
    """Write a finished run's reports again (into ``out``, default the run folder), from its scores,
    predictions and test records; the groups and training runs are found as the module says unless
    given.

    Raises:
        FncallError: the folder holds no scores, or the test data is unknown or is not this run's.
        InputError: a file that cannot be read, naming it.

    Example:
        >>> result = rebuild_report(Path("runs/quickstart/eval"))  # doctest: +SKIP
        >>> result.files["report.html"]  # doctest: +SKIP
        PosixPath('runs/quickstart/eval/report.html')
    """
    scores = load_run_scores(run_dir)
    meta = _run_config(run_dir)
    config: dict[str, Any] = meta["config"] if isinstance(meta.get("config"), dict) else {}
    named = config.get("data")
    data_path = data if data is not None else Path(named) if isinstance(named, str) else None
    if data_path is None:
        raise FncallError(f"{run_dir / 'run.json'} names no test data: give the test file with --data")
    if not data_path.is_file():
        raise InputError(
            "no such test file; give this run's test data with --data", file=os.fspath(data_path)
        )
    fmt = config.get("data_format", "auto")
    records, _ = read_test_records(data_path, fmt=fmt if isinstance(fmt, str) else "auto")
    known = {r.id for r in records}
    missing = list(dict.fromkeys(s.id for rows in scores.values() for s in rows if s.id not in known))
    if missing:
        raise InputError(
            f"{len(missing)} scored example(s) are not in it (e.g. {missing[0]!r}): give this run's test "
            "data with --data",
            file=os.fspath(data_path),
        )
    outputs: dict[str, dict[str, Prediction]] = {}
    for label in scores:
        path = run_dir / "predictions" / f"{label}.jsonl"
        if path.is_file():
            outputs[label] = read_predictions(path)
    variants: dict[str, Any] = meta["variants"] if isinstance(meta.get("variants"), dict) else {}
    page = PageInputs(
        records=records,
        outputs=outputs,
        parse=_parser(config),
        groups=read_groups(groups) if groups is not None else groups_beside(data_path),
        training=[read_training_run(p) for p in training]
        if training
        else find_training(run_dir, {str(k): v if isinstance(v, str) else None for k, v in variants.items()}),
    )
    n_boot, seed = config.get("n_boot", 1000), config.get("seed", 0)
    target = out if out is not None else run_dir
    with folder_lock(target, what="eval report"):
        return report_scores(
            scores,
            target,
            n_boot=n_boot if isinstance(n_boot, int) else 1000,
            seed=seed if isinstance(seed, int) else 0,
            baseline=_baseline(run_dir, list(scores)),
            page=page,
        )
