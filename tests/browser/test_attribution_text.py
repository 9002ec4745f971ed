"""AttributionText exported with ``save_html`` and opened from ``file://`` with the network blocked.

Built from hand-made :class:`~interpwidgets.Attribution` objects, so every expected colour,
rank, badge and τ is known here: colours are the text scale's colour of the score on the
shared scale (max |score| over the drawn tokens of every row; RdBu_r as far as the one dark
ink keeps 4.6:1, every piece of a word in that one ink), the target selector and the word
toggle recolour without a kernel, the Integrated Gradients Δ badge warns past 5%, hovering
shows score and rank and outlines the token in every row, the τ matrix prints Kendall τ,
CJK text keeps its colours in place and hostile text stays text. Every test also fails on
any console error, page error, dialog or request (see ``conftest.py``).
"""

from __future__ import annotations

import re
from itertools import combinations

import numpy as np
import pytest
from iwpage import _contrast, bg_rgb, close_rgb, expected_rgb, expected_text_rgb, parse_rgb
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROOT = ".iw-root.iw-attribution-text"
MINUS = "\u2212"


def tokenize(text: str, split: dict[str, list[str]] | None = None):
    """[CLS] + one token per word/punctuation mark (some words split in pieces) + [SEP]."""
    split = split or {}
    tokens, offsets = ["[CLS]"], [(0, 0)]
    for m in re.finditer(r"\w+|[^\w\s]", text):
        s = m.start()
        for piece in split.get(m.group(), [m.group()]):
            tokens.append(piece)
            offsets.append((s, s + len(piece)))
            s += len(piece)
    tokens.append("[SEP]")
    offsets.append((0, 0))
    return tokens, np.array(offsets)


def make(
    iw, text, tokens, offsets, methods, labels=("negative", "positive"), target=1, deltas=None
):
    """One Attribution per method; ``methods`` maps method → scores ``(n_classes, n_tokens)``."""
    deltas = deltas or {}
    probs = np.linspace(0.2, 0.8, len(labels)).astype(np.float32)
    probs /= probs.sum()
    out = []
    for method, scores in methods.items():
        scores = np.asarray(scores, dtype=np.float32)
        d = deltas.get(method)
        out.append(
            iw.Attribution(
                text=text,
                tokens=list(tokens),
                offsets=offsets,
                scores=scores[target],
                target=target,
                labels=list(labels),
                probs=probs,
                method=method,
                delta=None if d is None else d[target],
                all_scores={c: scores[c] for c in range(len(labels))},
                all_deltas={} if d is None else {c: d[c] for c in range(len(labels))},
            )
        )
    return out


@pytest.fixture
def open_widget(iw, tmp_path, page):
    """``open_widget(attributions, **kwargs)`` → the root locator of the exported, drawn widget."""

    def go(attributions, name="attr", **kwargs):
        kwargs.setdefault(
            "scale", "shared"
        )  # these tests check the shared scale unless they say otherwise
        w = iw.AttributionText(attributions, **kwargs)
        path = tmp_path / f"{name}.html"
        w.save_html(path)
        page.goto(path.resolve().as_uri())
        root = page.locator(ROOT)
        expect(root).to_have_attribute(
            "data-rendered", re.compile(r"^\d+:(token|word):(shared|row)$")
        )
        return root

    return go


def colours(root, method):
    """token index → (r, g, b) of every drawn token of one row."""
    rows = root.locator(f'.iw-attr-row[data-method="{method}"]').evaluate(
        """el => Array.from(el.querySelectorAll('span.iw-tok'), s =>
            [Number(s.dataset.i), getComputedStyle(s).backgroundColor, s.textContent])"""
    )
    return {i: (parse_rgb(css), text) for i, css, text in rows}


def assert_row(root, method, values, vmax, visible):
    got = colours(root, method)
    bad = []
    for i in visible:
        want = expected_text_rgb(float(values[i]), vmax)
        if not close_rgb(got[i][0], want):
            bad.append(
                f"{method} token {i} {got[i][1]!r} {values[i]:.3f}: got {got[i][0]}, want {want}"
            )
    assert not bad, f"wrong colours (vmax {vmax:.4f}):\n  " + "\n  ".join(bad)


