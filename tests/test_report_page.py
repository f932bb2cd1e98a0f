"""The report page's data: the headline's rates, differences and verdicts, and the example browser's
entries, against values worked out by hand."""

from __future__ import annotations

import json
import re

import pytest

from fncall_eval.compare import compare
from fncall_eval.metrics import results_frame
from fncall_eval.page import html_report
from fncall_eval.page_data import NO_GROUP, PageInputs, examples_payload, headline, metric_cell
from fncall_eval.predictions import Prediction
from fncall_eval.scoring import Reference, score_predictions
from tests.eval_helpers import HAND_OUTPUTS, HAND_RECORDS, call, example, tag

# Group g1: the baseline gets none of 10 right, the other model 8. Group g2: both get the same 5 of
# 10 right. c0 is in no group: only the baseline gets it right.
BASE = (
    [example(f"a{i}", False) for i in range(10)]
    + [example(f"b{i}", i < 5, "multiple") for i in range(10)]
    + [example("c0", True, "parallel")]
)
TUNED = (
    [example(f"a{i}", i < 8) for i in range(10)]
    + [example(f"b{i}", i < 5, "multiple") for i in range(10)]
    + [example("c0", False, "parallel")]
)
GROUPS = {f"a{i}": "g1" for i in range(10)} | {f"b{i}": "g2" for i in range(10)}


def _inputs(a: list, b: list, groups: dict[str, str] | None = GROUPS) -> PageInputs:  # type: ignore[type-arg]
    comparison = compare(a, b, label_a="base", label_b="tuned", n_boot=400)
    return PageInputs(scores={"base": a, "tuned": b}, comparisons=[comparison], groups=groups, n_boot=400)


def test_headline_per_group_with_mcnemar_verdicts() -> None:
    head = headline(_inputs(BASE, TUNED))
    assert head.by == "group" and head.parts == ("overall", "g1", "g2", NO_GROUP)
    pairs = {p.part: p for p in head.pairs}
    # g1: 8 discordant pairs all for B: p = 2 / 2**8
    assert (pairs["g1"].only_a, pairs["g1"].only_b) == (0, 8)
    assert pairs["g1"].p_value == pytest.approx(2 / 256) and pairs["g1"].verdict == "better"
    assert (pairs["g2"].only_a, pairs["g2"].only_b, pairs["g2"].verdict) == (0, 0, "no measurable difference")
    assert (pairs[NO_GROUP].only_a, pairs[NO_GROUP].verdict) == (1, "no measurable difference")
    # overall: 1 against 8, p = 2 * (1 + 9) / 2**9
    assert pairs["overall"].p_value == pytest.approx(20 / 512) and pairs["overall"].verdict == "better"
    delta, low, high = pairs["g1"].deltas["call_exact_match"]
    assert delta == pytest.approx(0.8) and low is not None and high is not None and 0 < low <= 0.8 <= high
    # 8 of 10 with its Wilson interval, worked out by hand: (p + z²/2n ± z√(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    cell = head.cells["tuned", "g1"]["call_exact_match"]
    assert (cell.value, cell.hits, cell.n) == (0.8, 8, 10)
    assert cell.low == pytest.approx(0.4902, abs=1e-4) and cell.high == pytest.approx(0.9433, abs=1e-4)
    assert head.cells["base", "overall"]["call_exact_match"].value == pytest.approx(6 / 21)


def test_headline_says_worse_the_other_way_and_uses_categories_without_groups() -> None:
    head = headline(_inputs(TUNED, BASE, groups=None))
    assert head.by == "category" and head.parts == ("overall", "simple", "multiple", "parallel")
    verdicts = {p.part: p.verdict for p in head.pairs}
    assert verdicts == {
        "overall": "worse",
        "simple": "worse",
        "multiple": "no measurable difference",
        "parallel": "no measurable difference",
    }


def test_argument_f1_has_no_wilson_interval() -> None:
    # a metric whose per-example counts are not 0/1 is not a proportion of examples
    scores = score_predictions(
        [Reference.from_record(r) for r in HAND_RECORDS],
        {k: Prediction(k, v) for k, v in HAND_OUTPUTS.items()},
    )
    f1 = metric_cell(scores, "arg_f1")
    assert f1.value == pytest.approx(8 / 11) and (f1.low, f1.high) == (None, None)
    assert metric_cell(scores, "tool_accuracy").low is not None


