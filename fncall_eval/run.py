"""One evaluation run: generate (resumably), score, compare and report, into a run folder.

Layout of a run folder::

    run.json                 the config and what was evaluated
    rejects.jsonl            test records that could not be read (row and reason)
    predictions/<label>.jsonl  one line per example, written as it is generated
    predictions/<label>.fingerprint.json  what made those predictions (fncall_eval.fingerprint)
    scores/<label>.jsonl     one scored line per example
    metrics.csv, metrics.json, report.md, report.html, comparison.csv
    .fncall.lock             held while a run works in the folder (fncall_data.runlock)

``<label>`` is ``base`` for the base model and a name derived from each adapter's path. Running the
same command again skips every example that already has a prediction, so a killed run resumes. A run
with other settings (another model, adapter, backend, profile, generation setting or test data) does
not mix its outputs into predictions made by the first: it stops, unless told to ``overwrite`` them.
One run at a time: a lock file keeps a second process out of a run folder in use.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from fncall_data.errors import FncallError, InputError
from fncall_data.io import atomic_write, ensure_dir, iter_json_lines, write_jsonl
from fncall_data.runlock import folder_lock
from fncall_data.types import Record
from fncall_eval.backends import GenerateConfig, create_backend
from fncall_eval.compare import Comparison, compare, comparison_frame
from fncall_eval.fingerprint import Fingerprint, claim, prediction_fingerprint, stamp_path
from fncall_eval.matching import Mode
from fncall_eval.metrics import results_frame
from fncall_eval.page_data import PageInputs
from fncall_eval.predictions import PredictionWriter, read_predictions
from fncall_eval.report import write_reports
from fncall_eval.scoring import ExampleScore, Parser, Reference, score_predictions

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Progress",
    "RunConfig",
    "RunResult",
    "compare_runs",
    "load_run_scores",
    "load_test_records",
    "read_test_records",
    "report_scores",
    "run_eval",
    "score_and_report",
    "variant_labels",
]

log = logging.getLogger(__name__)

#: Called after each prediction with (label, done, total).
Progress = Callable[[str, int, int], None]


class RunConfig(BaseModel):
    """Everything one ``fncall eval run`` needs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data: Path = Field(description="The test records (any format fncall reads; JSONL records by default).")
    out: Path = Field(description="The run folder.")
    generate: GenerateConfig = Field(description="The backend's settings, the base model included.")
    backend: str = Field(default="hf", description="hf, openai, predictions, or a plugin's name.")
    adapters: tuple[str, ...] = Field(default=(), description="Adapters evaluated on top of the base.")
    include_base: bool = Field(default=True, description="Evaluate the base model too.")
    mode: Mode = Field(default="strict", description="Argument matching: strict or bfcl.")
    dots_as_underscores: bool = Field(default=False, description="Accept weather_get for weather.get.")
    limit: int | None = Field(default=None, ge=1, description="Only the first N test records.")
    data_format: str = Field(default="auto", description="The format of the test file.")
    n_boot: int = Field(default=1000, ge=0, description="Bootstrap resamples for the comparisons.")
    seed: int = Field(default=0, description="The bootstrap seed.")
    overwrite: bool = Field(
        default=False, description="Replace predictions in the folder that other settings made."
    )
    cache: Path | None = Field(
        default=None,
        description="A folder of predictions kept by fingerprint key: a variant whose fingerprint has a "
        "file there starts from it instead of generating those examples again, and what it generates "
        "is stored back. Equal keys mean the same model files, settings and test data.",
    )


@dataclass(frozen=True)
class RunResult:
    """What a run produced: the results table, the comparisons, and the files written."""

    frame: pd.DataFrame
    comparisons: tuple[Comparison, ...]
    scores: dict[str, list[ExampleScore]]
    files: dict[str, Path]
    rejected: int = 0
    """How many test rows could not be read (listed in the run folder's rejects.jsonl)."""
    cached: dict[str, int] = dataclasses.field(default_factory=dict)
    """Per variant, how many predictions came from ``RunConfig.cache`` instead of the backend."""


def variant_labels(adapters: Sequence[str], include_base: bool) -> list[tuple[str, str | None]]:
    """(label, adapter) for each thing evaluated: ``base`` first, then each adapter by a unique name.

    Example:
        >>> variant_labels(["runs/t/adapter", "runs/u/adapter", "x/lora"], True)
        [('base', None), ('t-adapter', 'runs/t/adapter'), ('u-adapter', 'runs/u/adapter'), ('lora', 'x/lora')]
    """
    out: list[tuple[str, str | None]] = [("base", None)] if include_base else []
    used = {"base"} if include_base else set()
    for adapter in adapters:
        parts = [p for p in re.split(r"[\\/]+", adapter.rstrip("/\\")) if p not in ("", ".")]
        name = parts[-1] if parts else "adapter"
        if name.endswith((".jsonl", ".json")):
            name = name.rsplit(".", 1)[0]
        if name in ("adapter", "final", "checkpoint") and len(parts) > 1:
            name = f"{parts[-2]}-{name}"
        label, n = re.sub(r"[^\w.-]+", "_", name), 2
        while label in used:
            label, n = f"{name}-{n}", n + 1
        used.add(label)
        out.append((label, adapter))
    if not out:
        raise FncallError("nothing to evaluate: --no-base was given without any --adapter")
    return out


