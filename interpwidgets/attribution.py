"""Attributions: which tokens pushed a prediction, by captum's methods, on equal terms.

One call, one result type: ``attribute(model, text, tokenizer=None, method=..., target=None)``
returns an :class:`Attribution` holding per-token scores for the target class, the model's
probabilities and, for Integrated Gradients, the completeness delta.

Gradient methods run on the output of the model's embedding layer (a forward hook swaps in
the embeddings captum asks for), so one code path serves Hugging Face classifiers and the
embedded char models; perturbation methods replace tokens by a baseline token id.

Threads: calls on one model are serialised by a per-model lock (so LIME's seeded sampling and
the eval-mode switch cannot interleave), and the hook swaps embeddings only for forwards made
by its own call (a context variable names the call), so another thread's forward of the same
model, or a forward outside :func:`attribute`, sees the model unchanged.
"""

from __future__ import annotations

import contextvars
import re
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: method name → label shown in widgets and tables.
METHODS = {
    "saliency": "Saliency (‖gradient‖)",
    "input_x_gradient": "Gradient × input",
    "integrated_gradients": "Integrated Gradients",
    "deeplift": "DeepLift",
    "occlusion": "Occlusion",
    "lime": "LIME",
    "kernel_shap": "KernelSHAP",
    "attention": "Attention (last layer, mean of heads)",
    "rollout": "Attention rollout",
}
#: CJK ideographs (BERT's BasicTokenizer ranges): each is a word of its own, as that tokenizer
#: splits them, since Chinese and Japanese write no spaces between words
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ceaf\U0002f800-\U0002fa1f"
)
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|[^\w\s]", re.UNICODE)

