"""A small in-memory stand-in with iw.Scan's API (docs/widgets/neuron_dashboard.md), computed by
brute force from per-document arrays — NeuronDashboard's tests use it beside the real scan."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd


class FakeScan:
    def __init__(
        self,
        docs: dict[str, str],
        acts: dict[str, list[np.ndarray]],
        k=5,
        context=8,
        effect_layers=(),
        features=("in_string", "in_comment"),
    ):
        self.docs = list(docs)
        self._texts = list(docs.values())
        self._acts = acts  # layer -> one (n_chars, units) array per document
        self.layers = list(acts)
        self.units = {name: int(a[0].shape[1]) for name, a in acts.items()}
        self.k, self.context = k, context
        self._effect_layers = set(effect_layers)
        self._features = list(features)
        self.meta = {
            "model": "fake",
            "n_chars": sum(map(len, self._texts)),
            "n_docs": len(self.docs),
            "features": list(features),
        }
        rows = []
        for layer in self.layers:
            allv = np.concatenate(acts[layer])
            for u in range(self.units[layer]):
                v = allv[:, u]
                rows.append(
                    {
                        "layer": layer,
                        "unit": u,
                        "count": v.size,
                        "mean": v.mean(),
                        "std": v.std(),
                        "min": v.min(),
                        "max": v.max(),
                        "density": float((v > 0).mean()),
                    }
                )
        self.stats = pd.DataFrame(rows)

    def _positions(self, layer, unit):
        out = []
        for d, a in enumerate(self._acts[layer]):
            for p in range(a.shape[0]):
                out.append((float(a[p, unit]), d, p))
        return out

    def _frame(self, picks):
        rows = []
        for value, d, p in picks:
            text = self._texts[d]
            start, end = max(0, p - self.context), min(len(text), p + self.context + 1)
            rows.append(
                {
                    "doc": self.docs[d],
                    "doc_id": d,
                    "position": p,
                    "value": value,
                    "context": text[start:end],
                    "start": start,
                    "end": end,
                    "focus": p - start,
                }
            )
        return pd.DataFrame(
            rows, columns=["doc", "doc_id", "position", "value", "context", "start", "end", "focus"]
        )

    def top(self, layer, unit, k=None):
        pos = sorted(self._positions(layer, unit), key=lambda t: (-t[0], t[1], t[2]))
        return self._frame(pos[: k or self.k])

    def bottom(self, layer, unit, k=None):
        pos = sorted(self._positions(layer, unit), key=lambda t: (t[0], t[1], t[2]))
        return self._frame(pos[: k or self.k])

    def quantiles(self, layer, unit):
        pos = sorted(self._positions(layer, unit), key=lambda t: (-t[0], t[1], t[2]))
        n = len(pos)
        frames = []
        for label, a, b in (("top 10%", 0.0, 0.1), ("10–50%", 0.1, 0.5), ("50–100%", 0.5, 1.0)):
            part = pos[int(a * n) : max(int(a * n) + 1, int(b * n))]
            f = self._frame(part[:2])
            f.insert(0, "interval", label)
            f.insert(1, "lo", part[-1][0])
            f.insert(2, "hi", part[0][0])
            f.insert(3, "share", len(part) / n)
            frames.append(f)
        return pd.concat(frames, ignore_index=True)

    def context_values(self, layer, unit, which="top"):
        frame = {"top": self.top, "bottom": self.bottom}.get(which)
        frame = frame(layer, unit) if frame else self.quantiles(layer, unit)
        return [
            self._acts[layer][r.doc_id][r.start : r.end, unit].astype(np.float32)
            for r in frame.itertuples()
        ]

    def histogram(self, layer, unit):
        v = np.concatenate(self._acts[layer])[:, unit].astype(np.float64)
        mags = 10.0 ** np.arange(-3, 1.01, 0.25)
        edges = np.concatenate([-mags[::-1], [0.0], mags])
        counts, _ = np.histogram(np.clip(v, edges[0], edges[-1]), bins=edges)
        nz = np.flatnonzero(counts)
        lo, hi = nz[0], nz[-1] + 1
        return edges[lo : hi + 1], counts[lo:hi].astype(np.int64)

    def feature_scores(self, layer, unit):
        rng = np.random.default_rng(unit)
        rows = []
        for name in self._features:
            a = float(rng.uniform(0.1, 0.9))
            rows.append(
                {
                    "feature": name,
                    "metric": "auroc",
                    "value": a,
                    "score": max(a, 1 - a),
                    "sign": 1 if a >= 0.5 else -1,
                }
            )
        return pd.DataFrame(rows)

    def effect(self, layer, unit, n=10):
        if layer not in self._effect_layers:
            return None
        toks = list("abcdefghij ")[:n]
        rows = [
            {"token": t, "weight": 1.0 - 0.1 * i, "direction": "promotes"}
            for i, t in enumerate(toks[:5])
        ]
        rows += [
            {"token": t, "weight": -0.5 + 0.05 * i, "direction": "suppresses"}
            for i, t in enumerate(toks[5:])
        ]
        return pd.DataFrame(rows)


def fake_scan(seed=0, units=6, k=5, context=8) -> FakeScan:
    docs = {
        "a.py": 'def f(x):\n    return "hi" + x  # greet\n',
        "b.py": "class C:\n    s = 'quote'\n    n = [1, (2, 3)]\n",
    }
    rng = np.random.default_rng(seed)
    acts = {
        "rnn.0.h": [
            np.tanh(rng.normal(0, 0.6, (len(t), units))).astype(np.float32) for t in docs.values()
        ],
        "rnn.0.c": [rng.normal(0, 2.0, (len(t), units)).astype(np.float32) for t in docs.values()],
    }
    return FakeScan(docs, acts, k=k, context=context, effect_layers=("rnn.0.h",))


@functools.cache
def real_scan(n_chars: int = 1400):
    """``(scan, docs, model)``: the embedded char-LSTM's real ``iw.scan`` of two held-out
    documents (``rnn.0.c`` and ``rnn.1.h``, k=5), made once per test session."""
    import interpwidgets as iw
    from interpwidgets.zoo.corpus import read_corpus

    scan_fn = getattr(iw, "scan", None)
    if scan_fn is None:  # pragma: no cover - before iw.scan was exported
        from interpwidgets.scan import scan as scan_fn
    text = read_corpus("val", max_chars=n_chars)
    half = len(text) // 2
    docs = {"a": text[:half], "b": text[half:]}
    lm = iw.zoo.char_lstm()
    return scan_fn(lm, docs, k=5, layers=["rnn.0.c", "rnn.1.h"], progress=False), docs, lm
