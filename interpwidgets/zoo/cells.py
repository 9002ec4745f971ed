"""The documented cells of the shipped char models, chosen on one text and scored on others.

``python -m interpwidgets.zoo.cells [char_lstm|char_transformer|all] [--write]`` recomputes the
``"cells"`` entry of each model card (``iw.zoo.card(name)["cells"]``); ``--write`` stores it in
``interpwidgets/zoo/weights/<name>.json``. Deterministic: the same Python (whose standard
library is the corpus), the same installed third-party packages and the same weights give
the same numbers.

For each feature (:data:`FEATURES`) the best unit of :data:`CANDIDATES` is chosen with
:func:`interpwidgets.find_neurons` on the *selection* texts — held-out standard-library files
(never trained on), every other file in sorted order — and scored, with the sign chosen
there, on

- ``held_out``: the *other* held-out standard-library files (≥ 150,000 characters);
- ``third_party``: the source of installed packages the model never saw
  (:data:`~interpwidgets.zoo.cell_texts.THIRD_PARTY`: files in sorted path order, each cut at a
  line end; the texts are made in :mod:`interpwidgets.zoo.cell_texts`).

Every file is traced on its own (the model starts each file from a fresh state). Beside every
score: its uncertainty (Obuchowski's clustered AUROC standard error or a block-jackknife
Fisher-z interval for r, blocks of whole lines; see :func:`interpwidgets.find_neurons`) and its
baselines — ``chance`` (0.5 for AUROC, 0 for r) and ``best_of_n``: the same choice made with
the feature shifted by half the selection text against the activations (real units, real
autocorrelation, no relation to the feature), i.e. what the best of N unrelated units scores
where it was chosen (``selection``) and where it is scored (``held_out``). The name of each
cell says what it does on the held-out text: a boolean cell whose held-out AUROC on another
of the string/comment features reaches :data:`ALSO_AT` is named for both.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import cell_texts
from .cell_texts import FILE_CHARS, stdlib_parts, third_party_texts
from .cell_texts import THIRD_PARTY as THIRD_PARTY

FEATURES = (
    "in_string",
    "in_docstring",
    "in_string_literal",
    "in_comment",
    "bracket_depth",
    "column",
)
BOOLEAN = ("in_string", "in_docstring", "in_string_literal", "in_comment")
CANDIDATES = {"char_lstm": (".h", ".c"), "char_transformer": (".mlp",)}


def candidates(name: str) -> tuple[str, ...]:
    """The layers a cell of recipe ``name`` is chosen among: a shipped model's
    :data:`CANDIDATES`, else those of the shipped model of the same kind (a recipe trained with
    ``--out DIR`` and scored with ``--weights DIR``)."""
    from .recipes import RECIPES

    if name in CANDIDATES:
        return CANDIDATES[name]
    if name not in RECIPES:
        raise KeyError(f"name: expected one of {sorted(RECIPES)}, got {name!r}")
    return CANDIDATES["char_lstm" if RECIPES[name][0] == "rnn" else "char_transformer"]


ALSO_AT = 0.75
NOUN = {
    "in_string": "string",
    "in_docstring": "docstring",
    "in_string_literal": "string-literal",
    "in_comment": "comment",
    "bracket_depth": "bracket-depth",
    "column": "column",
}
# features that contain one another are not "also" each other
NESTED = {
    "in_string": {"in_docstring", "in_string_literal"},
    "in_docstring": {"in_string"},
    "in_string_literal": {"in_string"},
    "in_comment": set(),
}


def _trace_all(model: Any, texts: list[tuple[str, str]], keep: tuple[str, ...]) -> list:
    """One trace per text (fresh state), keeping only the candidate arrays."""
    from ..trace import trace
    from ..zoo.transformer import CharTransformer

    opts = {"attention": False} if isinstance(model, CharTransformer) else {}
    out = []
    for _, text in texts:
        tr = trace(model, text, progress=False, **opts)
        for key in [k for k in tr.activations if not k.endswith(keep)]:
            del tr.activations[key]
        out.append(tr)
    return out


def _unit_score(traces: list, layer: str, neuron: int, sign: int, feature: str) -> dict:
    """One unit's score on ``traces`` with a fixed sign, its SE and 95% interval."""
    from ..neurons.heldout import _Part
    from ..neurons.values import feature_values
    from ..stats import auroc, auroc_se, pearson, r_interval

    part = _Part([(i, tr, 0, tr.n_tokens) for i, tr in enumerate(traces)], "")
    y = np.concatenate([feature_values(tr, feature) for tr in traces])
    x = np.concatenate([tr.activations[layer][:, neuron] for tr in traces])[:, None]
    x, block = x.astype(np.float64), part.blocks()
    if feature in BOOLEAN:
        y = y.astype(bool)
        raw = float(auroc(x, y)[0])
        score = raw if sign > 0 else 1 - raw
        se = float(auroc_se(x, y, block)[0])
        ci = [max(0.0, score - 1.96 * se), min(1.0, score + 1.96 * se)]
    else:
        raw = float(pearson(x, y.astype(np.float64))[0])
        score = sign * raw
        se_r, lo, hi = r_interval(x, y.astype(np.float64), block)
        se = float(se_r[0])
        ci = sorted([sign * float(lo[0]), sign * float(hi[0])])
    return {
        "score": round(score, 4),
        "se": round(se, 4),
        "ci": [round(v, 4) for v in ci],
        "n_chars": int(sum(len(tr.text) for tr in traces)),
        "n_texts": len(traces),
    }


