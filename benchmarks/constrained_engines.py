"""Constrained-decoding engines on our tool schemas, on CPU: llguidance, xgrammar, outlines-core.

For one tokenizer (the embedded Gemma 3's 262k tokens by default) and every distinct tool list of a
test set, each engine that is installed:

- builds its view of the tokenizer once (seconds);
- compiles the grammar of each tool list (ms per list, median and max);
- walks the reference answer of each record token by token, computing the full token mask before each
  token and then advancing (µs per token, median over all tokens), and counts the references it
  rejected (a reference call is schema-valid, so a rejection is a gap in the engine's schema support
  or a grammar the engine cannot express).

The grammars are as close as each engine allows to what fncall uses (:mod:`fncall_eval.constrained`):
llguidance and xgrammar get the whole turn (free text, then calls opened by ``<tool_call>``, in
canonical JSON); outlines-core has no context-free grammars or triggers, so it gets the call's JSON
body alone (a regex from the schema) and a caller would have to switch it on at the tag.
The three engines are not dependencies of fncall (only llguidance is, in the constrained extra):

    pip install llguidance xgrammar outlines-core
    python benchmarks/constrained_engines.py --data runs/quickstart/data/test.jsonl
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fncall_data.profiles.chat import canonical_json
from fncall_data.turns import evaluated_turn
from fncall_data.types import Record, Tool
from fncall_eval.constrained import closed_objects

OPEN, CLOSE = "<tool_call>", "</tool_call>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokenizer", default="embedded", help="embedded, tiny, or a tokenizer folder")
    parser.add_argument("--data", type=Path, default=Path("runs/quickstart/data/test.jsonl"))
    parser.add_argument("--engines", default="llguidance,xgrammar,outlines-core")
    parser.add_argument("--lists", type=int, help="Only the records of the first N distinct tool lists.")
    args = parser.parse_args()

    tokenizer, stops = _tokenizer(args.tokenizer)
    records = [Record.model_validate_json(x) for x in args.data.read_text(encoding="utf-8").splitlines()]
    if args.lists:
        keep = list(dict.fromkeys(_key(r.tools) for r in records))[: args.lists]
        records = [r for r in records if _key(r.tools) in keep]
    lists = {_key(r.tools) for r in records}
    print(f"{len(records)} records, {len(lists)} distinct tool lists, vocabulary {len(tokenizer)}")
    rows = []
    for name in args.engines.split(","):
        module = {"outlines-core": "outlines_core"}.get(name, name)
        if importlib.util.find_spec(module) is None:
            print(f"{name}: not installed (pip install {name})")
            continue
        rows.append(_measure(name, ENGINES[name], tokenizer, stops, records))
    head = "| engine | version | tokenizer view (s) | compile per tool list, median / max (ms) | "
    head += "mask + advance per token, median (µs) | references rejected |"
    print(head)
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['engine']} | {row['version']} | {row['tokenizer_s']:.1f} | "
              f"{row['compile_ms_median']:.1f} / {row['compile_ms_max']:.1f} | "
              f"{row['token_us_median']:.0f} | {row['rejected']}/{row['references']} |")  # fmt: skip


def _tokenizer(spec: str) -> tuple[Any, list[int]]:
    if spec == "tiny":
        from fncall_train.tiny import build_tiny_tokenizer

        tokenizer = build_tiny_tokenizer()
    else:
        from transformers import AutoTokenizer

        from fncall_train.models import cache_root, embedded_folder

        folder = embedded_folder(cache_root()) if spec == "embedded" else Path(spec)
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    stops = [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<end_of_turn>")]
    return tokenizer, [s for s in stops if isinstance(s, int)]


def _key(tools: Sequence[Tool]) -> str:
    return json.dumps([t.model_dump() for t in tools])


def _reference(record: Record) -> list[str]:
    """The reference turn's call bodies (canonical JSON); [] when no call is right."""
    turn = record.messages[evaluated_turn(record)]
    return [canonical_json({"name": c.name, "arguments": c.arguments}) for c in turn.tool_calls or ()]


class Engine:
    """What the benchmark needs of an engine: its tokenizer view, a compiler, a stepper."""

    version: str
    whole_turn: bool  # False: the grammar covers one call's JSON body only

    def prepare(self, tokenizer: Any, stops: Sequence[int]) -> None: ...
    def compile(self, tools: Sequence[Tool]) -> Any: ...
    def walk(self, compiled: Any, tokens: Sequence[int]) -> tuple[list[float], bool]: ...


def _measure(
    name: str, make: Callable[[], Engine], tokenizer: Any, stops: list[int], records: list[Record]
) -> dict[str, Any]:
    engine = make()
    started = time.perf_counter()
    engine.prepare(tokenizer, stops)
    tokenizer_s = time.perf_counter() - started
    compile_ms: list[float] = []
    step_us: list[float] = []
    compiled: dict[str, Any] = {}
    rejected = references = 0
    for record in records:
        key = _key(record.tools)
        if key not in compiled:
            started = time.perf_counter()
            compiled[key] = engine.compile(record.tools)
            compile_ms.append((time.perf_counter() - started) * 1000)
        bodies = _reference(record)
        texts = ["".join(OPEN + b + CLOSE for b in bodies)] if engine.whole_turn else bodies
        for text in texts:
            if not text:
                continue
            references += 1
            times, ok = engine.walk(compiled[key], tokenizer.encode(text, add_special_tokens=False))
            step_us += [t * 1e6 for t in times]
            rejected += not ok
    return {"engine": name, "version": engine.version, "tokenizer_s": tokenizer_s,
            "compile_ms_median": statistics.median(compile_ms), "compile_ms_max": max(compile_ms),
            "token_us_median": statistics.median(step_us), "rejected": rejected,
            "references": references}  # fmt: skip


