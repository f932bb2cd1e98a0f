"""Whole rendered texts of each profile, trained pieces marked with ⟦ ⟧, compared to files.

Set ``FNCALL_UPDATE_SNAPSHOTS=1`` to rewrite the files after an intended change, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fncall_data.profiles import get_profile
from fncall_data.types import Record
from tests.profile_helpers import MISSING_PARAM, PARALLEL, SIMPLE

SNAPSHOTS = Path(__file__).parent / "snapshots" / "profiles"


def marked(profile_name: str, record: Record) -> str:
    return "".join(f"⟦{s.text}⟧" if s.trained else s.text for s in get_profile(profile_name).segments(record))


@pytest.mark.parametrize("profile_name", ["gemma", "gemma_json", "seed", "chatml"])
@pytest.mark.parametrize("record", [SIMPLE, PARALLEL, MISSING_PARAM], ids=lambda r: r.id)
def test_rendered_text_matches_snapshot(profile_name: str, record: Record) -> None:
    path = SNAPSHOTS / f"{profile_name}-{record.id}.txt"
    text = marked(profile_name, record)
    if os.environ.get("FNCALL_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