REVIEW = "The acting was superb, but the plot felt painfully slow."
SPLIT = {"painfully": ["pain", "fully"], "superb": ["sup", "erb"]}


def review_scores(n, seed):
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-1, 1, n).astype(np.float32)
    pos[[0, -1]] = 0
    return np.stack([-0.8 * pos, pos])


def test_colours_target_switch_and_word_level(iw, open_widget, page):
    tokens, offsets = tokenize(REVIEW, SPLIT)
    n = len(tokens)
    ig = review_scores(n, 1)
    gx = review_scores(n, 2) * 1.7
    ig[:, 0] = 50.0  # [CLS] is not drawn: it must not set the scale
    atts = make(iw, REVIEW, tokens, offsets, {"integrated_gradients": ig, "input_x_gradient": gx})
    root = open_widget(atts)
    expect(root).to_have_attribute("data-rendered", "1:token:shared")
    visible = [i for i in range(n) if offsets[i, 1] > offsets[i, 0]]
    for c in (1, 0):
        if c == 0:
            root.locator("select.iw-attr-target").select_option("0")
            expect(root).to_have_attribute("data-rendered", "0:token:shared")
        vmax = max(np.abs(ig[c, visible]).max(), np.abs(gx[c, visible]).max())
        assert_row(root, "integrated_gradients", ig[c], vmax, visible)
        assert_row(root, "input_x_gradient", gx[c], vmax, visible)
        assert root.locator(".iw-attr-legend-max").text_content() == f"+{float(f'{vmax:.2g}'):g}"
        assert root.locator(".iw-attr-legend-min").text_content().startswith(MINUS)

    # Word level: every token of a word has the word's colour (sum of its tokens' scores).
    root.locator('button.iw-attr-level[data-level="word"]').click()
    expect(root).to_have_attribute("data-rendered", "0:word:shared")
    spans, of_token, word_ig = atts[0].words("sum")
    _, _, word_gx = atts[1].words("sum")
    vmax = max(np.abs(word_ig[0]).max(), np.abs(word_gx[0]).max())
    got = colours(root, "integrated_gradients")
    for w in range(len(spans)):
        members = [i for i in visible if of_token[i] == w]
        want = expected_text_rgb(float(word_ig[0][w]), vmax)
        for i in members:
            assert close_rgb(got[i][0], want), f"word {w} token {i}: got {got[i][0]}, want {want}"
    pain = tokens.index("pain")
    assert got[pain][0] == got[pain + 1][0]  # "pain" + "fully" share the word colour

    # Per-row scale: each row its own max.
    root.locator('button.iw-attr-scale[data-scale="row"]').click()
    expect(root).to_have_attribute("data-rendered", "0:word:row")
    got = colours(root, "input_x_gradient")
    own = np.abs(word_gx[0]).max()
    for i in visible:
        assert close_rgb(got[i][0], expected_text_rgb(float(word_gx[0][of_token[i]]), own))