#: (adapter, embeddings) of the forward being made by this thread/context, or None.
_ACTIVE: contextvars.ContextVar[tuple[Any, Any] | None] = contextvars.ContextVar(
    "interpwidgets_attribution_embeddings", default=None
)
_LOCKS: weakref.WeakKeyDictionary[Any, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _model_lock(model: Any) -> threading.RLock:
    """One re-entrant lock per model object: attribute() calls on it run one at a time."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(model)
        if lock is None:
            lock = _LOCKS[model] = threading.RLock()
        return lock


@dataclass
class Attribution:
    """Per-token attribution scores for one text and one model.

    Attributes:
        text, tokens, offsets: the input as in :class:`~interpwidgets.Trace` (special tokens
            have offsets ``(0, 0)`` and cover no text).
        scores: ``float32 (n_tokens,)`` for ``target``: positive pushed towards it.
        target: class index in the model's output; ``labels[target]`` names it.
        labels: class names (for char models, the characters of the vocabulary).
        probs: ``float32 (n_classes,)``, the model's probabilities on this text.
        method: a key of :data:`METHODS`.
        delta: Integrated Gradients' completeness delta ``Σ scores − (f(x) − f(baseline))``
            for ``target``; ``None`` for methods without one.
        all_scores, all_deltas: class index → scores / delta, for every class computed
            (``all_targets=True``); always include ``target``.
        special: ``bool (n_tokens,)``, true for special tokens ([CLS], [SEP], …).
        meta: notes such as ``"truncated"``.
    """

    text: str
    tokens: list[str]
    offsets: np.ndarray
    scores: np.ndarray
    target: int
    labels: list[str]
    probs: np.ndarray
    method: str
    delta: float | None = None
    all_scores: dict[int, np.ndarray] = field(default_factory=dict)
    all_deltas: dict[int, float] = field(default_factory=dict)
    special: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from .strings import check_unicode_items
        from .trace.core import Trace, to_numpy

        scores = to_numpy(self.scores, "scores")
        if scores.ndim != 1:
            raise ValueError(f"scores: expected shape (n_tokens,), got {tuple(scores.shape)}")
        checked = Trace.from_arrays(
            self.text,
            {"scores": scores.astype(np.float32)},
            tokens=self.tokens,
            offsets=self.offsets,
        )
        self.offsets = checked.offsets
        self.scores = checked.activations["scores"][:, 0]
        if isinstance(self.labels, str) or not isinstance(self.labels, Sequence):
            raise TypeError(f"labels: expected a list of str, got {type(self.labels).__name__}")
        self.labels = list(self.labels)
        if not all(isinstance(x, str) for x in self.labels):
            bad = next(x for x in self.labels if not isinstance(x, str))
            raise TypeError(f"labels: expected a list of str, got an item {type(bad).__name__}")
        check_unicode_items(self.labels, "labels")
        self.probs = to_numpy(self.probs, "probs").astype(np.float32)
        if self.probs.ndim != 1 or len(self.probs) != len(self.labels):
            raise ValueError(
                f"probs: expected shape ({len(self.labels)},) like labels, got {self.probs.shape}"
            )
        if isinstance(self.target, (bool, np.bool_)) or not isinstance(
            self.target, (int, np.integer)
        ):
            raise TypeError(
                f"target: expected an int class index, got {type(self.target).__name__}"
            )
        self.target = int(self.target)
        if not 0 <= self.target < len(self.labels):
            raise ValueError(
                f"target: expected a class index in [0, {len(self.labels) - 1}], got {self.target}"
            )
        if self.method not in METHODS:
            raise ValueError(f"method: expected one of {list(METHODS)}, got {self.method!r}")
        self.all_scores = self._check_all_scores()
        self.all_deltas = self._check_all_deltas()
        self.special = self._check_special()

    def _check_class(self, key: Any, name: str) -> int:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeError(f"{name}: expected int class indices as keys, got {key!r}")
        if not 0 <= int(key) < len(self.labels):
            raise ValueError(
                f"{name}: expected class indices in [0, {len(self.labels) - 1}] as keys, got {key!r}"
            )
        return int(key)

    def _check_all_scores(self) -> dict[int, np.ndarray]:
        from .trace.core import to_numpy

        if not isinstance(self.all_scores, Mapping):
            raise TypeError(
                f"all_scores: expected a dict class index → scores, got {type(self.all_scores).__name__}"
            )
        n = len(self.tokens)
        out: dict[int, np.ndarray] = {}
        for key, value in self.all_scores.items():
            cls = self._check_class(key, "all_scores")
            name = f"all_scores[{cls}]"
            arr = to_numpy(value, name)
            if arr.shape != (n,):
                raise ValueError(f"{name}: expected shape ({n},) like tokens, got {arr.shape}")
            if np.isinf(arr).any():
                raise ValueError(f"{name}: infinite values (NaN is allowed and shows as missing)")
            out[cls] = arr.astype(np.float32)
        if self.target not in out:
            out[self.target] = self.scores
        elif not np.array_equal(out[self.target], self.scores, equal_nan=True):
            raise ValueError(
                f"all_scores[{self.target}]: expected the same values as scores (the target's)"
            )
        return out

    def _check_all_deltas(self) -> dict[int, float]:
        if not isinstance(self.all_deltas, Mapping):
            raise TypeError(
                f"all_deltas: expected a dict class index → float, got {type(self.all_deltas).__name__}"
            )
        out: dict[int, float] = {}
        for key, value in self.all_deltas.items():
            cls = self._check_class(key, "all_deltas")
            if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise TypeError(f"all_deltas[{cls}]: expected a float, got {type(value).__name__}")
            out[cls] = float(value)
        return out

    def _check_special(self) -> np.ndarray:
        n = len(self.tokens)
        if self.special is None:
            return self.offsets[:, 0] == self.offsets[:, 1]
        if isinstance(self.special, (str, bytes)):
            raise TypeError(
                f"special: expected bools, one per token, got {type(self.special).__name__}"
            )
        arr = np.asarray(self.special)
        if arr.dtype != bool and not (
            np.issubdtype(arr.dtype, np.integer) and np.isin(arr, (0, 1)).all()
        ):
            raise TypeError(f"special: expected bools, one per token, got dtype {arr.dtype}")
        if arr.shape != (n,):
            raise ValueError(f"special: expected shape ({n},) like tokens, got {arr.shape}")
        return arr.astype(bool)

    @property
    def predicted(self) -> int:
        """The class the model predicts (argmax of ``probs``)."""
        return int(np.argmax(self.probs))

    @property
    def label(self) -> str:
        return METHODS[self.method]

    def words(self, agg: str = "sum") -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
        """Word-level view: ``(word_offsets (n_words, 2), word_of_token (n_tokens,), class → word scores)``.

        Words are runs of letters/digits or single punctuation marks of the original text, and
        each CJK ideograph on its own (a Chinese clause has no spaces to split at; BERT's
        tokenizer splits it the same way); a
        token belongs to the word its first character is in (special tokens: -1). ``agg`` is
        ``"sum"`` (scores add up, completeness kept) or ``"max_abs"`` (the token with the
        largest |score| speaks for the word).
        """
        if agg not in ("sum", "max_abs"):
            raise ValueError(f"agg: expected 'sum' or 'max_abs', got {agg!r}")
        spans = np.array(
            [m.span() for m in _WORD.finditer(self.text)] or [(0, len(self.text))], dtype=np.int64
        )
        of_token = np.full(len(self.tokens), -1, dtype=np.int64)
        assert self.special is not None  # __post_init__ fills it
        for i, (s, e) in enumerate(self.offsets):
            if e > s and not self.special[i]:
                w = int(np.searchsorted(spans[:, 1], s, side="right"))
                of_token[i] = min(w, len(spans) - 1)
        out = {}
        for cls, sc in self.all_scores.items():
            ws = np.zeros(len(spans), dtype=np.float32)
            for w in range(len(spans)):
                members = sc[of_token == w]
                if members.size:
                    ws[w] = members.sum() if agg == "sum" else members[np.argmax(np.abs(members))]
            out[cls] = ws
        return spans, of_token, out

    def per_char(self, target: int | None = None) -> np.ndarray:
        """One score per character of the text (each character gets its token's score; NaN where no token)."""
        sc = self.all_scores[self.target if target is None else target]
        out = np.full(len(self.text), np.nan, dtype=np.float32)
        for i, (s, e) in enumerate(self.offsets):
            if e > s:
                out[s:e] = sc[i]
        return out

    def table(self):
        """Tokens with their scores and ranks (by |score|), as a pandas DataFrame."""
        import pandas as pd

        df = pd.DataFrame(
            {
                "token": self.tokens,
                "start": self.offsets[:, 0],
                "end": self.offsets[:, 1],
                "score": self.scores,
                "special": self.special,
            }
        )
        df["rank"] = df["score"].abs().where(~df["special"]).rank(ascending=False, method="min")
        return df

    def __repr__(self) -> str:
        d = "" if self.delta is None else f", delta={self.delta:.3g}"
        return f"Attribution({self.method}, target={self.labels[self.target]!r} p={self.probs[self.target]:.3f}, {len(self.tokens)} tokens{d})"


# -- the model adapter ----------------------------------------------------------------------
def _model_adapter(model: Any, tokenizer: Any) -> Any:
    """The model's adapter (:func:`interpwidgets.models.adapter_for`), its errors worded for
    attributions: they need an embedding layer to perturb."""
    from .models import adapter_for

    try:
        return adapter_for(model, tokenizer)
    except (TypeError, ValueError):
        if tokenizer is not None:
            raise ValueError(
                "model: found no embedding layer (tried model.get_input_embeddings()); attributions need one"
            ) from None
        raise ValueError(
            "model: expected a Hugging Face classifier with tokenizer=…, or a character model with an "
            "nn.Embedding and a .vocab (tried tokenizer, get_input_embeddings(), nn.Embedding)"
        ) from None


def _torch_module(model: Any, tokenizer: Any) -> Any:
    """The torch module that holds the weights (under a wrapper such as nnsight's), or
    ``model`` itself when no adapter takes it (the caller's checks then name the problem)."""
    from .models import adapter_for

    try:
        return getattr(adapter_for(model, tokenizer), "module", model)
    except (TypeError, ValueError, ImportError):
        return model


class _Adapter:
    """Ids ↔ model for one text: forward by ids or by embeddings, labels, probabilities."""

    def __init__(
        self, model: Any, text: str, tokenizer: Any, position: int, max_length: int | None
    ):
        import torch

        self.torch = torch
        self.model = model
        self.text = text
        self.meta: dict[str, Any] = {}
        self.limit: int | None = None
        self.source = ma = _model_adapter(model, tokenizer)
        self.model = getattr(ma, "module", model)  # the torch module under a wrapper (nnsight)
        emb = ma.embedding_layer()
        self.labels = ma.class_labels()
        self.n_classes = len(self.labels)
        self.pad_id, self.mask_id = ma.pad_ids()
        if not ma.kind.startswith("char"):
            # a classifier: the whole text (one truncation rule, the adapter's) → class scores
            self.kind = "hf"
            model_max = ma.limit(None)
            if max_length is not None and max_length < 2:
                raise ValueError(
                    f"max_length: expected an int ≥ 2 (room for the special tokens), got {max_length}"
                )
            if max_length is not None and max_length > model_max:
                raise ValueError(
                    f"max_length: expected at most {model_max} (the model's maximum), got {max_length}"
                )
            enc = ma.encode(text, max_length)
            self.limit = enc.limit
            if enc.truncated:
                self.meta["truncated"] = enc.truncated
            self.offsets, self.special, self.tokens = enc.offsets, enc.special, enc.tokens
            self.ids = torch.as_tensor(enc.ids)[None]
            self.extra = {"attention_mask": torch.ones_like(self.ids)}
            if enc.type_ids is not None:
                self.extra["token_type_ids"] = torch.as_tensor(enc.type_ids)[None]
            self.position = None
            self.trace_options: dict[str, Any] = {"max_length": self.limit}
        else:
            # a character model: the characters before ``position`` → the next character
            self.kind = "char"
            ctx = ma.context
            if max_length is not None and (ctx is None or max_length < ctx):
                ctx, why = max_length, "max_length"
            else:
                why = "the model's context"
            if ctx is not None and len(text) > ctx:
                self.meta["truncated"] = (
                    f"input truncated to the last {ctx} of {len(text)} characters ({why})"
                )
                text = text[-ctx:]
                self.text = text
            enc = ma.encode(text)
            self.ids = torch.as_tensor(enc.ids)[None]
            self.extra = {}
            self.tokens, self.offsets, self.special = enc.tokens, enc.offsets, enc.special
            if isinstance(position, (bool, np.bool_)) or not isinstance(
                position, (int, np.integer)
            ):
                raise TypeError(f"position: expected an int, got {type(position).__name__}")
            if not -len(text) <= position < len(text):
                raise ValueError(
                    f"position: expected an index into the {len(text)} characters, got {position}"
                )
            self.position = position
            self.trace_options = {}
        self.embedding = emb
        self._hook = emb.register_forward_hook(self._swap)

    def _swap(self, _module, _inputs, output):
        # Only forwards made by this call's logits_from_embeddings see the swapped embeddings.
        active = _ACTIVE.get()
        return active[1] if active is not None and active[0] is self else output

    def close(self) -> None:
        self._hook.remove()

    def logits_from_ids(self, ids):
        if self.kind == "hf":
            extra = {k: v.expand(ids.shape[0], -1) for k, v in self.extra.items()}
            out = self.model(input_ids=ids, **extra)
            if getattr(out, "logits", None) is None:
                raise TypeError(
                    f"model: expected a classifier whose output has .logits (e.g. "
                    f"AutoModelForSequenceClassification), got {type(self.model).__name__} "
                    f"returning {type(out).__name__}"
                )
            return out.logits
        out = self.model(ids)
        logits = out[0] if isinstance(out, tuple) else out
        return logits[:, self.position]

    def logits_from_embeddings(self, embeds):
        ids = self.ids.expand(embeds.shape[0], -1)
        token = _ACTIVE.set((self, embeds))
        try:
            return self.logits_from_ids(ids)
        finally:
            _ACTIVE.reset(token)

    def embeddings(self, ids):
        return self.embedding(ids).detach()


class _EmbedModule:
    """An nn.Module view of ``logits_from_embeddings`` (DeepLift needs a module)."""

    def __new__(cls, adapter: _Adapter):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = adapter.model

            def forward(self, embeds):
                return adapter.logits_from_embeddings(embeds)

        return Wrapped()


def _baseline_embeddings(ad: _Adapter, baseline: str):
    torch = ad.torch
    if baseline == "zero":
        return torch.zeros_like(ad.embeddings(ad.ids))
    if baseline not in ("pad", "mask"):
        raise ValueError(f"baseline: expected 'pad', 'mask' or 'zero', got {baseline!r}")
    return ad.embeddings(_baseline_ids(ad, baseline))


def _baseline_ids(ad: _Adapter, baseline: str):
    """Every non-special token replaced by the pad (or mask) token; special tokens kept."""
    token = ad.mask_id if baseline == "mask" else ad.pad_id
    ids = ad.ids.clone()
    keep = ad.torch.as_tensor(ad.special)[None]
    ids[~keep] = token
    return ids


def _gradient_method(
    ad: _Adapter, method: str, target: int, baseline: str, n_steps: int, internal_batch_size: int
):
    from captum.attr import DeepLift, InputXGradient, IntegratedGradients, Saliency

    embeds = ad.embeddings(ad.ids).requires_grad_(True)
    delta = None
    if method == "saliency":
        attr = Saliency(ad.logits_from_embeddings).attribute(embeds, target=target, abs=False)
        return attr[0].norm(dim=-1).detach().cpu().numpy(), None
    if method == "input_x_gradient":
        attr = InputXGradient(ad.logits_from_embeddings).attribute(embeds, target=target)
    elif method == "integrated_gradients":
        ig = IntegratedGradients(ad.logits_from_embeddings)
        attr, d = ig.attribute(
            embeds,
            baselines=_baseline_embeddings(ad, baseline),
            target=target,
            n_steps=n_steps,
            internal_batch_size=internal_batch_size,
            return_convergence_delta=True,
        )
        delta = float(d[0])
    elif method == "deeplift":
        attr = DeepLift(_EmbedModule(ad)).attribute(
            embeds, baselines=_baseline_embeddings(ad, baseline), target=target
        )
    else:  # pragma: no cover - guarded by the caller
        raise AssertionError(method)
    return attr[0].sum(-1).detach().cpu().numpy(), delta


def _perturbation_method(
    ad: _Adapter, method: str, target: int, baseline: str, n_samples: int, seed: int
):
    import torch

    base = _baseline_ids(ad, baseline if baseline != "zero" else "pad")
    mask = torch.arange(ad.ids.shape[1])[None]
    forward = ad.logits_from_ids
    with torch.random.fork_rng(devices=[]):  # seeded sampling without moving the caller's RNG
        torch.manual_seed(seed)
        return _perturb(ad, method, target, base, mask, forward, n_samples)


def _perturb(ad: _Adapter, method: str, target: int, base, mask, forward, n_samples: int):
    from captum.attr import FeatureAblation, KernelShap, Lime

    if method == "occlusion":
        attr = FeatureAblation(forward).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask
        )
    elif method == "lime":
        from captum._utils.models.linear_model import SkLearnLinearRegression

        attr = Lime(forward, interpretable_model=SkLearnLinearRegression()).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask, n_samples=n_samples
        )
    else:
        attr = KernelShap(forward).attribute(
            ad.ids, baselines=base, target=target, feature_mask=mask, n_samples=n_samples
        )
    return attr[0].float().detach().cpu().numpy(), None


