"""NeuronDashboard → NeuronText: the context a person clicked, opened on its unit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: characters shown around the clicked context when the document is traced again
MARGIN = 400


def document_text(scan: Any, sel: Mapping[str, Any], corpus: Any = None) -> str | None:
    """The full text of the selected document: from ``corpus`` (a dict name → text, a list of
    texts or paths indexed by ``doc_id``, or the document's own text as a str), else from the
    file the document name points at; ``None`` when neither holds it."""
    doc, doc_id = str(sel.get("doc", "")), int(sel.get("doc_id", -1))
    item: Any = None
    if isinstance(corpus, str):
        item = corpus
    elif isinstance(corpus, Mapping):
        if doc not in corpus:
            raise KeyError(f"corpus: has no document {doc!r} (the selected context's document)")
        item = corpus[doc]
    elif isinstance(corpus, Sequence):
        if not 0 <= doc_id < len(corpus):
            raise ValueError(f"corpus: has no document {doc_id} (it holds {len(corpus)})")
        item = corpus[doc_id]
    elif corpus is not None:
        raise TypeError(
            "corpus: expected the scanned documents (a dict name -> text, a list of texts or "
            f"paths) or the document's text, got {type(corpus).__name__}"
        )
    elif doc and Path(doc).is_file():
        item = Path(doc)
    if isinstance(item, (str, Path)) and not (isinstance(item, str) and corpus is not None):
        path = Path(item)
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    return item if isinstance(item, str) else None


def stored_row(scan: Any, sel: Mapping[str, Any]) -> tuple[str, np.ndarray] | None:
    """The clicked context and the unit's stored values over it, from the scan's own tables."""
    layer, unit = sel["layer"], int(sel["neuron"])
    frames = [scan.top(layer, unit), scan.bottom(layer, unit)]
    if hasattr(scan, "quantiles"):
        frames.append(scan.quantiles(layer, unit))
    whichs = ["top", "bottom", "quantile"]
    for which, frame in zip(whichs, frames, strict=False):
        hit = np.flatnonzero(
            (frame["doc_id"].to_numpy() == int(sel.get("doc_id", -1)))
            & (frame["position"].to_numpy() == int(sel["position"]))
        )
        if hit.size:
            values = frame.attrs.get("values") or scan.context_values(layer, unit, which=which)
            i = int(hit[0])
            return str(frame["context"].iloc[i]), np.asarray(values[i], dtype=np.float32)
    return None


def open_context(
    scan: Any, sel: dict[str, Any], model: Any = None, corpus: Any = None, **kwargs: Any
) -> Any:
    from ..trace.core import Trace
    from .neuron_text import NeuronText

    layer, unit = sel["layer"], int(sel["neuron"])
    start, end = int(sel.get("start", sel["position"])), int(sel.get("end", sel["position"] + 1))
    text = document_text(scan, sel, corpus)
    kwargs.setdefault("title", f"{sel.get('doc', '')} · character {sel['position']}")
    if model is not None and text is not None:
        from ..trace import trace

        # the model reads the document from its start (recurrent state as in the scan) …
        stop = min(len(text), end + MARGIN)
        tr = trace(model, text[:stop], progress=False)
        # … and the view shows the context with a margin either side
        lo = max(0, start - MARGIN)
        keep = (tr.offsets[:, 0] >= lo) & (tr.offsets[:, 1] <= stop)
        window = Trace.from_arrays(
            text[lo:stop],
            {k: v[keep] for k, v in tr.activations.items()},
            offsets=tr.offsets[keep] - lo,
        )
        return NeuronText(window, layer=layer, neuron=unit, **kwargs)
    found = stored_row(scan, sel)
    if found is None:
        raise ValueError(
            "selected: the scan does not hold that context any more; pass model= and corpus= "
            "to trace the document again"
        )
    context, values = found
    n_units = int(dict(scan.units)[layer])
    arr = np.full((len(context), n_units), np.nan, np.float32)  # other units: shown as missing
    arr[:, unit] = values
    kwargs["title"] = kwargs["title"] + " (values stored in the scan; other units need model=)"
    return NeuronText(Trace.from_arrays(context, {layer: arr}), layer=layer, neuron=unit, **kwargs)
