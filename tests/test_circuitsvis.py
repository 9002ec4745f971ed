"""The circuitsvis drop-in: circuitsvis 1.43's arguments, the arrays it accepts, the data the
widgets get (checked against the props circuitsvis itself renders), the offline page, bad inputs."""

import base64
import inspect
import json
import re
import zlib

import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets.circuitsvis import RenderedHTML

cv = iw.circuitsvis
TOKENS = [" The", " quick", " brown", " fox", "\n", "jumps", " over", " the", " dog", "."]
N = len(TOKENS)
FUNCS = {
    "attention.attention_heads": cv.attention.attention_heads,
    "attention.attention_patterns": cv.attention.attention_patterns,
    "attention.attention_pattern": cv.attention.attention_pattern,
    "tokens.colored_tokens": cv.tokens.colored_tokens,
    "activations.text_neuron_activations": cv.activations.text_neuron_activations,
}


def _attention(heads=3, n=N, seed=0):
    a = np.tril(np.random.default_rng(seed).random((heads, n, n)).astype(np.float32))
    return a / a.sum(-1, keepdims=True)


def _bidirectional(heads=3, n=N, seed=1):
    a = np.random.default_rng(seed).random((heads, n, n)).astype(np.float32)
    return a / a.sum(-1, keepdims=True)


# -- the same signature as circuitsvis 1.43 --------------------------------------------------


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_signature_is_circuitsvis(name):
    theirs_mod = pytest.importorskip("circuitsvis")
    assert theirs_mod.__version__.startswith("1.43."), theirs_mod.__version__
    module, func = name.split(".")
    theirs = inspect.signature(getattr(getattr(theirs_mod, module), func))
    ours = inspect.signature(FUNCS[name])
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == [
        (p.name, p.default, p.kind) for p in theirs.parameters.values()
    ]


def _props(rendered) -> dict:
    """The props circuitsvis renders its React component with (the JSON in its local page)."""
    m = re.search(r"CircuitsVis\.\w+,\s*(\{.*\})\s*\)\s*</script>", rendered.local_src, re.S)
    assert m, "no props in circuitsvis's page"
    return json.loads(m.group(1))


def test_attention_heads_data_equals_circuitsvis_props():
    theirs = pytest.importorskip("circuitsvis")
    a = _bidirectional()
    names = ["L0H0", "L0H1", "L0H2"]
    props = _props(theirs.attention.attention_heads(a, TOKENS, attention_head_names=names))
    r = cv.attention.attention_heads(a, TOKENS, attention_head_names=names)
    w = r.widget
    assert isinstance(r, RenderedHTML) and isinstance(w, iw.AttentionView)
    assert w.view == "model" and w.tokens == props["tokens"] and w.head_labels == names
    # the default masks the upper triangle, as circuitsvis's AttentionHeads does (maskUpperTri)
    shown = w.attention[0]
    np.testing.assert_allclose(np.tril(shown), np.tril(np.array(props["attention"])), rtol=1e-6)
    assert not np.triu(shown, 1).any()
    unmasked = cv.attention.attention_heads(a, TOKENS, mask_upper_tri=False).widget.attention[0]
    np.testing.assert_array_equal(unmasked, a)
    assert r.widget.head_labels == names


def test_attention_patterns_and_pattern():
    theirs = pytest.importorskip("circuitsvis")
    a = _attention()
    props = _props(theirs.attention.attention_patterns(TOKENS, a))
    w = cv.attention.attention_patterns(TOKENS, a).widget
    assert w.view == "head" and w.tokens == props["tokens"] and w.head_labels == ["0", "1", "2"]
    np.testing.assert_allclose(w.attention[0], np.array(props["attention"]), rtol=1e-6)
    one = cv.attention.attention_pattern(TOKENS, a[1]).widget
    assert one.view == "matrix" and one.attention.shape == (1, 1, N, N)
    np.testing.assert_array_equal(one.attention[0, 0], a[1])