def test_delta_badge_and_hover(iw, open_widget, page):
    tokens, offsets = tokenize(REVIEW, SPLIT)
    n = len(tokens)
    ig = review_scores(n, 3)
    gx = review_scores(n, 4)
    total = abs(float(ig[1, 1:-1].sum()))
    # class 1: Δ is 0.3% of |Σ scores| (fine); class 0: 40% (warning).
    deltas = {"integrated_gradients": [0.4 * abs(float(ig[0, 1:-1].sum())), 0.003 * total]}
    atts = make(
        iw,
        REVIEW,
        tokens,
        offsets,
        {"integrated_gradients": ig, "input_x_gradient": gx},
        deltas=deltas,
    )
    root = open_widget(atts)
    badge = root.locator('.iw-attr-row[data-method="integrated_gradients"] .iw-attr-delta')
    expect(badge).to_be_visible()
    expect(badge).to_have_text(re.compile(r"^\u0394 [\d.e\u2212]+ \(0\.3%\)$"))
    expect(badge).not_to_have_class(re.compile("iw-attr-delta-warn"))
    muted = parse_rgb(badge.evaluate("el => getComputedStyle(el).color"))
    expect(
        root.locator('.iw-attr-row[data-method="input_x_gradient"] .iw-attr-delta')
    ).to_be_hidden()

    badge.hover()
    tip = page.locator(".iw-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(
        "Integrated Gradients' scores should add up to f(x) \u2212 f(baseline); \u0394 is the difference"
    )

    root.locator("select.iw-attr-target").select_option("0")
    expect(root).to_have_attribute("data-rendered", "0:token:shared")
    expect(badge).to_have_text(re.compile(r"\(40%\)$"))
    expect(badge).to_have_class(re.compile("iw-attr-delta-warn"))
    warn = parse_rgb(badge.evaluate("el => getComputedStyle(el).color"))
    r, g, b = warn
    assert r > g > b and r - b > 80, f"warning badge should be amber/red, got rgb{warn}"
    assert warn != muted
    assert bg_rgb(badge) != (255, 255, 255)

    # Hover a token: score and rank (by |score| among drawn tokens) for the target, and the
    # same token outlined in both rows.
    visible = list(range(1, n - 1))
    vals = ig[0]
    order = sorted(visible, key=lambda i: -abs(vals[i]))
    i = order[1]
    root.locator(f'.iw-attr-row[data-method="integrated_gradients"] .iw-tok[data-i="{i}"]').hover()
    expect(tip).to_contain_text(f"rank 2 of {len(visible)} by |score|")
    score = f"{float(f'{vals[i]:.4g}'):g}".replace("-", MINUS)
    expect(tip).to_contain_text(f"score {'+' if vals[i] > 0 else ''}{score}")
    expect(tip).to_contain_text(f"token {i}")
    lit = root.locator(".iw-tok.iw-attr-hl")
    expect(lit).to_have_count(2)
    assert lit.evaluate_all("els => els.map(e => e.dataset.i)") == [str(i), str(i)]


def kendall(a, b):
    """τ-a (= τ-b without ties) by counting pairs."""
    s = 0
    pairs = list(combinations(range(len(a)), 2))
    for i, j in pairs:
        s += np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
    return s / len(pairs)


PRGN = ["#762a83", "#af8dc3", "#e7d4e8", "#f7f7f7", "#d9f0d3", "#7fbf7b", "#1b7837"]


def prgn(v: float) -> tuple[int, int, int]:
    """ColorBrewer's PRGn over [−1, 1], linear between its 7 stops."""
    t = (min(1.0, max(-1.0, v)) + 1) / 2 * (len(PRGN) - 1)
    k = min(len(PRGN) - 2, int(t))
    f = t - k
    a, b = (tuple(int(h[i : i + 2], 16) for i in (1, 3, 5)) for h in PRGN[k : k + 2])
    return tuple(round(a[i] + (b[i] - a[i]) * f) for i in range(3))


