"""Static counterparts of the widgets, as matplotlib figures (for papers and slides)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .figure_fonts import CJK_FONTS as CJK_FONTS  # re-exported
from .figure_fonts import cjk_text, text_families
from .gate_figure import gate_saturation_figure as gate_saturation_figure  # re-exported
from .i18n import catalogue, resolve, t
from .neuron_figure import neuron_text_figure as neuron_text_figure  # re-exported
from .text_scale import INK, text_background

#: The colour of a missing (NaN) value, as in the browser.
MISSING = (189 / 255, 189 / 255, 189 / 255)


def column_vmax(values: np.ndarray) -> float:
    """Half-width of the colour scale for one column: max |value| (NaN ignored), 1 if none."""
    finite = np.abs(values[np.isfinite(values)])
    vmax = float(finite.max()) if finite.size else 0.0
    return vmax if vmax > 0 else 1.0


def attention_matrix_figure(
    matrix: Any,
    tokens: Sequence[str],
    title: str = "",
    ax: Any = None,
    max_labels: int = 80,
    key_tokens: Sequence[str] | None = None,
    lang: str | None = None,
):
    """A head's query × key attention as a heatmap with token labels (when they fit).

    ``tokens`` label the rows (queries), ``key_tokens`` the columns (default: ``tokens``);
    the axis labels are in ``lang`` (default: ``iw.locale()``).
    """
    import matplotlib.pyplot as plt

    m = np.asarray(matrix, dtype=np.float32)
    n, nk = m.shape
    key_tokens = tokens if key_tokens is None else key_tokens
    if ax is None:
        size = min(12.0, 2.5 + 0.16 * max(n, nk))
        fig, ax = plt.subplots(figsize=(size + 1, size))
    else:
        fig = ax.figure
    cmap = plt.get_cmap("Blues").with_extremes(bad=MISSING)
    im = ax.imshow(
        np.ma.masked_invalid(m),
        cmap=cmap,
        vmin=0,
        vmax=max(float(np.nanmax(m)), 1e-9),
        interpolation="nearest",
    )
    if max(n, nk) <= max_labels:
        ax.set_xticks(range(nk), key_tokens, rotation=90, fontsize=8)
        ax.set_yticks(range(n), tokens, fontsize=8)
    lang = resolve(lang)
    ax.set_xlabel(t("fig.attn_key_axis", lang))
    ax.set_ylabel(t("fig.attn_query_axis", lang))
    ax.set_title(title, loc="left")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cjk_text(fig)
    fig.tight_layout()
    return fig


def head_summary_figure(
    values: Any,
    label: str,
    layer_labels: Sequence[str],
    head_labels: Sequence[str],
    ax: Any = None,
    lang: str | None = None,
):
    """A layers × heads grid coloured by one per-head measure, values printed in the cells
    (axis labels in ``lang``, default ``iw.locale()``)."""
    import matplotlib.pyplot as plt

    v = np.asarray(values, dtype=np.float32)
    if ax is None:
        fig, ax = plt.subplots(figsize=(0.6 * v.shape[1] + 2, 0.5 * v.shape[0] + 1.5))
    else:
        fig = ax.figure
    im = ax.imshow(v, cmap="Blues", aspect="auto")  # the widget's sequential scale
    ax.set_xticks(range(v.shape[1]), head_labels)
    ax.set_yticks(range(v.shape[0]), layer_labels)
    lang = resolve(lang)
    ax.set_xlabel(t("fig.head", lang))
    ax.set_ylabel(t("fig.layer", lang))
    ax.set_title(label, loc="left")
    mid = (np.nanmax(v) + np.nanmin(v)) / 2
    for (i, j), x in np.ndenumerate(v):
        ax.text(
            j,
            i,
            f"{x:.2f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if x > mid else "black",  # dark blue at the top of Blues
        )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    cjk_text(fig)
    fig.tight_layout()
    return fig


def attribution_figure(
    attributions: Sequence[Any],
    target: int | None = None,
    fontsize: float = 11.0,
    lang: str | None = None,
):
    """Attributions as shaded text, one row per method (diverging scale shared by the rows;
    the title in ``lang``, default ``iw.locale()``). The shades and the ink are the widget's
    (:func:`interpwidgets.text_scale.text_background`: RdBu capped where the dark ink keeps its
    contrast), so every word is readable and the figure shows what AttributionText shows."""
    import matplotlib.pyplot as plt

    cls = attributions[0].target if target is None else target
    rows = [(a.label, a.all_scores[cls], a) for a in attributions]
    vmax = (
        max(
            float(np.nanmax(np.abs(s[~a.special]))) if (~a.special).any() else 1.0
            for _, s, a in rows
        )
        or 1.0
    )
    first = attributions[0]
    width = max(6.0, 0.11 * len(first.text) * fontsize / 10 + 2.5)
    fig, ax = plt.subplots(figsize=(min(width, 18), 0.5 * len(rows) + 0.8))
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows), 0)
    ax.set_axis_off()
    families = text_families()
    # the Agg canvas pyplot makes has get_renderer; matplotlib's stubs type the base canvas
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for r, (label, scores, a) in enumerate(rows):
        ax.text(0.0, r + 0.5, label, ha="left", va="center", fontsize=fontsize - 2, color="#444")
        x = 0.22
        for i, (s, e) in enumerate(a.offsets):
            if e <= s or a.special[i]:
                continue
            piece = a.text[s:e].replace("\n", " ")
            shade = text_background("diverging", float(np.clip(scores[i] / vmax, -1, 1)))
            color = tuple(c / 255 for c in shade)
            drawn = ax.text(
                x,
                r + 0.5,
                piece,
                ha="left",
                va="center",
                fontsize=fontsize,
                family=families,
                color=INK["light"],
                bbox={"facecolor": color, "edgecolor": "none", "pad": 1.5},
            )
            bb = drawn.get_window_extent(renderer=renderer).transformed(ax.transData.inverted())
            x = bb.x1 + 0.006
    ax.set_title(
        t("fig.attribution_title", resolve(lang), target=first.labels[cls], vmax=f"{vmax:.3g}"),
        loc="left",
        fontsize=fontsize - 1,
    )
    return cjk_text(fig)


def probe_figure(
    results: Sequence[Any],
    names: Sequence[str] | None = None,
    ax: Any = None,
    lang: str | None = None,
):
    """Probe accuracy (solid), control accuracy (dashed), selectivity (dotted) and the
    majority baseline (faint) per layer; error bars are ±1.96 SE (95 %) where the table has
    ``accuracy_se`` / ``control_accuracy_se`` / ``selectivity_se``. Labels in ``lang``
    (default ``iw.locale()``)."""
    import matplotlib.pyplot as plt

    lang = resolve(lang)

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.6))
    else:
        fig = ax.figure
    colors = plt.get_cmap("tab10")
    for i, r in enumerate(results):
        table = r.table
        x = np.arange(len(table))
        name = names[i] if names is not None else f"{r.model} · {r.task}"

        def err(col: str, table: Any = table) -> Any:
            return 1.96 * np.asarray(table[col], dtype=float) if col in table else None

        for col, style, label in (
            ("accuracy", {"ls": "-", "marker": "o"}, t("fig.probe_accuracy", lang)),
            (
                "control_accuracy",
                {"ls": "--", "marker": "x", "alpha": 0.7},
                t("fig.probe_control", lang),
            ),
            (
                "selectivity",
                {"ls": ":", "marker": ".", "alpha": 0.9},
                t("fig.probe_selectivity", lang),
            ),
        ):
            ax.errorbar(
                x,
                table[col],
                yerr=err(f"{col}_se"),
                color=colors(i),
                capsize=2,
                elinewidth=0.8,
                label=f"{name}: {label}",
                **style,
            )
        if "majority" in table:
            ax.plot(x, table["majority"], ls=(0, (1, 3)), color=colors(i), alpha=0.5, lw=1)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("fig.probe_x", lang))
    ax.set_ylabel(t("fig.probe_y", lang))
    ax.axhline(0, color="#999", lw=0.6)
    ax.legend(fontsize=7, loc="best")
    cjk_text(fig)
    fig.tight_layout()
    return fig


#: How the robustness figure names each perturbation in English (in another language: the
#: catalogue's ``ui.robustness.kind_*``, as the widget does).
KIND_NAMES = {
    "char_noise": "character noise",
    "word_dropout": "word dropout",
    "negation": "negation",
    "antonym": "antonym swap",
    "synonym": "synonym swap",
    "shuffle": "word shuffle",
}


def kind_name(kind: Any, lang: str = "en") -> str:
    """A perturbation kind's name in ``lang`` (an unknown kind: its name, spaced)."""
    key = f"ui.robustness.kind_{kind}"
    if lang != "en" and key in catalogue(lang):
        return t(key, lang)
    return KIND_NAMES.get(kind, str(kind).replace("_", " "))