def _call_schema(tools: Sequence[Tool]) -> dict[str, Any]:
    """One call's JSON object: an offered name and that tool's arguments, as one schema."""
    branches = [
        {"type": "object", "required": ["name", "arguments"], "additionalProperties": False,
         "properties": {"name": {"const": t.name}, "arguments": closed_objects(t.parameters)}}
        for t in tools
    ]  # fmt: skip
    return {"anyOf": branches}


class LLGuidance(Engine):
    whole_turn = True

    def prepare(self, tokenizer: Any, stops: Sequence[int]) -> None:
        from importlib.metadata import version

        from fncall_data.profiles.gemma import GemmaProfile
        from fncall_eval.constrained import CallConstrainer

        self.version = version("llguidance")
        assert GemmaProfile.call_syntax is not None
        self.constrainer = CallConstrainer(tokenizer, len(tokenizer), stops, GemmaProfile.call_syntax)

    def compile(self, tools: Sequence[Tool]) -> Any:
        matcher = self.constrainer.matcher(tools)
        matcher.compute_bitmask()  # the first mask: llguidance builds its lexer lazily
        return tools

    def walk(self, compiled: Any, tokens: Sequence[int]) -> tuple[list[float], bool]:
        matcher = self.constrainer.matcher(compiled)

        def step(token: int) -> bool:
            matcher.compute_bitmask()
            return bool(matcher.consume_token(token))

        return _steps(tokens, step)


class XGrammar(Engine):
    whole_turn = True

    def prepare(self, tokenizer: Any, stops: Sequence[int]) -> None:
        from importlib.metadata import version

        import xgrammar as xgr

        self.version = version("xgrammar")
        info = xgr.TokenizerInfo.from_huggingface(
            tokenizer, vocab_size=len(tokenizer), stop_token_ids=list(stops)
        )
        self.compiler = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False)
        self.bitmask = xgr.allocate_token_bitmask(1, len(tokenizer))

    def compile(self, tools: Sequence[Tool]) -> Any:
        from xgrammar.structural_tag import JSONSchemaFormat, StructuralTag, TagFormat, TriggeredTagsFormat

        tags = [TagFormat(begin=OPEN + '{"name": ' + json.dumps(t.name) + ', "arguments": ',
                          content=JSONSchemaFormat(json_schema=closed_objects(t.parameters)), end="}" + CLOSE)
                for t in tools]  # fmt: skip
        return self.compiler.compile_structural_tag(
            StructuralTag(format=TriggeredTagsFormat(triggers=[OPEN], tags=tags))
        )

    def walk(self, compiled: Any, tokens: Sequence[int]) -> tuple[list[float], bool]:
        import xgrammar as xgr

        matcher = xgr.GrammarMatcher(compiled)

        def step(token: int) -> bool:
            matcher.fill_next_token_bitmask(self.bitmask)
            return bool(matcher.accept_token(token))

        return _steps(tokens, step)


class OutlinesCore(Engine):
    whole_turn = False

    def prepare(self, tokenizer: Any, stops: Sequence[int]) -> None:
        from importlib.metadata import version

        import outlines_core

        self.version = version("outlines-core")
        special = set(tokenizer.all_special_ids)
        pieces: dict[bytes, list[int]] = {}
        byte = re.compile(r"<0x([0-9A-Fa-f]{2})>")
        decoder = _byte_decoder() if "Ġ" in tokenizer.get_vocab() else None
        for token_id, piece in enumerate(tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))):
            if token_id in special or piece is None:
                continue
            found = byte.fullmatch(piece)
            if found:
                raw = bytes([int(found.group(1), 16)])
            elif decoder is not None:  # byte-level BPE (GPT-2 alphabet)
                raw = bytes(decoder[c] for c in piece if c in decoder)
            else:  # SentencePiece: "▁" is a space
                raw = piece.replace("\u2581", " ").encode()
            pieces.setdefault(raw, []).append(token_id)
        self.vocabulary = outlines_core.Vocabulary(stops[0], pieces)
        self.size = len(tokenizer)

    def compile(self, tools: Sequence[Tool]) -> Any:
        import outlines_core

        regex = outlines_core.json_schema.build_regex_from_schema(json.dumps(_call_schema(tools)), r"[ ]?")
        return outlines_core.Index(regex, self.vocabulary)

    def walk(self, compiled: Any, tokens: Sequence[int]) -> tuple[list[float], bool]:
        import outlines_core
        import torch

        guide = outlines_core.Guide(compiled)
        mask = torch.full((1, (self.size + 31) // 32), -1, dtype=torch.int32)

        def step(token: int) -> bool:
            guide.write_mask_into(mask.data_ptr(), mask.numel(), mask.element_size())
            try:
                guide.advance(token)
            except ValueError:
                return False
            return True

        return _steps(tokens, step)


def _steps(tokens: Sequence[int], step: Callable[[int], bool]) -> tuple[list[float], bool]:
    """The time of each step (mask, then advance) over ``tokens``, and whether every token was taken."""
    times = []
    for token in tokens:
        started = time.perf_counter()
        ok = step(token)
        times.append(time.perf_counter() - started)
        if not ok:
            return times, False
    return times, True


def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable alphabet for bytes, reversed."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    codes, n = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, codes, strict=True)}


ENGINES: dict[str, Callable[[], Engine]] = {"llguidance": LLGuidance, "xgrammar": XGrammar,
                                            "outlines-core": OutlinesCore}  # fmt: skip

if __name__ == "__main__":
    main()
