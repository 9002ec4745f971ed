"""``interpwidgets`` commands.

interpwidgets demo [--out FILE]     # trace the embedded char-LSTM on held-out code, export a view
interpwidgets gallery OUTDIR        # every widget on the embedded models, as offline HTML pages
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _documented_cell() -> dict | None:
    """The char-LSTM's cell the first views show (``iw.zoo.cell()``: from its card), or None
    for weights whose card documents no cells."""
    from . import zoo

    try:
        return zoo.cell()
    except KeyError:
        return None


def demo(out: str = "interpwidgets-demo.html", chars: int = 4000) -> Path:
    """Trace the embedded char-LSTM on held-out code and export its documented string cell
    (``iw.zoo.cell()``, from the card: chosen on other held-out files, named for what it does)."""
    from . import NeuronText, trace, zoo
    from .zoo.corpus import held_out_sample

    t0 = time.time()
    text = held_out_sample(chars)
    model = zoo.char_lstm()
    tr = trace(model, text)
    print(
        f"Traced {len(text):,} characters of standard-library code held out from training through the embedded char-LSTM."
    )
    cells = zoo.card("char_lstm").get("cells", {})
    cell = _documented_cell() if cells else None
    if cells and cell is not None:
        print(
            "Its documented cells, each chosen on other held-out files and scored on unseen code "
            "(AUROC for 'inside a string' and the other boolean features, r for the numeric ones; "
            "± 1.96 SE gives a 95% interval; chance = 0.5 AUROC / 0 r):"
        )
        for feature, c in cells.items():
            h, t = c["held_out"], c["third_party"]
            print(
                f"  {feature:<18} {c['layer']}/{c['neuron']:<4} {c['name']:<42} "
                f"held-out stdlib {h['score']:.3f} ± {h['se']:.3f}   third-party {t['score']:.3f} ± {t['se']:.3f}"
            )
        layer, neuron = cell["layer"], int(cell["neuron"])
        title = f"held-out code: the {cell['name']} ({layer}/{neuron})"
    else:  # a retrained model without a cells entry: choose on the first half, say so
        from .neurons import find_neurons

        best = find_neurons(
            tr, "in_string", layers=[n for n in tr.names if n.endswith((".h", ".c"))]
        ).iloc[0]
        layer, neuron = str(best["layer"]), int(best["neuron"])
        print(
            "No documented cells in the card: the best 'inside a string' unit of the first half "
            f"is {layer}/{neuron} (AUROC {best['score']:.3f}; {best['test_score']:.3f} on the second)"
        )
        title = (
            f"held-out code: the best 'inside a string' unit of the first half ({layer}/{neuron})"
        )
    widget = NeuronText(tr, layer=layer, neuron=neuron, title=title)
    path = widget.save_html(out)
    print(
        f"\nWrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.1f} s — open it in any browser, no network needed."
    )
    print(
        "Hover a character for its value; ◀ ▶ or the arrow keys step through the neurons of the layer."
    )
    print(
        f'In a notebook: iw.NeuronText(iw.trace(iw.zoo.char_lstm(), text), layer="{layer}", neuron={neuron})'
    )
    return path


GALLERY_TEXT = "The plot was dull but the acting was wonderful, and the ending was not bad at all."


def robustness_reviews(n: int = 3) -> list[str]:
    """Held-out reviews of different constructions (negated, contrast, plain, …), first of each."""
    from .zoo.sentiment_data import splits

    seen: set[str] = set()
    out: list[str] = []
    for e in splits()["test"]:
        if e.kind not in seen:
            seen.add(e.kind)
            out.append(e.text)
    return out[:n]


def gallery(outdir: str | Path, chars: int = 3000) -> Path:
    """Export every widget on the embedded models to ``outdir`` plus an ``index.html``."""
    import html

    from . import (
        AttentionView,
        AttributionText,
        NeuronDashboard,
        NeuronExplorer,
        NeuronText,
        ProbeChart,
        Robustness,
        attribute,
        diagnosis,
        scan,
        trace,
        zoo,
    )
    from .neurons import find_neurons
    from .probing import lstm_vs_transformer
    from .zoo.corpus import held_out_sample, stdlib_files

    if not isinstance(outdir, (str, os.PathLike)):
        raise TypeError(
            f"outdir: expected a str or os.PathLike folder, got {type(outdir).__name__}"
        )
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(
            f"outdir: {str(out)!r} is a file; expected a folder (it is created if missing)"
        )
    out.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, str, str]] = []

    def save(widget, name: str, title: str, blurb: str) -> None:
        t0 = time.time()
        path = widget.save_html(out / name, title=title)
        pages.append((name, title, blurb))
        print(f"  {name:<28} {path.stat().st_size / 1e6:6.2f} MB  {time.time() - t0:5.1f} s")

    print(f"Writing the gallery to {out}/")
    code = held_out_sample(chars)
    lm = zoo.char_lstm()
    tr = trace(lm, code)
    cell = _documented_cell()
    if cell is None:
        cells = [n for n in tr.names if n.endswith((".h", ".c"))]
        best = find_neurons(tr, "in_string", layers=cells, top=1).iloc[0]
        cell = {"layer": str(best.layer), "neuron": int(best.neuron), "name": "best string unit"}
    save(
        NeuronText(
            tr,
            layer=cell["layer"],
            neuron=int(cell["neuron"]),
            title=f"char-LSTM: the {cell['name']}",
        ),
        "neuron_text.html",
        "NeuronText",
        f"Held-out Python code coloured by the char-LSTM's documented {cell['name']} "
        "(chosen on other held-out files; its scores are in the model card).",
    )
    save(
        NeuronExplorer(
            tr,
            layer=cell["layer"],
            neuron=int(cell["neuron"]),
            feature="in_string",
            title="char-LSTM on held-out code",
        ),
        "neuron_explorer.html",
        "NeuronExplorer",
        "Predictions, the neurons × positions heatmap and neuron search by feature.",
    )
    corpus = stdlib_files("val")[:12]
    found = scan(lm, corpus, layers=[cell["layer"]], k=8, progress=False)
    save(
        NeuronDashboard(
            found,
            layer=cell["layer"],
            neuron=int(cell["neuron"]),
            title=f"char-LSTM: the {cell['name']}",
        ),
        "neuron_dashboard.html",
        "NeuronDashboard",
        f"The same cell over {found.meta['n_chars']:,} characters of {len(corpus)} held-out "
        "standard-library files (iw.scan): histogram, top and bottom contexts, interval samples, "
        "feature scores and its direct effect on the next character.",
    )
    tf = zoo.char_transformer()
    tr_tf = trace(tf, code[: tf.context])
    save(
        AttentionView(tr_tf, view="model", title="char-Transformer: attention on code"),
        "attention_char_transformer.html",
        "AttentionView — char-Transformer",
        "Every head of the embedded causal character Transformer.",
    )
    enc, tok = zoo.minilm()
    tr_m = trace(
        enc,
        "The cat sat on the mat because it was tired.",
        tokenizer=tok,
        text_pair="It fell asleep at once.",
    )
    save(
        AttentionView(tr_m, view="head", title="MiniLM: a sentence pair"),
        "attention_minilm.html",
        "AttentionView — MiniLM",
        "all-MiniLM-L6-v2, 6 layers × 12 heads: head, model, matrix, summary and rollout views.",
    )
    probes = lstm_vs_transformer(
        char_tasks=["bracket_depth"], sentence_tasks=[], n_texts=24, progress=False
    )
    save(
        ProbeChart(probes["bracket_depth"], title="What each layer encodes: bracket depth"),
        "probe_chart.html",
        "ProbeChart",
        "Probe accuracy (±1.96 SE), control-task accuracy and majority baseline per layer: "
        "char-LSTM vs char-Transformer on the same held-out code, split by text; switch to "
        "selectivity; click a layer for its top neurons.",
    )
    clf, ctok = zoo.sentiment()
    rows = [
        attribute(clf, GALLERY_TEXT, ctok, method=m, all_targets=True)
        for m in ("saliency", "input_x_gradient", "integrated_gradients", "attention")
    ]
    save(
        AttributionText(rows, title="Why positive? Four explanations compared"),
        "attribution_text.html",
        "AttributionText",
        "Saliency, gradient × input, Integrated Gradients and attention on one review, with Kendall τ.",
    )
    reviews = [GALLERY_TEXT, *robustness_reviews(3)]
    save(
        Robustness(
            diagnosis.robustness(
                clf,
                ctok,
                reviews,
                attributions=True,
                attribute_kwargs={"n_steps": 24, "internal_batch_size": 24},
                progress=False,
            ),
            title="Sentiment model under perturbation",
        ),
        "robustness.html",
        "Robustness",
        "Four reviews under six perturbations: flip rates per kind, each edit marked, flips first, "
        "Integrated Gradients before and after.",
    )
    items = "\n".join(
        f'<li><a href="{html.escape(n)}">{html.escape(t)}</a><br><span>{html.escape(b)}</span></li>'
        for n, t, b in pages
    )
    index = out / "index.html"
    index.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>interpwidgets gallery</title>'
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;line-height:1.5;padding:0 1rem}"
        "li{margin:.8rem 0}span{color:#555}</style></head><body><h1>interpwidgets gallery</h1>"
        "<p>Every page works offline: open it straight from the disk.</p>"
        f"<ul>{items}</ul></body></html>\n",
        encoding="utf-8",
    )
    print(f"Open {index}")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="interpwidgets", description="Widgets that show what happens inside language models."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="trace the embedded char-LSTM and export a NeuronText page")
    p.add_argument(
        "--out", default="interpwidgets-demo.html", help="HTML file to write (default: %(default)s)"
    )
    p.add_argument(
        "--chars",
        type=int,
        default=4000,
        help="characters of held-out code to trace (default: %(default)s)",
    )
    g = sub.add_parser(
        "gallery", help="export every widget on the embedded models as offline HTML pages"
    )
    g.add_argument("outdir", help="folder to write the pages and index.html into")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out, args.chars)
    elif args.command == "gallery":
        gallery(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