def robustness_figure(result: Any, axes: Any = None, lang: str | None = None):
    """Flip rate per perturbation kind (bars with their 95% Wilson interval, "flips/changed"
    printed) beside the change in the probability of the original prediction (one dot per
    changed text, the mean as a bar). Labels in ``lang`` (default ``iw.locale()``)."""
    import matplotlib.pyplot as plt

    lang = resolve(lang)

    if axes is None:
        fig, axes = plt.subplots(
            1, 2, figsize=(9, 0.42 * len(result.kinds) + 1.3), sharey=True, width_ratios=[1, 1.3]
        )
    else:
        fig = axes[0].figure
    left, right = axes
    s = result.summary
    y = np.arange(len(s))
    names = [kind_name(k, lang) for k in s["kind"]]
    rate = s["flip_rate"].to_numpy(dtype=float)
    left.barh(y, np.nan_to_num(rate), color="#b2182b", height=0.6)
    end = np.nan_to_num(rate)
    if {"flip_rate_low", "flip_rate_high"} <= set(s.columns):  # 95% Wilson interval
        low = s["flip_rate_low"].to_numpy(dtype=float)
        high = s["flip_rate_high"].to_numpy(dtype=float)
        ok = ~np.isnan(rate)
        left.errorbar(
            rate[ok],
            y[ok],
            xerr=[rate[ok] - low[ok], high[ok] - rate[ok]],
            fmt="none",
            ecolor="#333",
            elinewidth=0.8,
            capsize=2,
        )
        end = np.where(ok, np.fmax(end, np.nan_to_num(high)), end)
    for yi, r, e, f, n in zip(y, rate, end, s["flips"], s["changed"], strict=True):
        label = (
            t("fig.robustness_did_not_apply", lang) if n == 0 else f"{r:.0%}  ({int(f)}/{int(n)})"
        )
        left.text(e + 0.02, yi, label, va="center", fontsize=8, color="#333")
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlim(0, 1.35)
    left.set_xticks([0, 0.5, 1], ["0%", "50%", "100%"])
    left.set_xlabel(t("fig.robustness_rate", lang))
    d = result.details
    for yi, kind in zip(y, s["kind"], strict=True):
        rows = d[(d.kind == kind) & d.changed]
        if not len(rows):
            continue
        jitter = (np.arange(len(rows)) % 5 - 2) * 0.06
        colors = np.where(rows.flipped, "#b2182b", "#2166ac")
        right.scatter(rows.delta, yi + jitter, s=14, c=colors, alpha=0.75, lw=0)
        right.plot([rows.delta.mean()] * 2, [yi - 0.3, yi + 0.3], color="#111", lw=2)
    right.axvline(0, color="#999", lw=0.6)
    right.set_xlim(-1.05, 1.05)
    right.set_xlabel(t("fig.robustness_delta", lang))
    for ax in axes:
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        t(
            "fig.robustness_title",
            lang,
            n=len(result.texts),
            seed=result.seed,
            rate=f"{result.rate:g}",
        ),
        fontsize=10,
        x=0.01,
        ha="left",
    )
    cjk_text(fig)
    fig.tight_layout()
    return fig