@pytest.mark.parametrize(
    "convert",
    [lambda a: a, lambda a: a.tolist(), lambda a: pytest.importorskip("torch").from_numpy(a)],
    ids=["numpy", "nested-list", "torch"],
)
def test_every_array_kind_gives_the_same_data(convert):
    a = _attention()
    np.testing.assert_allclose(
        cv.attention.attention_heads(convert(a), TOKENS).widget.attention[0], a, rtol=1e-6
    )
    values = np.linspace(-1, 2, N).astype(np.float32)
    np.testing.assert_allclose(
        cv.tokens.colored_tokens(TOKENS, convert(values)).widget.values(), values, rtol=1e-6
    )
    acts = np.random.default_rng(2).normal(size=(N, 2, 4)).astype(np.float32)
    w = cv.activations.text_neuron_activations(TOKENS, convert(acts)).widget
    np.testing.assert_allclose(w.values("Layer 1", 3), acts[:, 1, 3], rtol=1e-6)


def test_colored_tokens_text_offsets_and_scale():
    theirs = pytest.importorskip("circuitsvis")
    values = np.linspace(-1, 2, N).astype(np.float32)
    props = _props(theirs.tokens.colored_tokens(TOKENS, values))
    w = cv.tokens.colored_tokens(TOKENS, values).widget
    assert isinstance(w, iw.NeuronText)
    # the original string, each token over its own characters
    assert w.trace.text == "".join(props["tokens"])
    assert [w.trace.text[s:e] for s, e in w.trace.offsets] == TOKENS
    np.testing.assert_allclose(w.values(), props["values"], rtol=1e-6)
    assert w.column["vmax"] == pytest.approx(2.0)  # max(|min|, |max|)
    w = cv.tokens.colored_tokens(TOKENS, values, min_value=-4, max_value=1).widget
    assert w.column["vmax"] == pytest.approx(4.0)


def test_text_neuron_activations_one_and_several_texts():
    theirs = pytest.importorskip("circuitsvis")
    rng = np.random.default_rng(3)
    acts = rng.normal(size=(N, 2, 5)).astype(np.float32)
    props = _props(theirs.activations.text_neuron_activations(TOKENS, acts))
    r = cv.activations.text_neuron_activations(TOKENS, acts)
    w = r.widget
    assert [lay["name"] for lay in w.layers] == ["Layer 0", "Layer 1"]
    assert all(lay["n_units"] == 5 for lay in w.layers)
    np.testing.assert_allclose(
        np.stack([w.values(f"Layer {i}", j) for j in range(5) for i in range(2)], axis=1).reshape(
            N, 5, 2
        ),
        np.array(props["activations"]).transpose(0, 2, 1),
        rtol=1e-6,
    )
    assert w.title == "Layer × Neuron"
    # several texts of different lengths: one after another, a blank line between them
    second = TOKENS[:4]
    acts2 = rng.normal(size=(4, 2, 5)).astype(np.float32)
    w = cv.activations.text_neuron_activations(
        [TOKENS, second],
        [acts, acts2],
        first_dimension_name="Block",
        second_dimension_name="Feature",
        first_dimension_labels=["mlp0", "mlp1"],
    ).widget
    assert w.trace.text == "".join(TOKENS) + "\n\n" + "".join(second)
    assert [w.trace.text[s:e] for s, e in w.trace.offsets] == TOKENS + second
    np.testing.assert_allclose(w.values("mlp1", 2), np.r_[acts[:, 1, 2], acts2[:, 1, 2]])
    assert w.title == "Block × Feature · 2 texts"
    # one vmax for every text, layer and neuron (circuitsvis: one scale over all samples)
    vmax = float(max(np.abs(acts).max(), np.abs(acts2).max()))
    assert w.column["vmax"] == pytest.approx(vmax)
    # a 4-D array of equal-length texts is the same as a list of them
    same = cv.activations.text_neuron_activations([TOKENS, TOKENS], np.stack([acts, acts])).widget
    np.testing.assert_allclose(same.values("Layer 0", 1), np.r_[acts[:, 0, 1], acts[:, 0, 1]])


