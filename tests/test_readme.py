"""The README tells the truth: its set-up commands and its library example."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_second() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["bash scripts/quickstart.sh", "bash scripts/test.sh"]
    assert README.index(first_block.group(0)) < README.index("## ")  # before any section
    assert "bash scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def test_the_library_example_does_what_its_comments_say(tmp_path: Path) -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block is not None
    script = tmp_path / "readme_example.py"
    script.write_text(block.group(1))
    result: Any = runpy.run_path(str(script))["result"]
    assert result.valid is False
    assert [r.code for r in result.extraction.repairs] == ["python_literal"]
    assert [(i.code, i.path) for i in result.issues] == [("not_in_enum", "$[0].arguments.unit")]


def test_the_readmes_pictures_are_in_the_repository_and_small() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert "docs/report.png" in pictures
    for picture in pictures:
        path = REPO / picture
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", picture
        assert path.stat().st_size < 300_000, picture