def test_tau_matrix_three_methods(iw, open_widget, page):
    tokens, offsets = tokenize(REVIEW, SPLIT)
    n = len(tokens)
    base = review_scores(n, 5)
    rng = np.random.default_rng(6)
    methods = {
        "integrated_gradients": base,
        "input_x_gradient": base + rng.normal(0, 0.3, base.shape).astype(np.float32),
        "attention": np.abs(rng.normal(0, 1, base.shape)).astype(np.float32),
    }
    for s in methods.values():
        s[:, [0, -1]] = 0
    atts = make(iw, REVIEW, tokens, offsets, methods)
    root = open_widget(atts)
    table = root.locator("table.iw-attr-tau")
    expect(table).to_be_visible()
    names = list(methods)
    labels = [a.label for a in atts]
    methods_rows = "tbody tr:not(.iw-attr-tau-random)"
    assert table.locator(f"{methods_rows} th.iw-attr-tau-row").all_text_contents() == labels
    cells = table.locator(f"{methods_rows} td.iw-attr-tau-cell")
    expect(cells).to_have_count(9)
    texts = cells.all_text_contents()
    keep = slice(1, n - 1)
    for a in range(3):
        for b in range(3):
            # τ of the importance rankings, |score| (Jain & Wallace 2019)
            want = kendall(np.abs(methods[names[a]][1, keep]), np.abs(methods[names[b]][1, keep]))
            assert texts[3 * a + b] == f"{want:.2f}".replace("-", MINUS), (a, b, texts)
    cells.nth(1).hover()
    tip = page.locator(".iw-tooltip")
    expect(tip).to_contain_text(
        f"Kendall \u03c4 between the token rankings of {labels[0]} and {labels[1]}"
    )
    # Off-diagonal cells carry the colour of τ on its own diverging scale over [−1, 1]
    # (ColorBrewer PRGn: purple −1, white 0, green +1), not the attributions' red / blue.
    t01 = kendall(np.abs(methods[names[0]][1, keep]), np.abs(methods[names[1]][1, keep]))
    assert close_rgb(bg_rgb(cells.nth(1)), prgn(t01))
    assert not close_rgb(bg_rgb(cells.nth(1)), expected_rgb(t01, 1.0)) or abs(t01) < 0.1
    # The random row: each method's τ with 20 seeded random rankings, mean ± SE over draws.
    from interpwidgets.evaluation import random_agreement

    random = table.locator("tr.iw-attr-tau-random")
    expect(random.locator("th")).to_have_text("random (20 draws)")
    want = random_agreement(atts, target=1, draws=20, seed=0)
    got = random.locator("td.iw-attr-tau-cell").all_text_contents()
    assert got == [
        f"{m:.2f}".replace("-", MINUS).replace(f"{MINUS}0.00", "0.00") + f" \u00b1 {se:.2f}"
        for m, se in want
    ], got
    random.locator("td.iw-attr-tau-cell").nth(2).hover()
    expect(tip).to_contain_text(f"between {labels[2]} and random token rankings")
    expect(root.locator(".iw-attr-scale-field")).to_be_visible()


def test_cjk_emoji_newlines_line_up(iw, open_widget, page):
    text = "映画は最高!\n🙂 good\tfun"
    tokens = ["[CLS]", "映", "画", "は", "最高", "!", "🙂", "good", "fun", "[SEP]"]
    offsets = np.array(
        [(0, 0), (0, 1), (1, 2), (2, 3), (3, 5), (5, 6), (7, 8), (9, 13), (14, 17), (0, 0)]
    )
    n = len(tokens)
    sc = np.zeros((2, n), np.float32)
    sc[1, 1:-1] = [0.1, -0.2, 0.3, 0.9, -0.5, 0.4, 0.7, -0.6]
    sc[0] = -sc[1]
    # a signed method: saliency (‖gradient‖) has no sign and is drawn on the sequential scale
    root = open_widget(make(iw, text, tokens, offsets, {"input_x_gradient": sc}))
    body = root.locator(".iw-attr-text")
    assert body.evaluate("el => el.textContent") == text
    got = colours(root, "input_x_gradient")
    for i in range(1, n - 1):
        s, e = offsets[i]
        assert got[i][1] == text[s:e], (i, got[i][1])
        assert close_rgb(got[i][0], expected_text_rgb(float(sc[1, i]), 0.9)), (i, tokens[i])
    # one row: no scale toggle and no τ matrix
    expect(root.locator(".iw-attr-scale-field")).to_be_hidden()
    expect(root.locator(".iw-attr-compare")).to_be_hidden()


def test_hostile_text_and_labels_stay_text(iw, open_widget, page):
    text = "<img src=x onerror=alert(1)> was great"
    tokens, offsets = tokenize(text)
    n = len(tokens)
    sc = np.stack([np.linspace(-1, 1, n), np.linspace(1, -1, n)]).astype(np.float32)
    labels = ["<b>neg</b>", "<img src=x onerror=alert(2)>"]
    root = open_widget(
        make(iw, text, tokens, offsets, {"saliency": sc, "input_x_gradient": -sc}, labels=labels)
    )
    assert root.locator("img, b, script").count() == 0
    assert page.locator("img").count() == 0
    for body in root.locator(".iw-attr-text").all():
        assert body.evaluate("el => el.textContent") == text
    options = root.locator("select.iw-attr-target option").all_text_contents()
    assert options[0].startswith("<b>neg</b> (")
    assert options[1].startswith("<img src=x onerror=alert(2)> (")
    root.locator("select.iw-attr-target").select_option("0")
    expect(root).to_have_attribute("data-rendered", "0:token:shared")
    expect(root.locator(".iw-attr-compare-caption")).to_contain_text("<b>neg</b>")
    root.locator('.iw-tok[data-i="1"]').first.hover()
    expect(page.locator(".iw-tooltip")).to_contain_text("target <b>neg</b>")


