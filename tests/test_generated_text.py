"""The generated text reads as if a person wrote it: no seams where templates meet their values.

A phrasing such as "by {mode}" filled with the spoken form "by car" gives "by by car"; "a {country}
passport" gives "a India passport". Each check below is one kind of seam, run over every user and
assistant text of a large generated set from the bundled catalog, in every category.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from fncall_data.generate import GenerateConfig, generate

# "an" is right before a vowel sound: acronyms read letter by letter (an SMS, an MRI) and a silent h.
_AN_BEFORE_CONSONANT = re.compile(r"\ban (?!hour|honest|[FHLMNRSX][A-Z])[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z]\w*")
# "a" before a vowel letter, except the ones said with a consonant (a UV index, a university, a one-off).
_A_BEFORE_VOWEL = re.compile(r"\ba (?![Uu][A-Zns]|[Uu]ni|[Uu]s[eu]|[Oo]ne|[Ee]u)[aeiouAEIOU]\w*")

SEAMS = {
    "doubled word": re.compile(r"\b(\w+) \1\b"),  # case-sensitive: "holidays in IN" is a country code
    "double space": re.compile(r"\S {2,}\S"),
    "space before punctuation": re.compile(r" [,.;:?!)]"),
    "doubled punctuation": re.compile(r",[,.?!]|(?<!\.)\.[,.](?!\.)|[?!][,.]"),
    "empty brackets": re.compile(r"\(\s*\)|\[\s*\]"),
    "unfilled slot": re.compile(r"\{[a-z_]+\}|\[ |\]\."),
    "a before a vowel": _A_BEFORE_VOWEL,
    "an before a consonant": _AN_BEFORE_CONSONANT,
}


def _texts(lines: list[str]) -> list[tuple[str, str]]:
    texts = []
    for line in lines:
        record: dict[str, Any] = json.loads(line)
        for message in record["messages"]:
            content = message.get("content")
            if message["role"] in ("user", "assistant") and isinstance(content, str):
                texts.append((record["id"], content))
    return texts


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, str]]:
    return _texts(generate(GenerateConfig(n=6000, seed=11)).lines)


@pytest.mark.slow
@pytest.mark.parametrize("seam", sorted(SEAMS))
def test_no_template_seams(seam: str, texts: list[tuple[str, str]]) -> None:
    pattern = SEAMS[seam]
    hits = [(record_id, m.group(0), text) for record_id, text in texts if (m := pattern.search(text))]
    common = Counter(found for _, found, _ in hits).most_common(5)
    assert not hits, f"{len(hits)} texts with a {seam}, most often {common}; e.g. {hits[0]}"


@pytest.mark.parametrize(
    ("seam", "text"),
    [
        ("doubled word", "How do I get to the zoo by by bike?"),
        ("a before a vowel", "Can someone with a India passport travel to Peru?"),
        ("an before a consonant", "Book an table for two."),
        ("unfilled slot", "Weather in {city}?"),
        ("double space", "Send it  now."),
        ("doubled punctuation", "Is it open?."),
    ],
)
def test_each_check_finds_its_seam(seam: str, text: str) -> None:
    assert SEAMS[seam].search(text)


@pytest.mark.parametrize(
    "text",
    ["Send an SMS to Ana.", "Expect a UV index of 8.", "half an hour", "holidays in IN in 2027", "Hm..."],
)
def test_the_checks_pass_plain_english(text: str) -> None:
    assert not [name for name, pattern in SEAMS.items() if pattern.search(text)]
