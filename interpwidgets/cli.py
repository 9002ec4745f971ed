"""``interpwidgets`` commands.

interpwidgets demo [--out FILE]    # trace the embedded char-LSTM on held-out code, export a view
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def demo(out: str = "interpwidgets-demo.html", chars: int = 4000) -> Path:
    """Trace the embedded char-LSTM, find its string cell, and export a NeuronText page."""
    from . import NeuronText, trace, zoo
    from .neurons import find_neurons
    from .zoo.corpus import held_out_sample

    t0 = time.time()
    text = held_out_sample(chars)
    model = zoo.char_lstm()
    tr = trace(model, text)
    table = find_neurons(
        tr, "in_string", layers=[n for n in tr.names if n.endswith(".h") or n.endswith(".c")], top=5
    )
    best = table.iloc[0]
    print(
        f"Traced {len(text):,} characters of standard-library code held out from training through the embedded char-LSTM."
    )
    print("Neurons that track 'inside a string' (AUROC, sign):")
    print(table[["layer", "neuron", "score", "sign"]].to_string(index=False))
    widget = NeuronText(
        tr, layer=str(best["layer"]), neuron=int(best["neuron"]), title="held-out code: the string cell"
    )
    path = widget.save_html(out)
    print(
        f"\nWrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.1f} s — open it in any browser, no network needed."
    )
    print(
        "Hover a character for its value; ◀ ▶ or the arrow keys step through the neurons of the layer."
    )
    print(
        'In a notebook: iw.NeuronText(iw.trace(iw.zoo.char_lstm(), text), layer="rnn.1.c", neuron=...)'
    )
    return path


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
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.out, args.chars)
    return 0


if __name__ == "__main__":
    sys.exit(main())