def test_word_level_splits_a_chinese_clause_per_character(iw, open_widget, page):
    """A clause of Chinese (no spaces) is not one "word": at word level each character keeps
    its own colour, as its own word (issue 18 item 16)."""
    text = "这部电影很好看。"
    tokens = ["[CLS]", *text, "[SEP]"]
    offsets = np.array([(0, 0), *[(i, i + 1) for i in range(len(text))], (0, 0)])
    n = len(tokens)
    scores = np.zeros((2, n), np.float32)
    scores[1, 1:-1] = np.linspace(-1, 1, len(text))
    scores[0] = -scores[1]
    atts = make(iw, text, tokens, offsets, {"integrated_gradients": scores})
    root = open_widget(atts)
    root.locator('button.iw-attr-level[data-level="word"]').click()
    expect(root).to_have_attribute("data-rendered", "1:word:shared")
    got = colours(root, "integrated_gradients")
    shades = {got[i][0] for i in range(1, n - 1)}
    assert len(shades) >= len(text) - 1, shades  # not one colour for the whole clause


INK_OF_PIECES = """(root) => Array.from(root.querySelectorAll('.iw-attr-row'), row => [
    row.dataset.method,
    Array.from(row.querySelectorAll('span.iw-tok'), s => [
        Number(s.dataset.i), getComputedStyle(s).color, getComputedStyle(s).backgroundColor]),
])"""


def test_one_ink_for_every_piece_of_a_word(iw, open_widget, page):
    """The pieces of a split word ("sup|erb", "pain|fully") keep one ink at every shade — pale
    next to the strongest, signed and unsigned rows, light and dark theme — each at ≥ 4.5:1
    on its shade: no word changes colour half-way ("ValueE|rror")."""
    from test_theme import go_dark

    tokens, offsets = tokenize(REVIEW, SPLIT)
    n = len(tokens)
    sup, pain = tokens.index("sup"), tokens.index("pain")
    steps = np.array([0.02, 0.3, 0.55, 0.8, 1.0], np.float32)
    sc = np.zeros((len(steps), n), np.float32)
    for c in range(len(steps)):
        sc[c, [sup, sup + 1, pain, pain + 1]] = [steps[c], -steps[-1 - c], -steps[c], steps[-1 - c]]
        sc[c, tokens.index("slow")] = 1.0  # the scale is ±1 for every target
    labels = [f"class {c}" for c in range(len(steps))]
    atts = make(
        iw,
        REVIEW,
        tokens,
        offsets,
        {"integrated_gradients": sc, "saliency": np.abs(sc)},
        labels=labels,
    )
    root = open_widget(atts)
    checked = 0
    for theme in ("light", "dark"):
        if theme == "dark":
            go_dark(page)
            expect(root).to_have_attribute("data-theme", "dark", timeout=5_000)
        inks = set()
        for c in range(len(steps)):
            root.locator("select.iw-attr-target").select_option(str(c))
            expect(root).to_have_attribute("data-rendered", f"{c}:token:shared")
            for method, spans in root.evaluate(INK_OF_PIECES):
                got = {i: (parse_rgb(fg), parse_rgb(bg)) for i, fg, bg in spans}
                for first in (sup, pain):
                    (ink_a, bg_a), (ink_b, bg_b) = got[first], got[first + 1]
                    assert ink_a == ink_b, (theme, c, method, tokens[first], ink_a, ink_b)
                    for ink, bg in ((ink_a, bg_a), (ink_b, bg_b)):
                        assert _contrast([v / 255 for v in ink], [v / 255 for v in bg]) >= 4.5, (
                            theme,
                            c,
                            method,
                            ink,
                            bg,
                        )
                        checked += 1
                inks |= {fg for fg, _ in got.values()}
        assert len(inks) == 1, (theme, inks)  # one ink for every token of every row
        want = (17, 17, 17) if theme == "light" else (238, 238, 238)
        assert inks == {want}, (theme, inks)
    assert checked == 2 * len(steps) * 2 * 2 * 2
