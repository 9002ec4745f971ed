"""Robustness: each input next to its perturbed variants, flips first, attributions before/after."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import traitlets

from ..i18n import resolve
from .attribution_text import method_label
from .base import Widget, check_title
from .traits import Data


def _num(x: Any, digits: int = 6) -> float | None:
    """A finite float rounded for JSON, or None (NaN: e.g. the flip rate of a kind that changed nothing)."""
    x = float(x)
    return round(x, digits) if math.isfinite(x) else None


class Robustness(Widget):
    """A :class:`~interpwidgets.diagnosis.RobustnessResult` as a table of flip rates and a list of
    inputs, each with its perturbed variants.

    Args:
        result: what ``iw.diagnosis.robustness(model, tokenizer, texts, ...)`` returned
            (pass ``attributions=True`` there for token shading before and after).
        title: an optional caption.

    The summary table has one row per perturbation kind (texts changed, flips, flip rate, mean
    change in the probability of the original prediction); click a row to show only that kind.
    Under each input, its variants: the edit made visible (inserted words underlined, replaced
    words marked with the old word in the tooltip, dropped words struck through, moved words
    dotted), the new prediction, the probability of the ORIGINAL class and its change; flips
    carry a "flipped" badge and come first. Variants the perturbation did not change are
    counted and hidden until "unchanged" is on. With attributions, every token is shaded by its
    score for the original class, on one colour scale per input (shared by the input and its
    variants).

    Two-way traits: ``selected`` (``{"text": i, "kind": k}`` for the clicked row, ``kind``
    ``None`` for the input itself; ``{}`` when none), ``filter_kind`` (``""`` or a kind),
    ``flips_only``, ``show_unchanged`` and ``show_attributions``. Everything the view shows is
    in its traits, so ``save_html`` needs no kernel and no further data.
    """

    _bundle = "robustness.js"

    labels: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    kinds: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    summary: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    inputs: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    variants: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True, output=True)
    attributions = Data(arrays={"scores": "float32", "offsets": "int32"}).tag(output=True)
    meta = traitlets.Dict().tag(sync=True, output=True)
    title = traitlets.Unicode("").tag(sync=True)
    selected = traitlets.Dict().tag(sync=True, browser=True)
    filter_kind = traitlets.Unicode("").tag(sync=True, browser=True)
    flips_only = traitlets.Bool(False).tag(sync=True, browser=True)
    show_unchanged = traitlets.Bool(False).tag(sync=True, browser=True)
    show_attributions = traitlets.Bool(True).tag(sync=True, browser=True)

    def __init__(self, result: Any, title: str = "", locale: str | None = None) -> None:
        from ..diagnosis import RobustnessResult

        if not isinstance(result, RobustnessResult):
            raise TypeError(
                "result: expected a RobustnessResult (iw.diagnosis.robustness(model, tokenizer, texts)), "
                f"got {type(result).__name__}"
            )
        title = check_title(title)
        n_texts, n_kinds = len(result.texts), len(result.kinds)
        before = np.asarray(result.probs_before, dtype=np.float64)
        after = np.asarray(result.probs_after, dtype=np.float64)
        n_classes = len(result.labels)
        if before.shape != (n_texts, n_classes):
            raise ValueError(
                f"result.probs_before: expected shape ({n_texts}, {n_classes}) (texts × labels), got {before.shape}"
            )
        if after.shape != (n_kinds, n_texts, n_classes):
            raise ValueError(
                f"result.probs_after: expected shape ({n_kinds}, {n_texts}, {n_classes}) "
                f"(kinds × texts × labels), got {after.shape}"
            )
        if len(result.perturbed) != n_kinds or any(len(v) != n_texts for v in result.perturbed):
            raise ValueError(
                f"result.perturbed: expected {n_kinds} lists of {n_texts} texts (kinds × texts)"
            )
        predicted = before.argmax(-1)
        inputs = [
            {"text": t, "predicted": int(c), "p": _num(before[i, c])}
            for i, (t, c) in enumerate(zip(result.texts, predicted, strict=True))
        ]
        variants = []
        for k, kind in enumerate(result.kinds):
            for i, text in enumerate(result.texts):
                v = result.perturbed[k][i]
                c, new = int(predicted[i]), int(after[k, i].argmax())
                variants.append(
                    {
                        "text": i,
                        "kind": kind,
                        "perturbed": v,
                        "changed": v != text,
                        "after": new,
                        "p_after": _num(after[k, i, new]),
                        "p_orig": _num(after[k, i, c]),
                        "delta": _num(after[k, i, c] - before[i, c]),
                        "flipped": new != c,
                    }
                )
        summary = [
            {
                "kind": str(row["kind"]),
                "texts": int(row["texts"]),
                "changed": int(row["changed"]),
                "flips": int(row["flips"]),
                "flip_rate": _num(row["flip_rate"]),
                "mean_change": _num(row["mean_confidence_change"]),
            }
            for row in result.summary.to_dict("records")
        ]
        self._result = result
        super().__init__(
            locale=locale,
            labels=[str(x) for x in result.labels],
            kinds=list(result.kinds),
            summary=summary,
            inputs=inputs,
            variants=variants,
            attributions=_attributions(result, predicted, resolve(locale)),
            meta={"seed": int(result.seed), "rate": _num(result.rate), "method": result.method},
            title=title,
        )

    def _relabel(self) -> None:
        if self.attributions:
            first = next(iter(self._result.attributions.values()))
            label = method_label(first.method, first.label, self.locale)
            self.attributions = {**self.attributions, "label": label}

    # -- two-way traits ------------------------------------------------------------------
    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> dict[str, Any]:
        value = proposal["value"]
        if not value:
            return {}
        text, kind = value.get("text"), value.get("kind")
        if (
            set(value) - {"text", "kind"}
            or isinstance(text, bool)
            or not isinstance(text, (int, np.integer))
            or not 0 <= text < len(self.inputs)
            or not (kind is None or kind in self.kinds)
        ):
            raise ValueError(
                f"selected: expected {{}} or {{'text': index in [0, {len(self.inputs) - 1}], "
                f"'kind': None or one of {self.kinds}}}, got {value!r}"
            )
        return {"text": int(text), "kind": kind}

    @traitlets.validate("filter_kind")
    def _valid_filter_kind(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value and value not in self.kinds:
            raise ValueError(
                f"filter_kind: expected '' (all) or one of {self.kinds}, got {value!r}"
            )
        return value

    @property
    def result(self) -> Any:
        """The :class:`~interpwidgets.diagnosis.RobustnessResult` shown."""
        return self._result

    def figure(self, **kwargs: Any):
        """Flip rate and confidence change per perturbation kind, as a matplotlib figure."""
        from ..figures import robustness_figure

        kwargs.setdefault("lang", self.locale)
        return robustness_figure(self._result, **kwargs)


def _attributions(result: Any, predicted: np.ndarray, lang: str) -> dict[str, Any]:
    """Every attribution's scores and offsets concatenated into one buffer each, plus an index."""
    from ..attribution import Attribution

    if not result.attributions:
        return {}
    kind_order = {None: -1, **{k: n for n, k in enumerate(result.kinds)}}
    items, scores, offsets = [], [], []
    start = 0
    for key in sorted(result.attributions, key=lambda key: (key[0], kind_order.get(key[1], 99))):
        a = result.attributions[key]
        where = f"result.attributions[{key!r}]"
        if not isinstance(key, tuple) or len(key) != 2 or key[1] not in kind_order:
            raise ValueError(
                f"result.attributions: expected keys (text index, kind or None), got {key!r}"
            )
        i, kind = key
        if not isinstance(i, (int, np.integer)) or not 0 <= i < len(result.texts):
            raise ValueError(
                f"result.attributions: expected keys (text index, kind or None), got {key!r}"
            )
        if not isinstance(a, Attribution):
            raise TypeError(f"{where}: expected an Attribution, got {type(a).__name__}")
        want = result.texts[i] if kind is None else result.perturbed[result.kinds.index(kind)][i]
        if a.text != want:
            raise ValueError(f"{where}: expected an attribution of {want!r}, got one of {a.text!r}")
        if a.target != int(predicted[i]):
            raise ValueError(
                f"{where}: expected scores for the original prediction (class {int(predicted[i])}), "
                f"got class {a.target}"
            )
        n = len(a.tokens)
        items.append(
            {
                "text": int(i),
                "kind": kind,
                "start": start,
                "count": n,
                "delta": _num(a.delta) if a.delta is not None else None,
                "note": str(a.meta.get("truncated", "")),
            }
        )
        scores.append(np.asarray(a.scores, dtype=np.float32))
        offsets.append(np.asarray(a.offsets, dtype=np.int32).reshape(n, 2))
        start += n
    first = next(iter(result.attributions.values()))
    return {
        "method": first.method,
        "label": method_label(first.method, first.label, lang),
        "scores": np.concatenate(scores),
        "offsets": np.concatenate(offsets),
        "items": items,
    }
