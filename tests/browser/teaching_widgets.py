"""The five widgets built from hand-made data whose colours are known, for the teaching tests
(image export, presentation mode, dark theme) and for the screenshots in ``docs/img``.

``build(iw, name)`` returns a widget; ``KNOWN[name]`` says what a picture of it must contain:
a token text and its background colour, or that a canvas must hold non-blank pixels.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

ROOTS = {
    "neuron_text": ".iw-root.iw-neuron-text",
    "neuron_explorer": ".iw-root.iw-neuron-explorer",
    "attention_view": ".iw-root.iw-attention-view",
    "attribution_text": ".iw-root.iw-attribution-text",
    "probe_chart": ".iw-root.iw-probe-chart",
}
NAMES = tuple(ROOTS)

CODE = "def greet(name):\n    msg = 'hello ' + name  # say it\n    return msg\n"
HOT, COLD = CODE.index("greet"), CODE.index("return")  # +vmax and -vmax tokens (characters)
RED, BLUE = (103, 0, 31), (5, 48, 97)  # RdBu_r at +1 and -1
# NeuronText's text at +1 and -1 in the light theme: RdBu_r as far as dark ink stays at 4.6:1
# (js/src/shared/text_scale.ts), so a word keeps one ink colour
TEXT_RED, TEXT_BLUE = (209, 86, 72), (62, 140, 192)


def neuron_trace(iw):
    n = len(CODE)
    i = np.arange(n, dtype=np.float32)
    a = np.stack([np.sin(i / 5) * 0.6, np.cos(i / 7) * 0.8, (i % 9) / 9 - 0.5], axis=1)
    a[HOT, 0], a[COLD, 0] = 1.0, -1.0
    b = np.tanh(a[:, ::-1] * 2).astype(np.float32)
    vocab = np.array(list("abcdefghij"), dtype=object)
    idx = (np.arange(n)[:, None] + np.arange(3)[None, :]) % len(vocab)
    preds = {"tokens": vocab[idx], "probs": np.tile([0.6, 0.3, 0.1], (n, 1))}
    return iw.Trace.from_arrays(
        CODE, {"rnn.0.h": a.astype(np.float32), "rnn.1.h": b}, predictions=preds
    )


WORDS = ["[CLS]", "the", "cat", "sat", "on", "the", "mat", ".", "[SEP]"]


def attention_stack() -> np.ndarray:
    rng = np.random.default_rng(0)
    n = len(WORDS)
    a = rng.dirichlet(np.ones(n) * 2.0, size=(2, 4, n)).astype(np.float32)
    prev = np.full((n, n), 0.02, np.float32)
    for q in range(n):
        prev[q, max(0, q - 1)] = 1.0
    a[0, 1] = prev
    return a / a.sum(-1, keepdims=True)


REVIEW = "The acting was superb, but the plot felt painfully slow."
TOWARDS = "superb"  # the token at +max on the shared scale (dark red)


def attributions(iw):
    tokens, offsets = ["[CLS]"], [(0, 0)]
    for m in re.finditer(r"\w+|[^\w\s]", REVIEW):
        tokens.append(m.group())
        offsets.append((m.start(), m.end()))
    tokens.append("[SEP]")
    offsets.append((0, 0))
    n = len(tokens)
    pos = np.linspace(-0.6, 0.6, n).astype(np.float32)
    pos[[0, -1]] = 0
    pos[tokens.index(TOWARDS)] = 1.0
    scores = np.stack([-pos, pos])
    out = []
    for method, k in (("integrated_gradients", 1.0), ("saliency", 0.7)):
        s = scores * k
        out.append(
            iw.Attribution(
                text=REVIEW,
                tokens=tokens,
                offsets=np.array(offsets),
                scores=s[1],
                target=1,
                labels=["negative", "positive"],
                probs=np.array([0.2, 0.8], np.float32),
                method=method,
                delta=0.01 if method == "integrated_gradients" else None,
                all_scores={0: s[0], 1: s[1]},
                all_deltas={0: 0.01, 1: 0.01} if method == "integrated_gradients" else {},
            )
        )
    return out


def probe_results():
    from iwpage import probe_result

    return [
        probe_result(
            "char-LSTM",
            ["embed", "layer 0", "layer 1"],
            [0.71, 0.94, 0.97],
            [0.62, 0.9, 0.69],
            [0.6, 0.6, 0.6],
        ),
        probe_result(
            "char-Transformer",
            ["embed", "layer 0", "layer 1"],
            [0.69, 0.8, 0.91],
            [0.61, 0.7, 0.8],
            [0.6, 0.6, 0.6],
        ),
    ]


def build(iw, name: str, **traits):
    """One of the five widgets, with ``traits`` set after it is made."""
    if name == "neuron_text":
        w = iw.NeuronText(neuron_trace(iw), layer="rnn.0.h", neuron=0, title="Neuron 0 over code")
    elif name == "neuron_explorer":
        w = iw.NeuronExplorer(neuron_trace(iw), layer="rnn.0.h", neuron=0, title="Explorer")
    elif name == "attention_view":
        tr = iw.Trace.from_arrays(
            " ".join(WORDS),
            {"x": np.zeros((len(WORDS), 1), np.float32)},
            tokens=WORDS,
            attention=attention_stack(),
        )
        w = iw.AttentionView(tr, title="Attention heads")
    elif name == "attribution_text":
        w = iw.AttributionText(attributions(iw), scale="shared")
    elif name == "probe_chart":
        w = iw.ProbeChart(probe_results(), title="Probing: in a string?")
    else:  # pragma: no cover
        raise KeyError(name)
    for k, v in traits.items():
        setattr(w, k, v)
    return w


_exported = itertools.count()


def open_exported(
    iw, tmp_path, make_page, name: str, page=None, viewport=None, downloads=False, **traits
):
    """Widget ``name`` (``build(iw, name, **traits)``) saved as a page and opened offline in
    ``page`` or a new one (``viewport``; ``downloads`` lets the page save files): ``(page,
    root)`` once it has drawn."""
    w = build(iw, name, **traits)
    path = tmp_path / f"{name}_{next(_exported)}.html"
    w.save_html(path)
    if page is None:
        options = {"viewport": viewport or {"width": 1100, "height": 800}}
        if downloads:
            options["accept_downloads"] = True
        page = make_page(**options)
    page.goto(path.resolve().as_uri())
    return page, wait_drawn(page, name)


def wait_drawn(page, name: str, timeout: float = 30_000):
    """The root locator of widget ``name`` once it has drawn its first view."""
    from playwright.sync_api import expect

    root = page.locator(ROOTS[name])
    if name in ("neuron_text", "neuron_explorer"):
        expect(root).to_have_attribute(
            "data-rendered-neuron", re.compile(r"^\d+$"), timeout=timeout
        )
        root.locator("span.iw-tok").first.wait_for(state="attached", timeout=timeout)
        if name == "neuron_explorer":
            expect(root.locator("canvas.iw-heatmap")).to_have_attribute(
                "data-drawn", re.compile(".+"), timeout=timeout
            )
    elif name == "attention_view":
        expect(root).to_have_attribute(
            "data-rendered", re.compile(r"^\w+:\d+:\d+$"), timeout=timeout
        )
    elif name == "attribution_text":
        expect(root).to_have_attribute("data-rendered", re.compile(r".+"), timeout=timeout)
    else:
        expect(root).to_have_attribute("data-rendered", re.compile(r".+"), timeout=timeout)
    return root
