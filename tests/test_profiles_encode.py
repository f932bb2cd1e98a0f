"""The shared encoder: exactly one <bos>, and a trained mask that matches the trained segments."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from fncall_data.errors import FncallError
from fncall_data.profiles import Segment, encode, get_profile
from fncall_data.profiles.encode import trained_spans
from fncall_data.profiles.gemma import GemmaProfile, GemmaTokensProfile
from fncall_data.profiles.seed import SeedProfile
from fncall_data.types import Record
from tests.profile_helpers import PARALLEL, RECORDS, SIMPLE


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    from fncall_train.tiny import build_tiny_tokenizer

    return build_tiny_tokenizer()


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_mask_equals_segment_by_segment_tokenization(tokenizer: Any, record: Record) -> None:
    # Independent of offsets: tokenize each segment on its own, flag its tokens with the segment's
    # flag. Every segment boundary in the gemma profile sits at a special token or a newline, so
    # the pieces join into exactly the tokens of the whole text.
    profile = get_profile("gemma")
    ids = [tokenizer.bos_token_id]
    mask = [False]
    for segment in profile.segments(record):
        piece = tokenizer(segment.text, add_special_tokens=False)["input_ids"]
        ids += piece
        mask += [segment.trained] * len(piece)
    encoded = encode(profile, tokenizer, record)
    assert encoded.input_ids == ids
    assert encoded.trained_mask == mask
    assert encoded.labels == [t if m else -100 for t, m in zip(ids, mask, strict=True)]


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.id)
def test_exactly_one_bos_and_decoding_gives_the_text_back(tokenizer: Any, record: Record) -> None:
    for name in ("gemma", "chatml"):
        encoded = encode(get_profile(name), tokenizer, record)
        assert encoded.input_ids.count(tokenizer.bos_token_id) == 1
        assert encoded.input_ids[0] == tokenizer.bos_token_id
        assert tokenizer.decode(encoded.input_ids[1:]) == encoded.text


def test_trained_tokens_decode_to_the_trained_segments(tokenizer: Any) -> None:
    encoded = encode(get_profile("gemma"), tokenizer, PARALLEL)
    trained = [t for t, m in zip(encoded.input_ids, encoded.trained_mask, strict=True) if m]
    expected = "".join(s.text for s in get_profile("gemma").segments(PARALLEL) if s.trained)
    assert tokenizer.decode(trained) == expected
    assert encoded.trained_tokens == len(trained) > 0


def test_seed_reproduces_the_doubled_bos_on_request(tokenizer: Any) -> None:
    faithful = encode(SeedProfile(), tokenizer, SIMPLE)
    assert faithful.input_ids[:2] == [tokenizer.bos_token_id] * 2
    assert faithful.input_ids[2] != tokenizer.bos_token_id
    assert faithful.trained_mask[:2] == [False, False]
    assert all(faithful.trained_mask[2:])  # loss on every other token
    fixed = encode(SeedProfile(doubled_bos=False), tokenizer, SIMPLE)
    assert fixed.input_ids.count(tokenizer.bos_token_id) == 1


def test_max_length_cuts_and_says_so(tokenizer: Any) -> None:
    full = encode(get_profile("gemma"), tokenizer, PARALLEL)
    cut = encode(get_profile("gemma"), tokenizer, PARALLEL, max_length=10)
    assert not full.truncated and full.length == len(full.input_ids)
    assert cut.truncated and cut.length == full.length
    assert cut.input_ids == full.input_ids[:10] and cut.trained_mask == full.trained_mask[:10]


def test_a_text_that_carries_its_own_bos_is_refused(tokenizer: Any) -> None:
    class WithBos(GemmaProfile):
        name: ClassVar[str] = "with-bos"

        def segments(self, record: Record) -> list[Segment]:
            return [Segment("<bos>", False), *super().segments(record)]

    with pytest.raises(FncallError, match="starts with <bos>"):
        encode(WithBos(), tokenizer, SIMPLE)


def test_every_gemma_tag_is_one_token_in_the_tiny_tokenizer(tokenizer: Any) -> None:
    for tag in GemmaTokensProfile.special_tokens:
        assert len(tokenizer(tag, add_special_tokens=False)["input_ids"]) == 1, tag


def test_gemma_writes_tags_as_text_and_gemma_tokens_only_adds_them() -> None:
    # the plain profile asks only for the turn markers; the variant renders the very same text
    assert GemmaProfile.special_tokens == ("<start_of_turn>", "<end_of_turn>")
    assert set(GemmaTokensProfile.special_tokens) > {"<tool_call>", "</tool_call>", "<tool_response>"}
    assert GemmaTokensProfile().segments(PARALLEL) == GemmaProfile().segments(PARALLEL)
    assert GemmaTokensProfile().chat_template() == GemmaProfile().chat_template()


def test_trained_spans_merge_neighbours() -> None:
    segments = [
        Segment("a", True),
        Segment("bc", True),
        Segment("d", False),
        Segment("", True),
        Segment("e", True),
    ]
    assert trained_spans(segments) == [(0, 3), (4, 5)]
