"""The sentiment model's explanation and robustness figures quoted in the README and docs.

    python bench/eval_sentiment.py [--examples 100] [--reviews 300] [--out /tmp/eval_sentiment]

On the held-out test split (disjoint from training by decisive sentence):
- ``iw.evaluate_explanations`` for five methods and the seeded random row (ERASER AOPC over
  the 1/5/10/20/50 % bins, top-k by |score|), each value ± its standard error over examples;
- ``iw.diagnosis.robustness`` flip rates per perturbation ± binomial SE (95% Wilson interval).

Prints markdown tables and writes ``eraser_summary.csv``, ``eraser_per_example.csv`` and
``robustness.csv`` into ``--out``. Figures, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import interpwidgets as iw
from interpwidgets.stats import pm
from interpwidgets.zoo.sentiment_data import splits

METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "occlusion", "attention")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--reviews", type=int, default=300)
    parser.add_argument("--n-steps", type=int, default=50)
    parser.add_argument("--out", default="/tmp/eval_sentiment")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    clf, tok = iw.zoo.sentiment()
    test = splits()["test"]

    t0 = time.time()
    res = iw.diagnosis.robustness(clf, tok, [e.text for e in test[: args.reviews]], seed=0)
    res.summary.to_csv(out / "robustness.csv", index=False)
    print(f"\nrobustness on {args.reviews} held-out reviews ({time.time() - t0:.0f} s)\n")
    print("| perturbation | changed | flips | flip rate ± SE | 95% interval |")
    print("|---|---:|---:|---|---|")
    for r in res.summary.itertuples():
        print(
            f"| {r.kind} | {r.changed} | {r.flips} | {pm(r.flip_rate, r.flip_rate_se)} "
            f"| {r.flip_rate_low:.3f}–{r.flip_rate_high:.3f} |"
        )

    t0 = time.time()
    summary, per_example = iw.evaluate_explanations(
        clf, tok, test[: args.examples], methods=METHODS, n_steps=args.n_steps
    )
    summary.to_csv(out / "eraser_summary.csv", index=False)
    per_example.to_csv(out / "eraser_per_example.csv", index=False)
    print(f"\nexplanations on {args.examples} held-out reviews ({time.time() - t0:.0f} s)\n")
    cols = ("token_f1", "auprc", "comprehensiveness", "sufficiency", "tau_attention")
    print("| method | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for _, r in summary.iterrows():
        print(f"| {r['method']} | " + " | ".join(pm(r[c], r[f"{c}_se"]) for c in cols) + " |")
    print("\nrandom row, SE over draws alone:", summary.attrs["random_draw_se"])
    print("AOPC points per bin:", summary.attrs["aopc_points"])


if __name__ == "__main__":
    main()
