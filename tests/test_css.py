"""The stylesheets (js/src/**/*.css, built into interpwidgets/static/<widget>.css): the palette
is written once, in js/src/shared/palette.css, and no other sheet writes a colour; no rule is
written twice; each widget ships the shared rules and its own, not another widget's."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "js" / "src"
STATIC = ROOT / "interpwidgets" / "static"
PALETTE = SRC / "shared" / "palette.css"
WIDGETS = (
    "neuron_text",
    "neuron_explorer",
    "neuron_dashboard",
    "attention_view",
    "attribution_text",
    "probe_chart",
    "robustness",
)
# each widget's own class prefix: its rules live only in its own sheet
PREFIX = {
    "neuron_explorer": ("iw-heatmap", "iw-rank", "iw-pred"),
    "neuron_dashboard": ("iw-nd-",),
    "attention_view": ("iw-attn-",),
    "attribution_text": ("iw-attr-row", "iw-attr-tau", "iw-attr-note", "iw-attr-text"),
    "probe_chart": ("iw-probe-plot", "iw-probe-panel", "iw-probe-legend"),
    "robustness": ("iw-rob-",),
}
COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(|"
    r":\s*(?:white|black|red|green|blue|gray|grey|orange|yellow|purple|pink|brown)\b",
    re.IGNORECASE,
)


def rules(css: str, context: str = "") -> list[tuple[str, str, list[str]]]:
    """``(context, selector, declarations)`` of every style rule, inside @media/@container too."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out: list[tuple[str, str, list[str]]] = []
    i = 0
    while i < len(css):
        brace = css.find("{", i)
        if brace < 0:
            break
        prelude = " ".join(css[i:brace].split())
        depth, j = 1, brace + 1
        while depth:
            if j >= len(css):
                raise ValueError(f"unbalanced braces after {prelude!r}")
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        body = css[brace + 1 : j - 1]
        if prelude.startswith("@") and "{" in body:
            out += rules(body, f"{context} {prelude}".strip())
        else:
            decls = [" ".join(d.split()) for d in body.split(";") if d.strip()]
            out.append((context, prelude, decls))
        i = j
    return out


def test_parser_reads_nested_rules():
    css = "/* x { } */ a { color: var(--c); } @media (x) { b { top: 0; left: 1px } } c{}"
    assert rules(css) == [
        ("", "a", ["color: var(--c)"]),
        ("@media (x)", "b", ["top: 0", "left: 1px"]),
        ("", "c", []),
    ]


def sheets() -> list[Path]:
    return sorted(SRC.rglob("*.css"))


def test_no_colour_outside_the_palette():
    assert PALETTE.is_file()
    found = []
    for path in sheets():
        if path == PALETTE:
            continue
        text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        found += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in COLOUR.finditer(text)]
    assert not found, "colours written outside palette.css:\n" + "\n".join(found)


def test_the_check_sees_a_colour():
    assert COLOUR.search(".a { color: #8e24aa; }") and COLOUR.search(
        "b { border: 1px solid rgba(0,0,0,.1) }"
    )
    assert not COLOUR.search(".a { color: var(--iw-fg); background: transparent; }")


def duplicates(css: str) -> list[str]:
    """Rules whose selector and declarations (in one context) are written twice, and
    declarations a selector repeats."""
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    per_selector: dict[tuple[str, str], list[str]] = {}
    dup = []
    for context, selector, decls in rules(css):
        key = (context, selector, tuple(decls))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            dup.append(f"{context} {selector} {{{'; '.join(decls)}}}".strip())
        have = per_selector.setdefault((context, selector), [])
        dup += [f"{context} {selector}: {d} (again)".strip() for d in decls if d in have]
        have += decls
    return dup


def test_duplicate_check_finds_them():
    assert duplicates("a { top: 0 } b { top: 0 } a { top: 0 }") == [
        "a {top: 0}",
        "a: top: 0 (again)",
    ]
    assert duplicates("a { top: 0 } @media (x) { a { top: 0 } }") == []


@pytest.mark.parametrize("widget", WIDGETS)
def test_built_sheet_has_no_rule_twice_and_only_its_own_rules(widget):
    path = STATIC / f"{widget}.css"
    if not path.is_file():
        pytest.skip("the front-end is not built (cd js && npm run build)")
    css = path.read_text(encoding="utf-8")
    assert duplicates(css) == []
    own = SRC / widget / f"{widget}.css"
    parts = [PALETTE, SRC / "shared" / "style.css"] + ([own] if own.is_file() else [])
    assert css == "\n".join(p.read_text(encoding="utf-8") for p in parts), "stale: npm run build"
    selectors = " ".join(sel for _, sel, _ in rules(css))
    for other, prefixes in PREFIX.items():
        if other == widget:
            continue
        for prefix in prefixes:
            assert prefix not in selectors, f"{widget}.css carries {other}'s rules ({prefix})"


def test_all_widgets_sheet_has_no_rule_twice():
    path = STATIC / "style.css"
    if not path.is_file():
        pytest.skip("the front-end is not built (cd js && npm run build)")
    assert duplicates(path.read_text(encoding="utf-8")) == []


def test_a_widget_and_its_page_carry_its_own_sheet():
    if not (STATIC / "neuron_text.css").is_file():
        pytest.skip("the front-end is not built (cd js && npm run build)")
    import numpy as np

    import interpwidgets as iw
    from interpwidgets.export import to_html
    from interpwidgets.widgets.assets import css_name

    text = "the cat sat"
    w = iw.NeuronText(iw.Trace.from_arrays(text, {"h": np.zeros((len(text), 2))}), layer="h")
    own = (STATIC / "neuron_text.css").read_text(encoding="utf-8")
    assert str(w._css) == own
    assert ".iw-rob-" not in str(w._css) and ".iw-attn-" not in str(w._css)
    assert own.replace("</", "<\\/") in to_html(w, compress=False)
    with pytest.raises(ValueError, match="bundle_name"):
        css_name("style.css")
