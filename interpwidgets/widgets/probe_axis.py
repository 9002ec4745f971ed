"""What ProbeChart's x axis means for each series, and notes its numbers call for."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..i18n import t

_INDEXED = re.compile(r"^(rnn|blocks)\.(\d+)\.")
#: The x-axis unit of each naming scheme: a recurrent model's layers, a Transformer's blocks.
UNITS = {"rnn": "layer", "blocks": "block"}


def layer_axis(layers: Sequence[str]) -> dict[str, object]:
    """``{"unit", "depth"}`` for one series: ``unit`` names what its x positions are
    (``"layer"`` for ``rnn.{k}.*``, ``"block"`` for ``blocks.{k}.*``, else ``"layer"``);
    ``depth`` is each layer's relative depth, ``(k + 1) / K`` for index ``k`` of ``K``
    (``embed`` at 0), so a 2-layer LSTM and a 4-block Transformer meet at their last layer.
    Names with no index are spread evenly over (0, 1]."""
    found = [_INDEXED.match(name) for name in layers]
    kinds = {m.group(1) for m in found if m}
    unit = UNITS[kinds.pop()] if len(kinds) == 1 else "layer"
    indexed = [int(m.group(2)) for m in found if m]
    if indexed and all(m or name == "embed" for m, name in zip(found, layers, strict=True)):
        total = max(indexed) + 1
        depth = [0.0 if m is None else (int(m.group(2)) + 1) / total for m in found]
    else:
        n = len(layers)
        depth = [(i + 1) / n for i in range(n)]
    return {"unit": unit, "depth": [round(d, 4) for d in depth]}


def selectivity_notes(
    layers: Sequence[str],
    selectivity: Sequence[float | None],
    selectivity_se: Sequence[float | None],
    lang: str | None = None,
) -> list[str]:
    """Sentences a reader needs beside the numbers: where selectivity is below 0 (the probe
    does better on the control task's random labels than on the task), and whether that is
    beyond ±1.96 standard errors; in ``lang`` (default: ``iw.locale()``)."""
    below = [
        (name, s, e)
        for name, s, e in zip(layers, selectivity, selectivity_se, strict=True)
        if s is not None and s < 0
    ]
    if not below:
        return []
    clear = [name for name, s, e in below if e is not None and s + 1.96 * e < 0]
    where = ", ".join(name for name, _, _ in below)
    out = t("widget.selectivity_below", lang, where=where)
    if clear:
        out += t("widget.selectivity_beyond", lang, where=", ".join(clear))
    else:
        out += t("widget.selectivity_within", lang)
    return [out]
