"""The probing figures quoted in the README, docs/widgets/probe_chart.md and notebook 03.

Runs :func:`interpwidgets.lstm_vs_transformer` with its defaults (MiniLM on 10,000 WordNet
sentences per task, the char models on 60 held-out pieces of code, split by sentence / by
text) and a sweep of the character control task's context, and prints the tables as
Markdown. The first run takes a while (MiniLM on 30,000 sentences); representations are
cached (``iw.probing.cache_dir()``), so later runs take a minute or two.

    python bench/probing_tables.py > probing_tables.md
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np


def fmt(v: float, se: float | None = None) -> str:
    return f"{v:.3f}" if se is None or not np.isfinite(se) else f"{v:.3f} ± {se:.3f}"


def table(result) -> str:
    rows = [
        "| layer | accuracy ± SE | control ± SE | selectivity ± SE | majority | control majority | n train / test |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in result.table.itertuples():
        rows.append(
            f"| `{r.layer}` | {fmt(r.accuracy, r.accuracy_se)} | "
            f"{fmt(r.control_accuracy, r.control_accuracy_se)} | "
            f"{fmt(r.selectivity, r.selectivity_se)} | {r.majority:.3f} | "
            f"{r.control_majority:.3f} | {r.n_train:,} / {r.n_test:,} |"
        )
    return "\n".join(rows)


def main() -> None:
    import interpwidgets as iw
    from interpwidgets.probing import char_task, probe

    t0 = time.time()
    results = {}
    for kw in (  # one task at a time, printed as it comes
        {"char_tasks": ["bracket_depth"], "sentence_tasks": []},
        {"char_tasks": ["in_string"], "sentence_tasks": []},
        {"char_tasks": [], "sentence_tasks": ["sentence_length"]},
        {"char_tasks": [], "sentence_tasks": ["bigram_shift"]},
        {"char_tasks": ["column"], "sentence_tasks": []},
        {"char_tasks": [], "sentence_tasks": ["word_content"]},
    ):
        cmp = iw.lstm_vs_transformer(progress=False, **kw)
        for task in cmp.tasks:
            results[task] = cmp[task]
            for r in cmp[task]:
                print(f"\n### {r.model} · {task}\n\nsplit {r.split}; {r.source}\n")
                print(table(r), flush=True)
    cmp = iw.probing.Comparison(results)
    print("\n### best layers\n")
    best = cmp.best()
    print("| " + " | ".join(best.columns) + " |")
    print("|" + " --- |" * len(best.columns))
    for row in best.itertuples(index=False):
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row]
        print("| " + " | ".join(cells) + " |", flush=True)
    print("\n### character control: context length (top layer)\n")
    print("| task | model | context | accuracy | control | selectivity ± SE | control majority |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    models = {
        "char-LSTM": (iw.zoo.char_lstm(), "rnn.1.h"),
        "char-Transformer": (iw.zoo.char_transformer(), "blocks.3.resid"),
    }
    for name in ("in_string", "bracket_depth"):
        base = char_task(name)
        for k in (1, 2, 3, 4, 5, 6):
            task = dataclasses.replace(base, control=None, control_context=k)
            for mname, (m, top) in models.items():
                r = next(probe(m, task, layers=[top], progress=False).table.itertuples())
                print(
                    f"| {name} | {mname} | {k} | {r.accuracy:.3f} | {r.control_accuracy:.3f} | "
                    f"{fmt(r.selectivity, r.selectivity_se)} | {r.control_majority:.3f} |",
                    flush=True,
                )
    print(f"\n({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
