"""Hostile text in every widget and every export, opened offline in Chromium.

XSS payloads go through the text, token strings, layer names, prediction tokens, group names,
class labels and titles of NeuronText, NeuronExplorer, AttentionView (tokens, groups),
AttributionText, and the pages ``head_view`` / ``model_view`` return with
``html_action="return"``. Each page is compared with the same widget built from harmless
strings of the same shape: after the same interactions (hover, view tabs, selects) it must
hold exactly as many ``img``/``script``/``svg``/``style``/``a``/… elements, no element may
carry an ``on*`` handler or a ``javascript:`` URL, and every payload must be visible as text.
The fixtures (``conftest.py``) fail the test on any dialog (``alert``), console error, page
error or request.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "{{constructor.constructor('alert(1)')()}}",
    "<style>*{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "\u2028\u2029",
    "<!--",
    "]]>",
]
#: Harmless strings of the same count, for the baseline page.
BENIGN = [f"word{i}" for i in range(len(PAYLOADS))]
#: Payloads a person can read in the DOM as they are (the line separators are invisible).
VISIBLE = [p for p in PAYLOADS if p.strip()]
DANGER = (
    "img, script, svg, style, a, iframe, object, embed, link, meta, form, math, b, base, "
    "video, audio, template, noscript"
)
HOSTILE_TOKEN = 0  # index of "<img src=x onerror=alert(1)>"

CENSUS_JS = """([root, danger]) => {
    const r = document.querySelector(root);
    const count = (scope) => {
        const out = {};
        for (const e of scope.querySelectorAll(danger)) {
            const t = e.tagName.toLowerCase();
            out[t] = (out[t] || 0) + 1;
        }
        return out;
    };
    const bad = [];
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) {
            const v = a.value.trim().toLowerCase();
            if (a.name.startsWith('on') ||
                (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) &&
                 (v.startsWith('javascript:') || v === 'x'))) {
                bad.push(`<${e.tagName.toLowerCase()} ${a.name}="${a.value}">`);
            }
        }
    }
    return {root: count(r), doc: count(document), bad,
            hidden: getComputedStyle(document.body).display === 'none'};
}"""


def census(page, root: str) -> dict:
    return page.evaluate(CENSUS_JS, [root, DANGER])


def text_of(locator) -> str:
    return locator.evaluate("el => el.textContent")


def open_page(page, path: Path, root: str, rendered: str, pattern: str = r".+"):
    page.goto(path.resolve().as_uri())
    loc = page.locator(root)
    expect(loc).to_have_attribute(rendered, re.compile(pattern), timeout=30_000)
    return loc


def compare(page, tmp_path, name, build, root, rendered, interact, pattern=r".+"):
    """Export ``build(BENIGN)`` and ``build(PAYLOADS)``, run ``interact`` on each, compare."""
    seen = {}
    for kind, strings in (("benign", BENIGN), ("hostile", PAYLOADS)):
        path = tmp_path / f"{name}_{kind}.html"
        page_or_html = build(strings)
        if isinstance(page_or_html, str):
            path.write_text(page_or_html, encoding="utf-8")
        else:
            page_or_html.save_html(path)
        loc = open_page(page, path, root, rendered, pattern)
        interact(page, loc, strings)
        seen[kind] = census(page, root)
        seen[kind]["text"] = text_of(loc)
        seen[kind]["loc"] = loc
    hostile, benign = seen["hostile"], seen["benign"]
    assert hostile["bad"] == [], f"injected handlers / URLs: {hostile['bad']}"
    assert not hostile["hidden"], "an injected stylesheet hid the page"
    assert hostile["root"] == benign["root"], (
        f"elements inside the widget differ from the harmless page: {hostile['root']} vs {benign['root']}"
    )
    assert hostile["doc"] == benign["doc"], (
        f"elements in the page differ from the harmless page: {hostile['doc']} vs {benign['doc']}"
    )
    return hostile["loc"], hostile["text"]


def assert_all_visible(text: str, payloads=VISIBLE, where="the widget"):
    missing = [p for p in payloads if p not in text]
    assert not missing, f"payloads not shown as text in {where}: {missing}"


def joined(strings) -> tuple[str, list[tuple[int, int]]]:
    """The strings joined by spaces, and the offsets of each."""
    text, offsets = "", []
    for s in strings:
        if text:
            text += " "
        offsets.append((len(text), len(text) + len(s)))
        text += s
    return text, offsets


# -- NeuronText ------------------------------------------------------------------------------


def test_neuron_text(iw, page, tmp_path):
    root = ".iw-root.iw-neuron-text"

    def build(strings):
        text, offsets = joined(strings)
        n = len(strings)
        arrays = {
            s: np.linspace(-1, 1, n, dtype=np.float32)[:, None] * (i + 1)
            for i, s in enumerate(strings)
        }
        tr = iw.Trace.from_arrays(text, arrays, tokens=list(strings), offsets=offsets)
        return iw.NeuronText(tr, layer=strings[1], title=strings[2] + " " + strings[7])

    def interact(page, loc, strings):
        tok = loc.locator(f'span.iw-tok[data-i="{HOSTILE_TOKEN}"]')
        tok.hover()
        tip = page.locator(".iw-tooltip")
        expect(tip).to_be_visible()
        assert strings[HOSTILE_TOKEN] in text_of(tip).replace("\u2423", " ")

    loc, text = compare(
        page, tmp_path, "neuron_text", build, root, "data-rendered-neuron", interact, r"^\d+$"
    )
    body, _ = joined(PAYLOADS)
    assert text_of(loc.locator(".iw-text")) == body
    got = loc.locator("span.iw-tok").evaluate_all("els => els.map(e => e.textContent)")
    assert got == PAYLOADS
    options = loc.locator("select.iw-layer option").all_text_contents()
    for p in VISIBLE:
        assert any(p in o for o in options), (p, options)
    assert_all_visible(text)


# -- NeuronExplorer --------------------------------------------------------------------------


def test_neuron_explorer(iw, page, tmp_path):
    root = ".iw-root.iw-neuron-explorer"

    def build(strings):
        text, offsets = joined(strings)
        n = len(strings)
        rng = np.random.default_rng(0)
        arrays = {s: rng.normal(size=(n, 3)).astype(np.float32) for s in strings}
        k = 5
        preds = {
            "tokens": [[strings[(i + j) % n] for j in range(k)] for i in range(n)],
            "probs": np.tile(np.linspace(0.5, 0.1, k, dtype=np.float32), (n, 1)),
        }
        tr = iw.Trace.from_arrays(
            text, arrays, tokens=list(strings), offsets=offsets, predictions=preds
        )
        return iw.NeuronExplorer(tr, layer=strings[3], title=strings[4])

    def interact(page, loc, strings):
        expect(page.locator(f"{root} canvas.iw-heatmap")).to_have_attribute(
            "data-drawn", re.compile(".+")
        )
        loc.locator(f'span.iw-tok[data-i="{HOSTILE_TOKEN}"]').hover()
        chips = loc.locator(".iw-predictions span.iw-pred")
        expect(chips).to_have_count(5)
        shown = " ".join(chips.all_text_contents()).replace("\u2423", " ")
        for p in strings[:5]:
            if p.strip():
                assert p in shown or p.replace("\u2028", "") in shown, (p, shown)
        loc.locator("select.iw-feature").select_option("column")
        expect(loc.locator("tr.iw-rank-row").first).to_be_visible()

    loc, text = compare(
        page, tmp_path, "neuron_explorer", build, root, "data-rendered-neuron", interact, r"^\d+$"
    )
    ranked = " ".join(loc.locator("tr.iw-rank-row").all_text_contents())
    assert any(p in ranked for p in VISIBLE), ranked
    assert_all_visible(text + " ".join(loc.locator("select.iw-layer option").all_text_contents()))


# -- AttentionView, head_view, model_view -----------------------------------------------------

ATTN_ROOT = ".iw-root.iw-attention-view"
VIEWS = ("model", "matrix", "summary", "rollout", "head")


def _attention(n: int, layers: int = 2, heads: int = 2) -> np.ndarray:
    a = np.random.default_rng(1).random((layers, heads, n, n)).astype(np.float32)
    return a / a.sum(-1, keepdims=True)


def _attention_interact(page, loc, strings):
    for view in VIEWS:
        tab = loc.locator(f'button.iw-attn-tab[data-view="{view}"]')
        if tab.count() and tab.is_visible():
            tab.click()
            expect(loc).to_have_attribute("data-rendered", re.compile(rf"^{view}:"))
    tok = loc.locator(f'.iw-attn-col-q span.iw-attn-tok[data-i="{HOSTILE_TOKEN}"]')
    tok.hover()
    tip = page.locator(".iw-tooltip")
    if tip.count() and tip.first.is_visible():
        assert strings[HOSTILE_TOKEN] in text_of(tip.first).replace("\u2423", " ")


def _check_attention_tokens(loc):
    got = loc.locator(".iw-attn-col-q span.iw-attn-tok").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert got == PAYLOADS, got


def test_attention_view_tokens_and_title(iw, page, tmp_path):
    def build(strings):
        text, offsets = joined(strings)
        tr = iw.Trace.from_arrays(
            text,
            {"x": np.zeros((len(strings), 1))},
            tokens=list(strings),
            offsets=offsets,
            attention=_attention(len(strings)),
        )
        return iw.AttentionView(tr, title=" ".join(strings[:3]))

    loc, text = compare(
        page, tmp_path, "attention", build, ATTN_ROOT, "data-rendered", _attention_interact
    )
    _check_attention_tokens(loc)
    assert_all_visible(text)


def test_attention_view_group_names(iw, page, tmp_path):
    def build(strings):
        n = 3
        groups = [
            {
                "name": s,
                "attention": _attention(n, 1, 2),
                "tokens": list(strings[i % 10 : i % 10 + n]),
            }
            for i, s in enumerate(strings)
        ]
        return iw.AttentionView(groups=groups, title=strings[5])

    def interact(page, loc, strings):
        select = loc.locator("select.iw-attn-group")
        expect(select).to_be_visible()
        select.select_option(str(len(strings) - 1))
        expect(loc).to_have_attribute("data-rendered", re.compile(r"^head:"))
        _attention_interact(page, loc, strings)

    loc, text = compare(
        page, tmp_path, "attention_groups", build, ATTN_ROOT, "data-rendered", interact
    )
    options = loc.locator("select.iw-attn-group option").all_text_contents()
    for p in VISIBLE:
        assert any(p in o for o in options), (p, options)


@pytest.mark.parametrize("fn", ["head_view", "model_view"])
def test_dropin_return_page(iw, page, tmp_path, fn):
    import torch

    def build(strings):
        a = torch.tensor(_attention(len(strings)))
        attention = tuple(a[i][None] for i in range(a.shape[0]))
        out = getattr(iw, fn)(attention, list(strings), html_action="return")
        return out.data

    loc, text = compare(page, tmp_path, fn, build, ATTN_ROOT, "data-rendered", _attention_interact)
    _check_attention_tokens(loc)
    assert_all_visible(text)


# -- AttributionText --------------------------------------------------------------------------


def test_attribution_text(iw, page, tmp_path):
    root = ".iw-root.iw-attribution-text"

    def build(strings):
        text, offsets = joined(strings)
        n = len(strings)
        tokens = ["[CLS]", *strings, "[SEP]"]
        offs = np.array([(0, 0), *offsets, (0, 0)])
        labels = list(strings)
        probs = np.full(len(labels), 1 / len(labels), np.float32)
        rows = []
        for m, method in enumerate(("saliency", "integrated_gradients")):
            scores = {
                c: np.r_[0, np.linspace(-1, 1, n) * (-1) ** (c + m), 0].astype(np.float32)
                for c in range(len(labels))
            }
            rows.append(
                iw.Attribution(
                    text=text,
                    tokens=tokens,
                    offsets=offs,
                    scores=scores[1],
                    target=1,
                    labels=labels,
                    probs=probs,
                    method=method,
                    all_scores=scores,
                    delta=0.01 if method == "integrated_gradients" else None,
                    all_deltas={c: 0.01 for c in scores}
                    if method == "integrated_gradients"
                    else {},
                )
            )
        return iw.AttributionText(rows, title=strings[6] + strings[8])

    def interact(page, loc, strings):
        loc.locator(f'.iw-tok[data-i="{HOSTILE_TOKEN + 1}"]').first.hover()
        tip = page.locator(".iw-tooltip")
        expect(tip.first).to_be_visible()
        assert strings[HOSTILE_TOKEN] in text_of(tip.first).replace("\u2423", " ")
        select = loc.locator("select.iw-attr-target")
        select.select_option("0")
        expect(loc).to_have_attribute("data-rendered", re.compile(r"^0:"))

    loc, text = compare(page, tmp_path, "attribution", build, root, "data-rendered", interact)
    body, _ = joined(PAYLOADS)
    for row in loc.locator(".iw-attr-text").all():
        assert text_of(row) == body
    options = loc.locator("select.iw-attr-target option").all_text_contents()
    for p in VISIBLE:
        assert any(p in o for o in options), (p, options)
    assert_all_visible(text)


# -- offsets out of order, overlapping, duplicated (issue 16 item 3) --------------------------


def _odd_offsets_trace(iw):
    """Byte-level BPE's pieces of one emoji share its offsets; one token backwards; overlaps."""
    text = "a🙂b cd ef"
    tokens = ["a", "\u0120\u00f0\u0141", "\u013a\u0124", "b", " cd", "a", "cd e", "ef"]
    offsets = [(0, 1), (1, 2), (1, 2), (2, 3), (3, 6), (0, 1), (4, 8), (7, 9)]
    n = len(tokens)
    return iw.Trace.from_arrays(
        text, {"h": np.linspace(-1, 1, n, dtype=np.float32)}, tokens=tokens, offsets=offsets
    )


