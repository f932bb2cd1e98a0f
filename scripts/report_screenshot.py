"""Rebuild a run's HTML report and take a PNG of it in headless Chromium (the README's picture).

Run: ``python scripts/report_screenshot.py [RUN_DIR] [--out docs/report.png] [--width 1280]
[--height 1500] [--fragment "#flip=any"]``. RUN_DIR defaults to the quickstart's evaluation,
``runs/quickstart/eval``. The report is rebuilt into a temporary folder (``fncall eval report -o``),
so the run itself is left as it is; the picture is the page's top ``--height`` pixels, with the
example list filtered by ``--fragment``. Needs Chromium (``bash scripts/fetch_chromium.sh``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests.browser

from fncall_eval.report_inputs import rebuild_report
from tests.browser import Browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, nargs="?", default=Path("runs/quickstart/eval"))
    parser.add_argument("--out", type=Path, default=Path("docs/report.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--fragment", default="#flip=any", help="Filters of the example list.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = rebuild_report(args.run_dir, out=Path(scratch)).files["report.html"]
        with Browser(width=args.width, height=args.height) as browser:
            page = browser.open(report.resolve().as_uri() + args.fragment)
            problems = page.problems()
            if page.evaluate("document.documentElement.dataset.ready") != "1" or problems:
                raise SystemExit(f"the page did not render cleanly: {problems}")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(args.out)
    print(f"{args.out}: {args.out.stat().st_size / 1000:.0f} kB, the top {args.height} px of {args.run_dir}")


if __name__ == "__main__":
    main()