def _attention_method(model: Any, text: str, tokenizer: Any, method: str, ad: _Adapter):
    from .attention import rollout

    try:
        tr = ad.source.trace(ad.text, **ad.trace_options)
    except ValueError as exc:  # a model that records nothing to trace has no attention either
        if not str(exc).startswith("model:"):
            raise
        tr = None
    if tr is None or tr.attention is None:
        raise ValueError(
            f"method: {method!r} needs a model with attention; {type(model).__name__} has none"
        )
    if tr.attention.shape[-1] != len(ad.tokens):  # pragma: no cover - same tokenizer, same limit
        raise ValueError(
            f"method: {method!r} traced {tr.attention.shape[-1]} tokens where the attribution has "
            f"{len(ad.tokens)}"
        )
    # a character model's adapter always holds its position (only an HF one holds None)
    row = 0 if ad.kind == "hf" or ad.position is None else (ad.position % len(ad.tokens))
    if method == "attention":
        return tr.attention[-1].mean(0)[row]
    return rollout(tr.attention)[row]


def attribute(
    model: Any,
    text: str,
    tokenizer: Any = None,
    method: str = "integrated_gradients",
    target: int | str | None = None,
    all_targets: bool = False,
    baseline: str = "pad",
    n_steps: int = 100,
    internal_batch_size: int = 25,
    n_samples: int = 200,
    position: int = -1,
    top_k: int = 5,
    max_length: int | None = None,
    seed: int = 0,
) -> Attribution:
    """Attribute a prediction of ``model`` on ``text`` to its tokens, with captum.

    Args:
        model: a Hugging Face sequence classifier (pass ``tokenizer``) or an embedded char
            model (``iw.zoo.char_lstm()``), whose next-character prediction at ``position``
            is attributed to the characters before it.
        method: one of :data:`METHODS`: ``"saliency"`` (L2 norm of the gradient per token,
            unsigned), ``"input_x_gradient"``, ``"integrated_gradients"`` (on the embedding
            layer, with its completeness delta), ``"deeplift"``, ``"occlusion"`` (each token
            replaced by the baseline token), ``"lime"``, ``"kernel_shap"``, ``"attention"``
            (last layer, mean over heads, the [CLS]/predicting position's row) and
            ``"rollout"`` (attention rollout) — class-independent, for comparison.
        target: class index or label name; default the predicted class.
        all_targets: also compute every class (HF classifiers) or the ``top_k`` most likely
            next characters (char models), so widgets can switch targets without the kernel.
        baseline: ``"pad"`` / ``"mask"`` token embeddings or ``"zero"`` embeddings (IG, DeepLift);
            perturbation methods use the pad/mask token.
        n_steps, internal_batch_size: IG's steps and how many run in one batch.
        n_samples: samples for LIME / KernelSHAP.
        max_length: at most this many tokens (≥ 2 and at most the model's maximum for Hugging
            Face models; for char models, the last ``max_length`` characters); ``None``: the
            model's maximum.

    Calls on the same model from several threads run one at a time (a per-model lock) and
    return what serial calls return; forwards of the model outside the call are not affected.
    Texts longer than the model's maximum are truncated and ``meta["truncated"]`` says so.
    """
    import torch

    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    if not text.strip():
        raise ValueError(f"text: expected a non-empty str, got {text!r}")
    if method not in METHODS:
        raise ValueError(f"method: expected one of {list(METHODS)}, got {method!r}")
    if not isinstance(n_steps, int) or n_steps < 2:
        raise ValueError(f"n_steps: expected an int ≥ 2, got {n_steps!r}")
    for name, value in (
        ("n_samples", n_samples),
        ("internal_batch_size", internal_batch_size),
        ("top_k", top_k),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected an int ≥ 1, got {value!r}")
    if baseline not in ("pad", "mask", "zero"):
        raise ValueError(f"baseline: expected 'pad', 'mask' or 'zero', got {baseline!r}")
    if max_length is not None:
        if isinstance(max_length, (bool, np.bool_)) or not isinstance(
            max_length, (int, np.integer)
        ):
            raise TypeError(f"max_length: expected an int or None, got {type(max_length).__name__}")
        if max_length < 1:
            raise ValueError(f"max_length: expected an int ≥ 1 or None, got {max_length}")
        max_length = int(max_length)
    model = _torch_module(model, tokenizer)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"model: expected a torch.nn.Module (a Hugging Face classifier or a char model), got {type(model).__name__}"
        )
    with _model_lock(model):
        return _attribute_locked(
            model, text, tokenizer, method, target, all_targets, baseline, n_steps,
            internal_batch_size, n_samples, position, top_k, max_length, seed,
        )  # fmt: skip