# -- what the result is ---------------------------------------------------------------------

IMPORT_URL = re.compile(r"""(?:import|from)\s*\(?\s*["']https?:""")
URL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?https?:"""
)


@pytest.mark.parametrize(
    "make",
    [
        lambda: cv.attention.attention_heads(_attention(), TOKENS),
        lambda: cv.attention.attention_patterns(TOKENS, _attention()),
        lambda: cv.tokens.colored_tokens(TOKENS, np.arange(N) - 4.0),
        lambda: cv.activations.text_neuron_activations(TOKENS, np.ones((N, 2, 3))),
    ],
    ids=["attention_heads", "attention_patterns", "colored_tokens", "text_neuron_activations"],
)
def test_str_is_a_whole_offline_page_and_it_displays(make):
    r = make()
    page = str(r)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert page == r.widget.to_html()  # the project's exported page, same CSP
    data = json.loads(re.search(r'id="iw-data">(.*?)</script>', page, re.S).group(1))
    esm = data.get("esm")  # base64 text, deflated ({"deflate": base64, "bytes": n}) or inlined
    if esm is None:
        module = re.search(r'<script type="module" id="iw-module">(.*?)</script>', page, re.S)[1]
    else:
        raw = base64.b64decode(esm if isinstance(esm, str) else esm["deflate"])
        module = (raw if isinstance(esm, str) else zlib.decompress(raw)).decode("utf-8")
    for text in (page, module):  # the page and the widget module
        assert not URL.search(text), URL.search(text)
        assert not IMPORT_URL.search(text), IMPORT_URL.search(text)
        assert "unpkg.com" not in text and "jsdelivr" not in text
    assert r.show_code() == r.local_src == r.cdn_src == page
    # in a notebook: the live widget, with the page in an iframe for HTML-only front-ends
    bundle = r._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert (
        data["text/html"].startswith("<iframe srcdoc=")
        and "&lt;!DOCTYPE html&gt;" in data["text/html"]
    )
    assert r.__html__() == r._repr_html_()


def test_save_html(tmp_path):
    r = cv.tokens.colored_tokens(TOKENS, np.zeros(N))
    path = r.save_html(tmp_path / "t.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_2d_pattern_is_one_head_and_export_holds_every_layer():
    w = cv.attention.attention_heads(_attention()[0], TOKENS).widget
    assert w.attention.shape == (1, 1, N, N)
    acts = np.random.default_rng(4).normal(size=(N, 3, 4)).astype(np.float32)
    w = cv.activations.text_neuron_activations(TOKENS, acts).widget
    # every layer as one block of all its neurons: one entry per layer in the page
    assert w._export_requests() == [{"kind": "block", "layer": f"Layer {i}"} for i in range(3)]
    names = ["Layer 0", "Layer 1", "Layer 2"]
    assert w._export_state() == {"export_layers": names, "export_blocks": names}
    block = w._wire_reply({"kind": "block", "layer": "Layer 1"})
    np.testing.assert_allclose(iw.codec.decode(block["values"]), acts[:, 1], rtol=1e-3)
    np.testing.assert_allclose(iw.codec.decode(block["vmax"]), np.abs(acts).max(), rtol=1e-6)
    # a budget for two layers: the selected one first
    w.layer = "Layer 2"
    w.export_budget = 2 * acts[:, 0].size * 2
    assert w._export_state() == {
        "export_layers": ["Layer 2", "Layer 0"],
        "export_blocks": ["Layer 2", "Layer 0"],
    }
    # a budget smaller than the selected layer: NeuronText's own columns near the selected neuron
    w.neuron, w.export_budget = 3, 2 * 2 * N
    held = w._export_requests()
    assert {"kind": "column", "layer": "Layer 2", "neuron": 3} in held
    assert all(b["kind"] == "column" and b["layer"] == "Layer 2" for b in held) and len(held) < 4
    assert w._export_state() == {"export_layers": ["Layer 2"], "export_blocks": []}
