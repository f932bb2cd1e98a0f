// The example browser of fncall's report: lists the examples of the page's JSON block, a page at a
// time, filtered by category, group, verdict, flips between a model and the baseline, and text.
// The filters live in the address's #fragment, so a filtered view can be bookmarked or shared.
"use strict";
(function () {
  const PAGE = 50;
  const root = document.documentElement;
  const block = document.getElementById("fncall-data");
  if (!block) {
    markReady();
    return;
  }
  const data = JSON.parse(block.textContent);
  const models = data.models;
  const examples = data.examples;
  const baseIndex = data.baseline === null ? -1 : models.indexOf(data.baseline);
  const list = document.getElementById("list");
  const count = document.getElementById("count");
  const moreButton = document.getElementById("more");
  const state = { category: "", group: "", model: "", verdict: "", flip: "", q: "" };
  let matches = [];
  let shown = 0;
  const haystacks = new Map();
  examples.forEach((example, i) => (example.index = i));

  function esc(value) {
    return String(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  function firstSeen(values) {
    return [...new Set(values)];
  }

  // --- filters ---------------------------------------------------------------------------------

  function options(pairs, chosen) {
    return pairs
      .map(([value, text]) => `<option value="${esc(value)}"${value === chosen ? " selected" : ""}>${esc(text)}</option>`)
      .join("");
  }

  function flipOptions() {
    if (baseIndex < 0 || models.length < 2) return null;
    const out = [["", "all examples"], ["any", "flipped, either way"]];
    models.forEach((m, j) => {
      if (j === baseIndex) return;
      out.push([`fixed:${m}`, `fixed by ${m}`]);
      out.push([`broken:${m}`, `broken by ${m}`]);
    });
    return out;
  }

  function buildFilters() {
    const outcomes = firstSeen(examples.flatMap((e) => e.runs.filter((r) => r !== null).map((r) => r.outcome)));
    const parts = [
      ["category", "category", [["", "all"], ...firstSeen(examples.map((e) => e.category)).map((c) => [c, c])]],
    ];
    if (data.grouped) {
      parts.push(["group", "group", [["", "all"], ...firstSeen(examples.map((e) => e.group)).map((g) => [g, g])]]);
    }
    parts.push(["model", "model", [["", "any model"], ...models.map((m) => [m, m])]]);
    parts.push(["verdict", "verdict", [["", "any"], ["right", "right"], ["wrong", "wrong"], ...outcomes.map((o) => [o, o])]]);
    const flips = flipOptions();
    if (flips) parts.push(["flip", "flipped", flips]);
    const html = parts.map(
      ([key, label, pairs]) => `<label>${esc(label)} <select data-filter="${key}">${options(pairs, state[key])}</select></label>`
    );
    html.push(`<label>search <input type="search" data-filter="q" placeholder="id or text" value="${esc(state.q)}"></label>`);
    document.getElementById("filters").innerHTML = html.join("");
    const flip = document.querySelector('[data-filter="flip"]');
    if (flip) flip.title = `right for one model and wrong for the other (${data.baseline} against each)`;
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of Object.keys(state)) state[key] = params.get(key) || "";
    state.q = state.q.toLowerCase();
  }

  function writeHash() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) if (value) params.set(key, value);
    const text = params.toString();
    history.replaceState(null, "", text ? `#${text}` : location.pathname + location.search);
  }

  // --- matching --------------------------------------------------------------------------------

  function hasVerdict(run, verdict) {
    if (run === null) return false;
    if (verdict === "right") return run.ok;
    if (verdict === "wrong") return !run.ok;
    return run.outcome === verdict;
  }

  function flipOf(example, j) {
    const a = example.runs[baseIndex];
    const b = example.runs[j];
    if (a === null || b === null || a.ok === b.ok) return "";
    return b.ok ? "fixed" : "broken";
  }

  function haystack(example) {
    let text = haystacks.get(example);
    if (text === undefined) {
      const pieces = [example.id];
      for (const m of example.prompt || []) pieces.push(m.content || "");
      for (const r of example.runs) if (r !== null) pieces.push(r.text || "", r.reason || "");
      text = pieces.join("\n").toLowerCase();
      haystacks.set(example, text);
    }
    return text;
  }

  function matchesState(example) {
    if (state.category && example.category !== state.category) return false;
    if (state.group && example.group !== state.group) return false;
    const chosen = state.model ? models.indexOf(state.model) : -1;
    if (state.verdict) {
      const runs = chosen >= 0 ? [example.runs[chosen]] : example.runs;
      if (!runs.some((r) => hasVerdict(r, state.verdict))) return false;
    }
    if (state.flip && baseIndex >= 0) {
      if (state.flip === "any") {
        if (!models.some((_, j) => j !== baseIndex && flipOf(example, j) !== "")) return false;
      } else {
        const [kind, name] = [state.flip.slice(0, state.flip.indexOf(":")), state.flip.slice(state.flip.indexOf(":") + 1)];
        if (flipOf(example, models.indexOf(name)) !== kind) return false;
      }
    }
    return !state.q || haystack(example).includes(state.q);
  }

  // --- rendering -------------------------------------------------------------------------------

  function value(v) {
    return esc(JSON.stringify(v));
  }

  function call(c) {
    const args = Object.entries(c.arguments || {}).map(([k, v]) => `${esc(k)}=${value(v)}`);
    return `<code class="call">${esc(c.name)}(${args.join(", ")})</code>`;
  }

  function answer(a) {
    const args = Object.entries(a.arguments || {}).map(
      ([k, vs]) => `${esc(k)}=${vs.map((v) => (v === "" ? "<i>omitted</i>" : value(v))).join(" | ")}`
    );
    return `<code class="call">${esc(a.name)}(${args.join(", ")})</code>`;
  }

  function reference(ref) {
    if (!ref) return "";
    let body;
    if (ref.answers) body = ref.answers.length ? ref.answers.map(answer).join(" ") : "<i>no call</i>";
    else if (ref.calls.length) body = ref.calls.map(call).join(" ");
    else body = `<i>no call</i>${ref.content ? ` <span class="said">${esc(ref.content)}</span>` : ""}`;
    return `<div class="ref"><span class="lbl">reference</span> ${body}</div>`;
  }

  function run(r, j) {
    if (r === null) return `<div class="run"><div class="rh"><b>${esc(models[j])}</b></div><p class="note">not scored</p></div>`;
    const calls = r.calls === undefined ? "" : r.calls.length ? r.calls.map(call).join(" ") : "<i>no call</i>";
    const raw = r.text === undefined ? '<p class="note">no raw output saved</p>' : `<pre class="raw">${esc(r.text)}</pre>`;
    const repairs = r.repairs ? ` <span class="fix">repaired: ${esc(r.repairs.join(", "))}</span>` : "";
    return (
      `<div class="run ${r.ok ? "ok" : "bad"}"><div class="rh"><b>${esc(models[j])}</b> ` +
      `<span class="badge ${r.ok ? "ok" : "bad"}">${esc(r.outcome)}</span>${repairs}</div>` +
      (r.reason ? `<p class="why">${esc(r.reason)}</p>` : "") +
      (calls ? `<div class="calls"><span class="lbl">read</span> ${calls}</div>` : "") +
      raw +
      "</div>"
    );
  }

  function card(example) {
    const badges = example.runs
      .map((r, j) => (r === null ? "" : `<span class="badge ${r.ok ? "ok" : "bad"}">${esc(models[j])}: ${esc(r.outcome)}</span>`))
      .join("");
    const flips =
      baseIndex < 0
        ? ""
        : models
            .map((m, j) => {
              const kind = j === baseIndex ? "" : flipOf(example, j);
              return kind ? `<span class="flip ${kind}">${kind} by ${esc(m)}</span>` : "";
            })
            .join("");
    const group = example.group === undefined ? "" : `<span class="chip group">${esc(example.group)}</span>`;
    const prompt = example.prompt
      ? `<details class="prompt"><summary>prompt: ${example.tools.length} tool(s), ${example.prompt.length} message(s)</summary></details>`
      : "";
    return (
      `<article class="example" data-id="${esc(example.id)}" data-index="${example.index}">` +
      `<header><code class="id">${esc(example.id)}</code><span class="chip">${esc(example.category)}</span>${group}${badges}${flips}</header>` +
      prompt +
      reference(example.reference) +
      `<div class="runs" style="grid-template-columns:repeat(${models.length},minmax(0,1fr))">${example.runs.map(run).join("")}</div>` +
      "</article>"
    );
  }

  function promptBody(example) {
    const tools = example.tools
      .map((i) => data.tools[i])
      .map((t) => `<div class="tool"><b>${esc(t.name)}</b> ${esc(t.description || "")}<pre>${esc(JSON.stringify(t.parameters, null, 1))}</pre></div>`)
      .join("");
    const messages = example.prompt
      .map((m) => {
        const calls = m.tool_calls ? m.tool_calls.map(call).join(" ") : "";
        const thought = m.reasoning ? `<p class="said think">${esc(m.reasoning)}</p>` : "";
        return `<div class="msg ${esc(m.role)}"><span class="lbl">${esc(m.role)}${m.name ? ` · ${esc(m.name)}` : ""}</span>${thought}<p class="said">${esc(m.content || "")}</p>${calls}</div>`;
      })
      .join("");
    return `<div class="tools"><span class="lbl">tools</span>${tools}</div><div class="conversation">${messages}</div>`;
  }

  function showMore() {
    const next = matches.slice(shown, shown + PAGE);
    list.insertAdjacentHTML("beforeend", next.map(card).join(""));
    shown += next.length;
    moreButton.hidden = shown >= matches.length;
    moreButton.textContent = `show ${Math.min(PAGE, matches.length - shown)} more`;
    count.textContent = `${matches.length} of ${examples.length} examples match; showing ${shown}.`;
  }

  function apply() {
    matches = examples.filter(matchesState);
    shown = 0;
    list.textContent = "";
    showMore();
    writeHash();
  }

  function markReady() {
    root.dataset.ready = "1";
    performance.mark("fncall-ready");
  }

  readHash();
  buildFilters();
  document.getElementById("filters").addEventListener("input", (event) => {
    const key = event.target.dataset.filter;
    if (!key) return;
    state[key] = key === "q" ? event.target.value.trim().toLowerCase() : event.target.value;
    apply();
  });
  list.addEventListener(
    "toggle",
    (event) => {
      const details = event.target;
      if (!details.classList.contains("prompt") || !details.open || details.dataset.filled) return;
      const example = examples[Number(details.closest(".example").dataset.index)];
      details.insertAdjacentHTML("beforeend", promptBody(example));
      details.dataset.filled = "1";
    },
    true
  );
  moreButton.addEventListener("click", showMore);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && !moreButton.hidden && showMore()).observe(moreButton);
  }
  window.addEventListener("hashchange", () => {
    readHash();
    buildFilters();
    apply();
  });
  apply();
  markReady();
})();