def _attribute_locked(
    model, text, tokenizer, method, target, all_targets, baseline, n_steps,
    internal_batch_size, n_samples, position, top_k, max_length, seed,
) -> Attribution:  # fmt: skip
    import torch
    from tqdm.auto import tqdm

    was_training = model.training
    model.eval()
    ad = _Adapter(model, text, tokenizer, position, max_length)
    try:
        with torch.no_grad():
            probs = torch.softmax(ad.logits_from_ids(ad.ids).float(), -1)[0].cpu().numpy()
        if len(ad.labels) != len(
            probs
        ):  # outputs that are not the vocabulary (or more classes than names)
            ad.labels = [
                ad.labels[i] if i < len(ad.labels) and ad.kind == "hf" else f"class {i}"
                for i in range(len(probs))
            ]
        target = _resolve_target(target, ad.labels, probs)
        classes = [target]
        if all_targets:
            ranked = list(np.argsort(-probs)) if ad.kind == "char" else list(range(ad.n_classes))
            classes = [target] + [
                int(c) for c in ranked[: top_k if ad.kind == "char" else None] if c != target
            ]
        scores: dict[int, np.ndarray] = {}
        deltas: dict[int, float] = {}
        attn = (
            _attention_method(model, text, tokenizer, method, ad)
            if method in ("attention", "rollout")
            else None
        )
        slow = (
            method in ("integrated_gradients", "lime", "kernel_shap", "occlusion")
            and len(classes) > 1
        )
        for cls in tqdm(classes, desc=method, disable=not slow, leave=False):
            if attn is not None:
                sc, d = attn, None
            elif method in ("occlusion", "lime", "kernel_shap"):
                sc, d = _perturbation_method(ad, method, cls, baseline, n_samples, seed)
            else:
                sc, d = _gradient_method(ad, method, cls, baseline, n_steps, internal_batch_size)
            scores[cls] = np.asarray(sc, dtype=np.float32)
            if d is not None:
                deltas[cls] = d
    finally:
        ad.close()
        model.train(was_training)
    return Attribution(
        text=ad.text,
        tokens=ad.tokens,
        offsets=ad.offsets,
        scores=scores[target],
        target=target,
        labels=ad.labels,
        probs=probs,
        method=method,
        delta=deltas.get(target),
        all_scores=scores,
        all_deltas=deltas,
        special=ad.special,
        meta={**ad.meta, "baseline": baseline, "n_steps": n_steps, "model": type(model).__name__},
    )


def _resolve_target(target: Any, labels: Sequence[str], probs: np.ndarray) -> int:
    if target is None:
        return int(np.argmax(probs))
    if isinstance(target, str):
        if target not in labels:
            shown = list(labels) if len(labels) <= 20 else f"{len(labels)} labels"
            raise ValueError(
                f"target: {target!r} is not a class of this model; expected one of {shown}"
            )
        return list(labels).index(target)
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, (int, np.integer)):
        raise TypeError(f"target: expected a class index or label, got {type(target).__name__}")
    if not 0 <= int(target) < len(labels):
        raise ValueError(f"target: expected a class index in [0, {len(labels) - 1}], got {target}")
    return int(target)