def test_page_states_the_verdict_in_words() -> None:
    # the baseline also names the wrong tool in g1: tool accuracy 11/21 against 21/21
    base = [s._replace(tools_right=False) if s.id.startswith("a") else s for s in BASE]
    inputs = _inputs(base, TUNED)
    page = html_report(results_frame({"base": base, "tuned": TUNED}), None, inputs)
    line = re.search(r'<p class="verdict" data-part="overall"[^>]*>(.*?)</p>', page)
    assert line is not None
    text = re.sub(r"<[^>]+>", "", line.group(1))
    assert re.fullmatch(
        r"tuned vs base overall: better exact match 28\.6% → 61\.9%, \+33\.3 points \(95% CI \+\d+\.\d to "
        r"\+\d+\.\d\), McNemar p = 0\.039; 8 fixed, 1 broken of 21\. "
        r"Other rates whose interval leaves out 0: tool accuracy \+47\.6 points",
        text,
    ), text
    assert page.count('class="part"') == 4


RIGHT_S2 = tag(call("get_weather", city="Rome", unit="celsius"))


def test_examples_payload_whole_entry() -> None:
    references = [Reference.from_record(r) for r in HAND_RECORDS]
    outputs = {
        "base": {k: Prediction(k, v) for k, v in HAND_OUTPUTS.items()},
        # s2 fixed; s1 answered with a native message; i1 failed to generate
        "tuned": {k: Prediction(k, v) for k, v in HAND_OUTPUTS.items()}
        | {
            "s2": Prediction("s2", RIGHT_S2),
            "s1": Prediction("s1", message={"role": "assistant", "tool_calls": [{"type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]}),
            "i1": Prediction("i1", error="timed out"),
        },
    }  # fmt: skip
    scores = {label: score_predictions(references, found) for label, found in outputs.items()}
    inputs = PageInputs(
        scores=scores,
        comparisons=[compare(scores["base"], scores["tuned"], label_a="base", label_b="tuned", n_boot=10)],
        records=HAND_RECORDS,
        outputs=outputs,
        groups={"s1": "seen"},
    )
    payload = examples_payload(inputs)
    assert payload["models"] == ["base", "tuned"] and payload["baseline"] == "base"
    assert payload["grouped"] is True
    assert [t["name"] for t in payload["tools"]] == ["get_weather", "convert_currency"]
    assert [e["id"] for e in payload["examples"]] == [r.id for r in HAND_RECORDS]
    assert payload["examples"][1] == {
        "id": "s2",
        "category": "simple",
        "group": NO_GROUP,
        "tools": [0, 1],
        "prompt": [{"role": "user", "content": "Help me."}],
        "reference": {"calls": [{"name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}]},
        "runs": [
            {
                "outcome": "wrong_call",
                "ok": False,
                "reason": "unit: 'fahrenheit' is not an acceptable value",
                "text": HAND_OUTPUTS["s2"],
                "calls": [{"name": "get_weather", "arguments": {"city": "Rome", "unit": "fahrenheit"}}],
            },
            {
                "outcome": "correct",
                "ok": True,
                "reason": "",
                "text": RIGHT_S2,
                "calls": [{"name": "get_weather", "arguments": {"city": "Rome", "unit": "celsius"}}],
            },
        ],
    }
    s1, i1 = payload["examples"][0], payload["examples"][3]
    assert s1["group"] == "seen"
    assert s1["runs"][0]["repairs"] == ["python_literal"]
    assert s1["runs"][1]["calls"] == [{"name": "get_weather", "arguments": {"city": "Paris"}}]
    assert json.loads(s1["runs"][1]["text"])["role"] == "assistant"
    assert i1["runs"][1] == {"outcome": "error", "ok": False, "reason": "generation failed: timed out"}
    assert i1["reference"] == {"calls": [], "content": "I cannot help with that."}


def test_text_in_outputs_cannot_end_the_data_block() -> None:
    hostile = "</script><script>document.title='owned'</script><!--"
    references = [Reference.from_record(r) for r in HAND_RECORDS]
    scores = {"base": score_predictions(references, {"s1": Prediction("s1", hostile)})}
    inputs = PageInputs(
        scores=scores, records=HAND_RECORDS, outputs={"base": {"s1": Prediction("s1", hostile)}}
    )
    page = html_report(results_frame(scores), None, inputs)
    block = page[page.index('id="fncall-data">') :]
    data = block[len('id="fncall-data">') : block.index("</script>")]
    assert json.loads(data)["examples"][0]["runs"][0]["text"] == hostile
    assert "<script>document.title" not in page
