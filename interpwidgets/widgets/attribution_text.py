"""AttributionText: the text shaded by which tokens pushed a prediction, method by method."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import traitlets

from ..i18n import resolve, t
from .base import Widget, check_title
from .traits import Array, Data

#: Each row's scores, word scores and completeness delta travel as float32.
ROW_ARRAYS = {k: "float32" for k in ("scores", "word_scores", "delta", "delta_ratio")}


class AttributionText(Widget):
    """One or more attributions of the same text, as shaded text rows.

    Args:
        attributions: an :class:`~interpwidgets.attribution.Attribution` (``iw.attribute``)
            or a list of them on the same text and tokens (compare mode: one row per method
            and their pairwise Kendall τ of the |score| rankings — Jain & Wallace 2019's
            measurement — with a ``random`` row: each method's τ with seeded random rankings,
            mean ± standard error over ``random_draws`` draws, the τ reached by chance).
        level: ``"token"`` or ``"word"`` (words aggregate tokens by ``word_agg``).
        word_agg: ``"sum"`` (keeps completeness) or ``"max_abs"``.
        scale: ``"row"`` (each method its own colour range — methods differ in units, e.g.
            attention weights vs IG scores) or ``"shared"`` (one range for every row).
        title: an optional caption.
        random_draws, seed: the random row's number of draws and seed (same seed, same row).

    Every class computed with ``all_targets=True`` is sent, so the target selector recolours
    without the kernel. Integrated Gradients rows show their completeness delta, in a warning
    colour when it exceeds 5% of |Σ scores|. Two-way traits: ``target`` (index into
    ``labels``), ``level``, ``scale``.
    """

    _bundle = "attribution_text.js"

    text = traitlets.Unicode().tag(sync=True, output=True)
    offsets = Array("int32", ndim=2).tag(output=True)
    tokens: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    words = Data(arrays={"offsets": "int32", "of_token": "int32"}).tag(output=True)
    labels: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    probs = Array("float32", ndim=1).tag(output=True)
    predicted = traitlets.Int(0).tag(sync=True, output=True)
    target = traitlets.Int(0).tag(sync=True, browser=True)
    level = traitlets.Unicode("token").tag(sync=True, browser=True)
    word_agg = traitlets.Unicode("sum").tag(sync=True, output=True)
    rows = Data(arrays=ROW_ARRAYS, default_value=[]).tag(output=True)
    scale = traitlets.Unicode("shared").tag(sync=True, browser=True)
    tau = Array("float32", ndim=3).tag(output=True)
    tau_random = Array("float32", ndim=3).tag(output=True)
    random_draws = traitlets.Int(0).tag(sync=True, output=True)
    notes: traitlets.List[str] = traitlets.List().tag(sync=True, output=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        attributions: Any,
        level: str = "token",
        word_agg: str = "sum",
        scale: str = "row",
        title: str = "",
        random_draws: int = 20,
        seed: int = 0,
        locale: str | None = None,
    ) -> None:
        from ..attribution import Attribution
        from ..evaluation import agreement, random_agreement

        items = (
            [attributions]
            if isinstance(attributions, Attribution)
            else list(attributions)
            if isinstance(attributions, Sequence)
            else None
        )
        if not items or not all(isinstance(a, Attribution) for a in items):
            raise TypeError(
                f"attributions: expected an Attribution (iw.attribute(...)) or a list of them, got {type(attributions).__name__}"
            )
        first = items[0]
        for i, a in enumerate(items[1:], 1):
            if a.text != first.text or a.tokens != first.tokens:
                raise ValueError(
                    f"attributions[{i}]: expected the same text and tokens as attributions[0] (compare methods on one input)"
                )
        classes = sorted(set.intersection(*(set(a.all_scores) for a in items)))
        if first.target not in classes:
            classes = [first.target, *classes]
        if level not in ("token", "word"):
            raise ValueError(f"level: expected 'token' or 'word', got {level!r}")
        if scale not in ("shared", "row"):
            raise ValueError(f"scale: expected 'shared' or 'row', got {scale!r}")
        if word_agg not in ("sum", "max_abs"):
            raise ValueError(f"word_agg: expected 'sum' or 'max_abs', got {word_agg!r}")
        title = check_title(title)
        if isinstance(random_draws, bool) or not isinstance(random_draws, int) or random_draws < 2:
            raise ValueError(f"random_draws: expected an int ≥ 2, got {random_draws!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
        self._items = items
        self._classes = classes
        spans, of_token, _ = first.words(word_agg)
        rows = []
        for a in items:
            _, _, word_scores = a.words(word_agg)
            deltas = [a.all_deltas.get(c) for c in classes]
            has_delta = any(d is not None for d in deltas)
            assert a.special is not None  # Attribution fills it in when it is made
            sums = np.array([np.abs(a.all_scores[c][~a.special].sum()) for c in classes])
            delta = np.array([np.nan if d is None else d for d in deltas], dtype=np.float32)
            ratio = np.abs(delta) / np.maximum(sums, 1e-12)
            rows.append(
                {
                    "method": a.method,
                    "label": method_label(a.method, a.label, resolve(locale)),
                    "scores": np.stack([a.all_scores[c] for c in classes]),
                    "word_scores": np.stack([word_scores[c] for c in classes]),
                    "delta": delta if has_delta else None,
                    "delta_ratio": ratio if has_delta else None,
                    "note": _note(a, resolve(locale)),
                }
            )
        tau = np.stack([agreement(items, c) for c in classes]).astype(np.float32)
        tau_random = np.stack(
            [random_agreement(items, c, draws=random_draws, seed=seed) for c in classes]
        ).astype(np.float32)  # (n_classes, n_rows, 2): mean, SE over draws
        notes = sorted({str(a.meta["truncated"]) for a in items if a.meta.get("truncated")})
        super().__init__(
            locale=locale,
            text=first.text,
            offsets=first.offsets,
            tokens=list(first.tokens),
            words={"offsets": spans, "of_token": of_token},
            labels=[first.labels[c] for c in classes],
            probs=first.probs[classes],
            predicted=classes.index(first.predicted) if first.predicted in classes else -1,
            target=classes.index(first.target),
            level=level,
            word_agg=word_agg,
            rows=rows,
            scale=scale,
            tau=tau,
            tau_random=tau_random if len(items) > 1 else None,
            random_draws=random_draws,
            notes=notes,
            title=title,
        )

    @traitlets.validate("target")
    def _valid_target(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if not 0 <= value < len(self._classes):
            raise ValueError(
                f"target: expected an index into labels [0, {len(self._classes) - 1}], got {value}"
            )
        return value

    @traitlets.validate("level")
    def _valid_level(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in ("token", "word"):
            raise ValueError(f"level: expected 'token' or 'word', got {proposal['value']!r}")
        return proposal["value"]

    @traitlets.validate("scale")
    def _valid_scale(self, proposal: dict[str, Any]) -> str:
        if proposal["value"] not in ("shared", "row"):
            raise ValueError(f"scale: expected 'shared' or 'row', got {proposal['value']!r}")
        return proposal["value"]

    def _relabel(self) -> None:
        self.rows = [
            {
                **row,
                "label": method_label(a.method, a.label, self.locale),
                "note": _note(a, self.locale),
            }
            for row, a in zip(self.rows, self._items, strict=True)
        ]

    @property
    def attributions(self) -> list[Any]:
        return list(self._items)

    def figure(self, **kwargs: Any):
        """The rows as a matplotlib figure (text shaded per token, one row per method)."""
        from ..figures import attribution_figure

        kwargs.setdefault("lang", self.locale)
        return attribution_figure(self._items, self._classes[self.target], **kwargs)


#: the catalogue keys of the attribution methods whose names a reader may want translated
#: (DeepLift, LIME, KernelSHAP are names and stay as they are)
METHOD_KEYS = {
    "saliency": "widget.method_saliency",
    "input_x_gradient": "widget.method_input_x_gradient",
    "integrated_gradients": "widget.method_integrated_gradients",
    "occlusion": "widget.method_occlusion",
    "attention": "widget.method_attention",
    "rollout": "widget.method_rollout",
}


def method_label(method: str, label: str, lang: str) -> str:
    """The name a widget shows for an attribution method: the catalogue's in ``lang`` for a
    method that has a key and still carries its standard label, else ``label`` as given."""
    from ..attribution import METHODS

    key = METHOD_KEYS.get(method)
    return t(key, lang) if key and label == METHODS.get(method) else label


def _note(a: Any, lang: str) -> str:
    """The line under a row's method name, in ``lang``."""
    if a.method == "integrated_gradients":
        return t(
            "widget.ig_note",
            lang,
            baseline=a.meta.get("baseline", "pad"),
            steps=a.meta.get("n_steps", 100),
        )
    if a.method in ("attention", "rollout"):
        return t("widget.same_for_every_class", lang)
    return ""