@pytest.mark.parametrize("widget", ["NeuronText", "AttributionText"])
def test_every_token_is_drawn_whatever_its_offsets(iw, page, tmp_path, widget):
    tr = _odd_offsets_trace(iw)
    n = len(tr.tokens)
    if widget == "NeuronText":
        w, root, rendered = iw.NeuronText(tr), ".iw-root.iw-neuron-text", "data-rendered-neuron"
    else:
        a = iw.Attribution(
            text=tr.text,
            tokens=tr.tokens,
            offsets=tr.offsets,
            scores=np.linspace(-1, 1, n, dtype=np.float32),
            target=0,
            labels=["x", "y"],
            probs=np.array([0.5, 0.5], np.float32),
            method="saliency",
        )
        w, root, rendered = iw.AttributionText(a), ".iw-root.iw-attribution-text", "data-rendered"
    path = tmp_path / f"{widget}.html"
    w.save_html(path)
    loc = open_page(page, path, root, rendered)
    text_el = loc.locator(".iw-text" if widget == "NeuronText" else ".iw-attr-text").first
    assert text_of(text_el) == tr.text  # the text itself is shown once, unchanged
    drawn = text_el.locator(".iw-tok").evaluate_all(
        "els => els.map(e => [Number(e.dataset.i), e.getBoundingClientRect().width])"
    )
    assert sorted(i for i, _ in drawn) == list(range(n)), drawn
    assert all(wd > 0 for _, wd in drawn), drawn
    text_el.locator('.iw-tok[data-i="2"]').hover()  # the second piece of the emoji
    tip = page.locator(".iw-tooltip").first
    expect(tip).to_be_visible()
    page.screenshot(path=str(tmp_path / f"{widget}.png"))


# -- CSP: forms and <base> are refused (issue 16 item 12) --------------------------------------


def test_export_csp_refuses_forms_and_base(iw, page, guard, tmp_path):
    tr = iw.Trace.from_arrays("abc", {"a": np.arange(3.0)})
    path = tmp_path / "csp.html"
    iw.NeuronText(tr).save_html(path)
    open_page(page, path, ".iw-root.iw-neuron-text", "data-rendered-neuron")
    csp = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "form-action 'none'" in csp and "base-uri 'none'" in csp
    guard.expect_errors = True  # the refusals are reported on the console, as they should be
    before = page.evaluate("document.baseURI")
    page.evaluate(
        """() => { const b = document.createElement('base'); b.href = 'https://example.invalid/';
                  document.head.appendChild(b); }"""
    )
    assert page.evaluate("document.baseURI") == before
    page.evaluate(
        """() => { const f = document.createElement('form'); f.action = 'https://example.invalid/x';
                  f.method = 'get'; document.body.appendChild(f); f.submit(); }"""
    )
    page.wait_for_timeout(300)
    assert page.url.startswith("file:")
    assert not [r for r in guard.requests if "example.invalid" in r]
