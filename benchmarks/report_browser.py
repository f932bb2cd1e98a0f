"""The HTML report of a large run in headless Chromium: how long it takes to open and to filter.

Run: ``python benchmarks/report_browser.py [--examples 5000] [--repeats 7] [--keep DIR]``.

1. A run of ``--examples`` test records generated from the bundled catalog (half on some tools, half
   on the others, as the quickstart's two groups), two models whose outputs are made up per record
   (right calls, a wrong value, a wrong tool, a malformed call, no call, reasoning first), a training
   run's summary with a 300-step loss curve, all evaluated by ``fncall eval run`` with the
   predictions backend, so the page is the one a real run of that size writes.
2. Chromium opens the page ``--repeats`` times. *Ready* is the time from the start of navigation to
   the moment the example browser has shown its first examples (a performance mark the page sets);
   *load* is the wall time to the load event, seen from here.
3. On each load, four filters are set one at a time from the whole list, as a person sets them (a
   control's input event): a category, the wrong answers, the flipped examples, a text search (the
   first search of a load builds its index of every example). Each time is from the change to the
   list and the layout being updated (``performance.now()`` around it, forcing layout); *to next
   frame* also waits for the next animation frame.

Figures are medians over the repeats, in milliseconds. The machine's other work slows them all.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests.browser

from fncall_data.generate import GenerateConfig, catalog_specs, generate
from fncall_data.turns import reference_calls
from fncall_data.types import Record
from fncall_eval.backends import GenerateConfig as ModelConfig
from fncall_eval.report_inputs import rebuild_report
from fncall_eval.run import RunConfig, run_eval
from tests.browser import Browser, Page

BUDGET_MS = 1000.0
#: Each set alone, from the whole list, and cleared again before the next.
FILTERS = (
    ("category", "irrelevance"),
    ("verdict", "wrong"),
    ("flip", "any"),
    ("q", "weather"),
)


def _output(record: Record, rng: random.Random, skill: float) -> str:
    """A made-up answer: right with probability ``skill``, else one of the usual ways to be wrong."""
    calls = [{"name": c.name, "arguments": dict(c.arguments)} for c in reference_calls(record)]
    think = "<think>The user wants this; I will call the tool.</think>\n" if rng.random() < 0.3 else ""
    if rng.random() < skill:
        if not calls:
            return think + "I can't do that with the tools I have. Which city do you mean?"
        return think + "".join(f"<tool_call>{json.dumps(c)}</tool_call>" for c in calls)
    kind = rng.choice(["value", "tool", "malformed", "none"])
    if kind == "none" or (not calls and kind != "tool"):
        return think + "Sure, here is what I found: nothing that needs a tool."
    if kind == "malformed":
        return think + '<tool_call>{"name": "' + (calls[0]["name"] if calls else "x") + '", "arguments": {'
    call = dict(calls[0]) if calls else {"name": record.tools[0].name, "arguments": {}}
    if kind == "tool":
        call["name"] = rng.choice([t.name for t in record.tools] + ["search_web"])
    elif call["arguments"]:
        key = rng.choice(sorted(call["arguments"]))
        call["arguments"] = {**call["arguments"], key: "something else"}
    return think + f"<tool_call>{json.dumps(call)}</tool_call>"


def build_run(folder: Path, examples: int) -> Path:
    """Write the test data, two models' outputs and a training run under ``folder``; evaluate them."""
    specs = catalog_specs()
    half = len(specs) // 2
    data = folder / "data"
    data.mkdir(parents=True)
    lines = generate(GenerateConfig(n=examples // 2, seed=1, id_prefix="seen"), specs[:half]).lines
    lines += generate(
        GenerateConfig(n=examples - examples // 2, seed=2, id_prefix="held"), specs[half:]
    ).lines
    (data / "test.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    records = [Record.model_validate_json(line) for line in lines]
    groups = {r.id: "training tools" if r.id.startswith("seen") else "held-out tools" for r in records}
    (data / "groups.json").write_text(json.dumps(groups), encoding="utf-8")
    rng = random.Random(0)
    for name, skill in (("base", 0.25), ("tuned", 0.6)):
        rows = [{"id": r.id, "text": _output(r, rng, skill)} for r in records]
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
    curve = [{"step": s, "loss": 2.5 * 0.99**s + 0.2 * rng.random()} for s in range(1, 301)]
    (folder / "train").mkdir()
    summary = {"steps": 300, "loss_curve": curve, "tokens": 900_000, "tokens_per_s": 750.0, "wall_s": 1200.0}
    (folder / "train" / "fncall_run.json").write_text(json.dumps(summary), encoding="utf-8")
    config = RunConfig(
        data=data / "test.jsonl",
        out=folder / "eval",
        generate=ModelConfig(model=str(folder / "base.jsonl")),
        backend="predictions",
        adapters=(str(folder / "tuned.jsonl"),),
    )
    result = run_eval(config)
    return result.files["report.html"]


def _filter(page: Page, key: str, value: str) -> tuple[float, float, int]:
    """(ms to the updated list and layout, ms to the next frame, examples matching)."""
    timing = page.evaluate(
        f"""(async () => {{
        const control = document.querySelector('[data-filter="{key}"]');
        const start = performance.now();
        control.value = {json.dumps(value)};
        control.dispatchEvent(new Event("input", {{bubbles: true}}));
        document.body.offsetHeight;
        const laid = performance.now() - start;
        await new Promise((done) => requestAnimationFrame(() => done()));
        const matching = Number(document.getElementById("count").textContent.split(" ")[0]);
        return [laid, performance.now() - start, matching];
    }})()"""
    )
    return float(timing[0]), float(timing[1]), int(timing[2])


def measure(report: Path, repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"ready": [], "load": []}
    matched: dict[str, int] = {}
    with Browser(width=1280, height=900) as browser:
        for _ in range(repeats):
            page = browser.open("about:blank")
            load_s = page.navigate(report.resolve().as_uri())
            if page.evaluate("document.documentElement.dataset.ready") != "1":
                raise SystemExit("the page did not get ready")
            times["load"].append(load_s * 1000)
            times["ready"].append(page.evaluate("performance.getEntriesByName('fncall-ready')[0].startTime"))
            for key, value in FILTERS:
                laid, frame, count = _filter(page, key, value)
                times.setdefault(f"{key}={value}", []).append(laid)
                times.setdefault(f"{key}={value} to next frame", []).append(frame)
                matched[f"{key}={value}"] = count
                _filter(page, key, "")
            problems = page.problems()
            if problems:
                raise SystemExit(f"the page reported problems: {problems}")
            page.send("Page.close")
    print("examples matching each filter alone: " + ", ".join(f"{k}: {v}" for k, v in matched.items()))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--keep",
        type=Path,
        help="Build the run in this folder and keep it; a run already there only has "
        "its report rebuilt (fncall eval report).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch) / "run"
        if (folder / "eval" / "scores").is_dir():
            report = rebuild_report(folder / "eval").files["report.html"]
        else:
            report = build_run(folder, args.examples)
        size = report.stat().st_size / 1e6
        print(f"{args.examples} examples, 2 models: {report} ({size:.1f} MB)")
        times = measure(report, args.repeats)
    print(f"medians of {args.repeats} loads, ms (budget {BUDGET_MS:.0f} ms to open, and to filter):")
    worst = 0.0
    for name, values in times.items():
        median = statistics.median(values)
        if name != "load" and not name.endswith("next frame"):
            worst = max(worst, median)
        print(f"  {name:34s} {median:8.1f}   (min {min(values):.1f}, max {max(values):.1f})")
    print(f"{'within' if worst < BUDGET_MS else 'OVER'} budget: the slowest median is {worst:.1f} ms")


if __name__ == "__main__":
    main()