def _null_best_of_n(sel: list, ev: list, feature: str, layers: list[str]) -> dict:
    """Best of N units with the feature shifted half the text against them (no relation)."""
    from ..neurons.heldout import _gather, _Part
    from ..neurons.values import feature_values
    from ..stats import auroc, pearson

    out = {}
    for name, traces in (("selection", sel), ("held_out", ev)):
        part = _Part([(i, tr, 0, tr.n_tokens) for i, tr in enumerate(traces)], "")
        ys = {i: feature_values(tr, feature) for i, tr in enumerate(traces)}
        y = np.concatenate([ys[i] for i in range(len(traces))])
        out[name] = (part, np.roll(y, len(y) // 2), ys)
    best = (-1.0, "", 0, 1)
    part, y, ys = out["selection"]
    for layer in layers:
        x = _gather(part, layer, ys)[0]
        if feature in BOOLEAN:
            raw = auroc(x, y.astype(bool))
            score, sign = np.maximum(raw, 1 - raw), np.where(raw >= 0.5, 1, -1)
        else:
            raw = pearson(x, y.astype(np.float64))
            score, sign = np.abs(raw), np.where(raw >= 0, 1, -1)
        k = int(np.argmax(score))
        if score[k] > best[0]:
            best = (float(score[k]), layer, k, int(sign[k]))
    part, y, ys = out["held_out"]
    x = _gather(part, best[1], ys)[0][:, [best[2]]]
    if feature in BOOLEAN:
        auc = float(auroc(x, y.astype(bool))[0])
        held = auc if best[3] > 0 else 1 - auc
    else:
        held = best[3] * float(pearson(x, y.astype(np.float64))[0])
    return {"selection": round(best[0], 4), "held_out": round(held, 4)}


WEAK_BELOW = {"auroc": 0.75, "r": 0.5}  # held-out scores below these: "weak … unit"


def name_cell(feature: str, entry: dict[str, Any]) -> str:
    """What the cell does, from its held-out numbers: the features it separates (its own and
    any other string/comment feature whose held-out AUROC reaches :data:`ALSO_AT`, nested
    features aside), its direction, and "weak … unit" when its held-out score is below
    :data:`WEAK_BELOW`."""
    sign, held = entry["sign"], entry["held_out"]["score"]
    weak = held < WEAK_BELOW[entry["metric"]]
    if feature in BOOLEAN:
        also = [
            f
            for f, v in entry.get("other_features", {}).items()
            if v >= ALSO_AT and f not in NESTED[feature]
        ]
        if "in_string" in also:  # "string" already covers both kinds
            also = [f for f in also if f not in NESTED["in_string"]]
        base = "-or-".join([NOUN[feature]] + [NOUN[f] for f in also])
        how = " (low inside)" if sign < 0 else ""
    else:
        base = NOUN[feature]
        direction = "rises" if sign > 0 else "falls"
        how = f" ({direction} {'as brackets open' if feature == 'bracket_depth' else 'along the line'})"
    return f"weak {base} unit{how}" if weak else f"{base} cell{how}"


def compute(name: str, log=print, weights: str | Path | None = None) -> dict[str, Any]:
    """The ``"cells"`` entry for shipped model ``name`` (or its weights in folder ``weights``)."""
    import importlib.metadata

    from ..neurons import find_neurons
    from . import load

    t0 = time.time()
    model = load(name, weights)
    sel_texts, ev_texts = stdlib_parts()
    tp_texts = third_party_texts()
    keep = candidates(name)
    sel, ev = _trace_all(model, sel_texts, keep), _trace_all(model, ev_texts, keep)
    tp = {pkg: _trace_all(model, texts, keep) for pkg, texts in tp_texts.items()}
    tp_all = [tr for trs in tp.values() for tr in trs]
    log(f"{name}: traced {sum(len(t) for _, t in sel_texts + ev_texts):,} stdlib and "
        f"{sum(len(tr.text) for tr in tp_all):,} third-party characters in {time.time() - t0:.0f} s")  # fmt: skip
    layers = [n for n in sel[0].names if n.endswith(keep)]
    cells: dict[str, Any] = {}
    for feature in FEATURES:
        df = find_neurons(sel, feature, layers=layers, top=50, test=ev)
        best = df.iloc[0]
        layer, neuron, sign = str(best.layer), int(best.neuron), int(best.sign)
        held = _unit_score(ev, layer, neuron, sign, feature)
        entry: dict[str, Any] = {
            "layer": layer,
            "neuron": neuron,
            "sign": sign,
            "metric": str(best.metric),
            "selection": {
                "score": round(float(best.score), 4),
                "se": round(float(best.score_se), 4),
                "n_chars": int(sum(len(tr.text) for tr in sel)),
                "n_texts": len(sel),
                "rank_held_out": None,
            },
            "held_out": held,
            "third_party": {
                **_unit_score(tp_all, layer, neuron, sign, feature),
                "packages": {
                    pkg: _unit_score(trs, layer, neuron, sign, feature) for pkg, trs in tp.items()
                },
            },
            "baseline": {
                "chance": 0.5 if feature in BOOLEAN else 0.0,
                "best_of_n": {
                    "n": int(df.attrs["n_candidates"]),
                    **_null_best_of_n(sel, ev, feature, layers),
                },
            },
            "selected_on": df.attrs["selection"].replace("trace", "held-out stdlib files"),
        }
        ranks = df.sort_values("test_score", ascending=False).reset_index(drop=True)
        hit = ranks.index[(ranks.layer == layer) & (ranks.neuron == neuron)]
        entry["selection"]["rank_held_out"] = (
            f"{int(hit[0]) + 1} of the top 50" if len(hit) else "not in the top 50"
        )
        if feature in BOOLEAN:
            entry["other_features"] = {
                other: _unit_score(ev, layer, neuron, sign, other)["score"]
                for other in BOOLEAN
                if other != feature
            }
        entry["name"] = name_cell(feature, entry)
        cells[feature] = entry
        log(
            f"  {feature:<18} {layer}/{neuron} sign {sign:+d}  selection {best.score:.3f}  "
            f"held-out {held['score']:.3f} ± {held['se']:.3f}  third-party "
            f"{entry['third_party']['score']:.3f} ± {entry['third_party']['se']:.3f}  "
            f"null best-of-{entry['baseline']['best_of_n']['n']} "
            f"{entry['baseline']['best_of_n']['selection']:.3f} → "
            f"{entry['baseline']['best_of_n']['held_out']:.3f}  “{entry['name']}”"
        )
    versions = {}
    for pkg in tp:
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "?"
    return {
        "how": "python -m interpwidgets.zoo.cells --write (interpwidgets/zoo/cells.py)",
        "candidates": f"every unit of {', '.join(layers)}",
        "selection_texts": f"{len(sel)} held-out stdlib files (every other one, sorted), each cut at {FILE_CHARS:,} characters",
        "held_out_texts": f"the other {len(ev)} held-out stdlib files, same cut",
        "third_party_texts": {
            pkg: f"{pkg} {versions[pkg]}: {len(trs)} files in sorted path order, each cut at {FILE_CHARS:,} characters"
            for pkg, trs in tp.items()
        },
        "interval": "95%: AUROC ± 1.96 SE (Obuchowski's clustered variance), r: Fisher z ± 1.96 block-jackknife SE; blocks of whole lines up to 2,000 characters, never across files",
        "cells": cells,
    }


def rescore(name: str) -> dict[str, Any]:
    """Re-measure the card's stored cells on the held-out and third-party texts (same units,
    same signs, no new selection): for a change in how scores or intervals are computed."""
    from . import card, load

    cells = card(name)["cells"]
    model, keep = load(name), CANDIDATES[name]
    _, ev_texts = stdlib_parts()
    ev = _trace_all(model, ev_texts, keep)
    tp = {pkg: _trace_all(model, texts, keep) for pkg, texts in third_party_texts().items()}
    tp_all = [tr for trs in tp.values() for tr in trs]
    for feature, c in cells.items():
        unit = (c["layer"], c["neuron"], c["sign"])
        c["held_out"] = _unit_score(ev, *unit, feature)
        c["third_party"] = {
            **_unit_score(tp_all, *unit, feature),
            "packages": {pkg: _unit_score(trs, *unit, feature) for pkg, trs in tp.items()},
        }
        if feature in BOOLEAN:
            c["other_features"] = {
                o: _unit_score(ev, *unit, o)["score"] for o in BOOLEAN if o != feature
            }
        c["name"] = name_cell(feature, c)
    return cells


def markdown_table(name: str) -> str:
    """The card's cells as the Markdown table docs/models.md shows (a test keeps them equal)."""
    from . import card

    cells = card(name)["cells"]
    lines = [
        "| feature | cell (sign) | what it does | where chosen | held-out stdlib, 95% CI | "
        "unseen third-party code, 95% CI | baseline: chance; best of N unrelated units, chosen → held out |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for feature, c in cells.items():
        m = "AUROC" if c["metric"] == "auroc" else "r"
        h, t, b = c["held_out"], c["third_party"], c["baseline"]
        pk = ", ".join(f"{k} {v['score']:.2f}" for k, v in t.get("packages", {}).items())
        lines.append(
            f"| `{feature}` | `{c['layer']}` {c['neuron']} ({'+' if c['sign'] > 0 else '−'}) | "
            f"{c['name']} | {m} {c['selection']['score']:.3f} on {c['selection']['n_chars']:,} chars |"
            f" **{h['score']:.3f}** ({h['ci'][0]:.3f}–{h['ci'][1]:.3f}), {h['n_chars']:,} chars |"
            f" {t['score']:.3f} ({t['ci'][0]:.3f}–{t['ci'][1]:.3f}), {t['n_chars']:,} chars; {pk} |"
            f" {b['chance']:g}; best of {b['best_of_n']['n']:,}: {b['best_of_n']['selection']:.3f}"
            f" → {b['best_of_n']['held_out']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m interpwidgets.zoo.cells")
    from .recipes import RECIPES

    parser.add_argument("name", nargs="?", default="all", choices=["all", *RECIPES])
    parser.add_argument("--write", action="store_true", help="store the entry in the card")
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the card's cells as docs/models.md shows them",
    )
    parser.add_argument(
        "--rescore", action="store_true", help="re-measure the card's cells (no new selection)"
    )
    parser.add_argument(
        "--names", action="store_true", help="re-derive the cells' names from the card's numbers"
    )
    parser.add_argument(
        "--selection-chars", type=int, default=cell_texts.SELECTION_CHARS, help="selection budget"
    )
    parser.add_argument(
        "--weights", default=None, help="score the model in this folder (not with --write)"
    )
    args = parser.parse_args(argv)
    import torch

    cell_texts.SELECTION_CHARS = args.selection_chars

    from . import WEIGHTS

    torch.set_num_threads(1)  # batch-1 recurrences: more threads only spin (20x the CPU here)

    if args.rescore:
        for name in CANDIDATES if args.name == "all" else [args.name]:
            path = WEIGHTS / f"{name}.json"
            cells = rescore(name)
            card = json.loads(path.read_text())
            card["cells"] = cells
            path.write_text(json.dumps(card, indent=1) + "\n")
            print(f"rescored {path}")
        return 0
    if args.names:  # re-derive the names from the stored numbers (the naming rule changed)
        for name in CANDIDATES if args.name == "all" else [args.name]:
            path = WEIGHTS / f"{name}.json"
            card = json.loads(path.read_text())
            for feature, entry in card["cells"].items():
                entry["name"] = name_cell(feature, entry)
            path.write_text(json.dumps(card, indent=1) + "\n")
        return 0
    if args.markdown:
        for name in CANDIDATES if args.name == "all" else [args.name]:
            print(markdown_table(name))
        return 0

    if args.weights and args.write:
        parser.error("--weights scores a candidate; --write stores the shipped model's cells")
    if args.name not in ("all", *CANDIDATES) and not args.weights:
        parser.error(f"{args.name} is not shipped: give --weights DIR (its --out folder)")
    for name in CANDIDATES if args.name == "all" else [args.name]:
        result = compute(name, weights=args.weights)
        if args.write:
            path = WEIGHTS / f"{name}.json"
            card = json.loads(path.read_text())
            card["cells"] = result.pop("cells")
            card["cells_method"] = result
            path.write_text(json.dumps(card, indent=1) + "\n")
            print(f"wrote {path}")
        else:
            json.dump(result, sys.stdout, indent=1)
            print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