def load_test_records(
    path: Path, *, fmt: str = "auto", rejects: Path | None = None, limit: int | None = None
) -> list[Record]:
    """The test records (bad rows go to ``rejects``), at most ``limit`` of them."""
    return read_test_records(path, fmt=fmt, rejects=rejects, limit=limit)[0]


def read_test_records(
    path: Path, *, fmt: str = "auto", rejects: Path | None = None, limit: int | None = None
) -> tuple[list[Record], int]:
    """The test records, at most ``limit`` of them, and how many rows were rejected into ``rejects``.

    Raises:
        InputError: when no row is usable.
    """
    from fncall_data.formats import load_records

    result = load_records(path, fmt=fmt, rejects=rejects)
    if result.rejects:
        log.warning("%s: %d row(s) rejected (see %s)", path, len(result.rejects), rejects)
    records = result.records[:limit] if limit else result.records
    if not records:
        raise InputError("no usable test records", file=os.fspath(path))
    return records, len(result.rejects)


def run_eval(config: RunConfig, *, progress: Progress | None = None) -> RunResult:
    """Generate what is missing for every variant, then score, compare and write the reports.

    Example:
        >>> cfg = RunConfig(data="test.jsonl", out="runs/e", generate=GenerateConfig(model="tiny"),
        ...                 adapters=("runs/t/adapter",))
        >>> result = run_eval(cfg)  # doctest: +SKIP
        >>> list(result.frame["model"].unique())  # doctest: +SKIP
        ['base', 't-adapter']
    """
    out = ensure_dir(config.out)
    with folder_lock(out, what="eval run"):
        records, rejected = read_test_records(
            config.data, fmt=config.data_format, rejects=out / "rejects.jsonl", limit=config.limit
        )
        variants = variant_labels(config.adapters, config.include_base)
        files = {label: out / "predictions" / f"{label}.jsonl" for label, _ in variants}
        stamps = {
            files[label]: prediction_fingerprint(
                backend=config.backend, generate=config.generate, adapter=adapter, data=config.data
            )
            for label, adapter in variants
        }
        claim(stamps, overwrite=config.overwrite)
        cached = _from_cache(config.cache, stamps) if config.cache else {}
        _write_json(out / "run.json", {"config": config.model_dump(mode="json"), "variants": dict(variants)})
        parse = _generate(config, records, variants, files, progress)
        if config.cache:
            _to_cache(config.cache, stamps)
        from fncall_eval.report_inputs import find_training, groups_beside

        page = PageInputs(groups=groups_beside(config.data), training=find_training(out, dict(variants)))
        result = score_and_report(
            records,
            files,
            out,
            mode=config.mode,
            parse=parse,
            dots_as_underscores=config.dots_as_underscores,
            n_boot=config.n_boot,
            seed=config.seed,
            page=page,
        )
    labels = {path: label for label, path in files.items()}
    return dataclasses.replace(
        result, rejected=rejected, cached={labels[path]: n for path, n in cached.items()}
    )


def _ids(path: Path) -> dict[str, str]:
    """id -> line of a predictions file (empty when there is none); a line cut by a kill is dropped,
    as a resumed run drops it."""
    if not path.is_file():
        return {}
    done = PredictionWriter(path).done
    return {key: json.dumps(p.to_dict(), ensure_ascii=False) for key, p in done.items()}


def _from_cache(cache: Path, stamps: dict[Path, Fingerprint]) -> dict[Path, int]:
    """Add to each predictions file the examples its cached copy holds; how many each took."""
    taken: dict[Path, int] = {}
    for path, fingerprint in stamps.items():
        kept = _ids(cache / f"{fingerprint.key}.jsonl")
        have = _ids(path)
        new = [line for key, line in kept.items() if key not in have]
        if new:
            with atomic_write(path) as handle:
                handle.writelines(line + "\n" for line in [*have.values(), *new])
            taken[path] = len(new)
    return taken


def _to_cache(cache: Path, stamps: dict[Path, Fingerprint]) -> None:
    """Keep each predictions file under its fingerprint's key (the fingerprint beside it, for a reader)."""
    for path, fingerprint in stamps.items():
        kept = cache / f"{fingerprint.key}.jsonl"
        have, stored = _ids(path), _ids(kept)
        if not have.keys() - stored.keys():
            continue
        ensure_dir(cache)
        with atomic_write(kept) as handle:
            handle.writelines(line + "\n" for line in {**stored, **have}.values())
        with atomic_write(stamp_path(kept)) as handle:
            handle.write(json.dumps(fingerprint.to_dict(), indent=1, ensure_ascii=False) + "\n")


def _generate(
    config: RunConfig,
    records: Sequence[Record],
    variants: Sequence[tuple[str, str | None]],
    files: dict[str, Path],
    progress: Progress | None,
) -> Parser | None:
    """Generate each variant's missing predictions; returns how the backend's texts are read."""
    backend = create_backend(config.backend, config.generate)
    try:
        for label, adapter in variants:
            with PredictionWriter(files[label]) as writer:
                pending = [r for r in records if r.id not in writer.done]
                done = len(records) - len(pending)
                log.info("%s: %d to generate, %d already done", label, len(pending), done)
                if progress is not None:
                    progress(label, done, len(records))
                for prediction in backend.generate(pending, adapter=adapter):
                    writer.write(prediction)
                    done += 1
                    if progress is not None:
                        progress(label, done, len(records))
        return backend.parse
    finally:
        backend.close()


def score_and_report(
    records: Sequence[Record],
    prediction_files: dict[str, Path],
    out: Path,
    *,
    mode: Mode = "strict",
    parse: Parser | None = None,
    dots_as_underscores: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    baseline: str | None = None,
    page: PageInputs | None = None,
) -> RunResult:
    """Score each prediction file against ``records``, write scores and reports into ``out``.

    Every other variant is compared with ``baseline`` (default: ``base`` when present). ``page``
    adds groups and training runs to the HTML report.
    """
    references = [Reference.from_record(r) for r in records]
    scores: dict[str, list[ExampleScore]] = {}
    outputs = {}
    for label, path in prediction_files.items():
        predictions = outputs[label] = read_predictions(path)
        scores[label] = score_predictions(
            references, predictions, mode=mode, parse=parse, dots_as_underscores=dots_as_underscores
        )
        unknown = set(predictions) - {r.id for r in references}
        if unknown:
            log.warning("%s: %d prediction(s) for ids not in the test set, ignored", path, len(unknown))
        write_jsonl(out / "scores" / f"{label}.jsonl", (s.to_dict() for s in scores[label]))
    page = dataclasses.replace(page or PageInputs(), records=records, outputs=outputs, parse=parse)
    return report_scores(scores, out, n_boot=n_boot, seed=seed, baseline=baseline, page=page)


def report_scores(
    scores: dict[str, list[ExampleScore]],
    out: Path,
    *,
    n_boot: int,
    seed: int,
    baseline: str | None,
    page: PageInputs | None = None,
) -> RunResult:
    """Compare every variant with ``baseline`` and write the reports of ``scores`` into ``out``.

    ``page`` holds what the HTML page shows beyond the scores (records, outputs, groups, training).
    """
    frame = results_frame(scores)
    base = baseline if baseline is not None else ("base" if "base" in scores else None)
    comparisons = tuple(
        compare(scores[base], s, label_a=base, label_b=label, n_boot=n_boot, seed=seed)
        for label, s in scores.items()
        if base is not None and label != base
    )
    cframe = comparison_frame(comparisons) if comparisons else None
    inputs = dataclasses.replace(
        page or PageInputs(), scores=scores, comparisons=comparisons, n_boot=n_boot, seed=seed
    )
    files = write_reports(out, frame, cframe, inputs)
    if comparisons:
        _write_json(out / "comparison.json", [c.to_dict() for c in comparisons])
        files["comparison.json"] = out / "comparison.json"
    return RunResult(frame, comparisons, scores, files)


def load_run_scores(run: Path) -> dict[str, list[ExampleScore]]:
    """The per-example scores saved in a run folder, by label."""
    folder = run / "scores"
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise FncallError(f"{run} holds no scores/*.jsonl; give a folder written by `fncall eval run`")
    order = _variant_order(run)
    files.sort(key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem))
    out: dict[str, list[ExampleScore]] = {}
    for path in files:
        rows = []
        for line in iter_json_lines(path):
            if line.error is not None:
                raise InputError(line.error, file=os.fspath(path), line=line.line)
            rows.append(ExampleScore.from_dict(line.value))
        out[path.stem] = rows
    return out


def compare_runs(
    runs: Iterable[Path], out: Path | None = None, *, n_boot: int = 1000, seed: int = 0
) -> RunResult:
    """Compare every variant of several run folders with the first run's first variant."""
    scores: dict[str, list[ExampleScore]] = {}
    for run in runs:
        for label, rows in load_run_scores(run).items():
            name, n = f"{run.name}/{label}", 2
            while name in scores:  # the same folder name twice (runs/a and other/a)
                name, n = f"{run.name}/{label}-{n}", n + 1
            scores[name] = rows
    baseline = next(iter(scores))
    frame = results_frame(scores)
    comparisons = tuple(
        compare(scores[baseline], s, label_a=baseline, label_b=label, n_boot=n_boot, seed=seed)
        for label, s in scores.items()
        if label != baseline
    )
    if out is None:
        return RunResult(frame, comparisons, scores, {})
    return report_scores(scores, out, n_boot=n_boot, seed=seed, baseline=baseline)


def _variant_order(run: Path) -> list[str]:
    try:
        data = json.loads((run / "run.json").read_text(encoding="utf-8"))
        return list(data.get("variants", {}))
    except (OSError, ValueError):
        return []


def _write_json(path: Path, value: Any) -> None:
    with atomic_write(path) as handle:
        handle.write(json.dumps(value, indent=1, ensure_ascii=False) + "\n")
