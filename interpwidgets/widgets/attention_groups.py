"""The attention stacks an AttentionView can show (its groups: a trace's, a sentence pair's
filters, an encoder-decoder's, or the caller's), and the checks of their arguments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import attention as A
from ..i18n import t

#: The groups a sentence pair gets (bertviz's "filters"): name's catalogue key, query slice,
#: key slice.
PAIR_GROUPS = (
    ("widget.attn_pair_aa", "a", "a"),
    ("widget.attn_pair_bb", "b", "b"),
    ("widget.attn_pair_ab", "a", "b"),
    ("widget.attn_pair_ba", "b", "a"),
)
_GROUP_KEYS = ("name", "attention", "tokens", "key_tokens", "sentence_b_start", "head_labels")


class _Group:
    """One attention stack the widget can show: its queries, keys and what is derived from it."""

    def __init__(
        self,
        name: str,
        stack: np.ndarray,
        tokens: list[str],
        key_tokens: list[str],
        sep: int = -1,
        layer_labels: list[str] | None = None,
        head_labels: list[str] | None = None,
        sliced: bool = False,
        name_key: str = "",
    ) -> None:
        # a name the widget makes (name_key: its catalogue key) is English here and in errors;
        # label(lang) is what a reader sees
        self.name_key = name_key
        self.name = t(name_key, "en") if name_key else name
        self.stack, self.tokens, self.key_tokens = stack, tokens, key_tokens
        self.sep = sep
        self.layer_labels = layer_labels or [str(i) for i in range(stack.shape[0])]
        self.head_labels = head_labels or [str(i) for i in range(stack.shape[1])]
        self.sliced = sliced

    @property
    def square(self) -> bool:
        return self.stack.shape[2] == self.stack.shape[3]

    def keep(self, layers: Sequence[int] | None, heads: Sequence[int] | None) -> _Group:
        L, H = self.stack.shape[:2]
        try:
            kl = _check_indices(layers, L, "include_layers")
            kh = _check_indices(heads, H, "include_heads")
        except ValueError as exc:
            if not self.name:
                raise
            raise ValueError(f"{exc} (group {self.name!r} has {L} layers, {H} heads)") from None
        return _Group(
            self.name,
            self.stack[kl][:, kh],
            self.tokens,
            self.key_tokens,
            self.sep,
            [self.layer_labels[i] for i in kl],
            [self.head_labels[i] for i in kh],
            self.sliced,
            self.name_key,
        )

    def label(self, lang: str = "en") -> str:
        """The group's name in ``lang`` (a name the caller gave stays as it is)."""
        return t(self.name_key, lang) if self.name_key else self.name

    def notes(self, lang: str = "en") -> list[str]:
        """What a reader should know about this group's weights, in ``lang``."""
        out = []
        group = t("widget.attn_group_sep", lang, name=self.label(lang)) if self.name else ""
        if self.sliced:
            out.append(t("widget.attn_note_sliced", lang, group=group))
        else:
            deviation = A.row_sum_deviation(self.stack)
            if deviation > 1e-3:
                out.append(
                    t("widget.attn_note_rows", lang, group=group, deviation=f"{deviation:.3g}")
                )
        if np.isnan(self.stack).any():
            out.append(t("widget.attn_note_missing", lang, group=group))
        if not self.square:
            nq, nk = self.stack.shape[2:]
            out.append(t("widget.attn_note_rect", lang, group=group, nq=nq, nk=nk))
        return out

    def payload(self, lang: str = "en") -> dict[str, Any]:
        """Everything the browser needs to draw this group, except the layers themselves
        (the summary's measure names in ``lang``)."""
        summary = A.head_summary(self.stack, self.key_tokens)
        return {
            "name": self.label(lang),
            "tokens": self.tokens,
            "key_tokens": self.key_tokens,
            "n_layers": int(self.stack.shape[0]),
            "n_heads": int(self.stack.shape[1]),
            "layer_labels": self.layer_labels,
            "head_labels": self.head_labels,
            "sentence_b_start": self.sep,
            "thumbs": A.pool(self.stack, 32),
            "summary": {
                "measures": [
                    {"key": k, "label": measure_label(k, lang), "values": v}
                    for k, v in summary.items()
                ]
            },
            "rollout": A.rollout(self.stack) if self.square else {},
            "notes": self.notes(lang),
        }


#: the catalogue keys of the head summary's measures (attention.MEASURES)
MEASURE_KEYS = {
    "entropy": "widget.measure_entropy",
    "to_first": "widget.measure_to_first",
    "to_sep": "widget.measure_to_sep",
    "to_self": "widget.measure_to_self",
    "to_prev": "widget.measure_to_prev",
    "to_next": "widget.measure_to_next",
    "to_punct": "widget.measure_to_punct",
}


def measure_label(key: str, lang: str) -> str:
    """A head-summary measure's name in ``lang`` (attention.MEASURES's for an unknown key)."""
    return t(MEASURE_KEYS[key], lang) if key in MEASURE_KEYS else A.MEASURES[key]


def pair_groups(name: str, stack: np.ndarray, tokens: list[str], sep: int) -> list[_Group]:
    """bertviz's sentence-pair filters: All (with the separator), A→A, B→B, A→B, B→A."""
    groups = [_Group(name, stack, tokens, tokens, sep)]
    if not 0 < sep < len(tokens):
        return groups
    groups[0] = _Group("", stack, tokens, tokens, sep, name_key="widget.attn_group_all")
    part = {"a": slice(0, sep), "b": slice(sep, len(tokens))}
    for key, q, k in PAIR_GROUPS:
        groups.append(
            _Group(
                "",
                np.ascontiguousarray(stack[:, :, part[q], part[k]]),
                tokens[part[q]],
                tokens[part[k]],
                sliced=True,
                name_key=key,
            )
        )
    return groups


def _encoder_decoder_groups(
    encoder: np.ndarray, encoder_tokens: list[str], decoder: Any
) -> list[_Group]:
    """Encoder, Decoder and Cross groups of an encoder-decoder trace (its ``decoder`` field,
    already checked by the trace)."""
    out = [
        _Group(
            "",
            A.check_stack(encoder, len(encoder_tokens)),
            encoder_tokens,
            encoder_tokens,
            name_key="widget.attn_group_encoder",
        )
    ]
    dec_tokens = check_tokens(decoder.tokens, "decoder.tokens")
    if decoder.attention is not None:
        out.append(
            _Group(
                "", decoder.attention, dec_tokens, dec_tokens, name_key="widget.attn_group_decoder"
            )
        )
    if decoder.cross_attention is not None:
        out.append(
            _Group(
                "",
                decoder.cross_attention,
                dec_tokens,
                encoder_tokens,
                name_key="widget.attn_group_cross",
            )
        )
    return out


def _check_groups(groups: Any) -> list[_Group]:
    if isinstance(groups, (str, dict)) or not isinstance(groups, Sequence):
        raise TypeError(f"groups: expected a list of dicts, got {type(groups).__name__}")
    if not groups:
        raise ValueError("groups: expected at least one group, got an empty list")
    out = []
    for i, spec in enumerate(groups):
        where = f"groups[{i}]"
        if not isinstance(spec, dict):
            raise TypeError(f"{where}: expected a dict, got {type(spec).__name__}")
        # "_name_key": a catalogue key for a name the package makes (the bertviz drop-in's
        # Encoder / Decoder / Cross), shown in the widget's language like the trace's own groups
        unknown = sorted(set(spec) - set(_GROUP_KEYS) - {"_name_key"})
        if unknown:
            raise ValueError(
                f"{where}: unknown keys {unknown}; expected some of {list(_GROUP_KEYS)}"
            )
        for key in ("name", "attention", "tokens"):
            if spec.get(key) is None:
                raise ValueError(f"{where}.{key}: is required")
        name = spec["name"]
        if not isinstance(name, str):
            raise TypeError(f"{where}.name: expected a str, got {type(name).__name__}")
        tokens = check_tokens(spec["tokens"], f"{where}.tokens")
        stack = A.check_stack(spec["attention"], name=f"{where}.attention")
        if spec.get("key_tokens") is None:
            if stack.shape[2] != stack.shape[3]:
                raise ValueError(
                    f"{where}.key_tokens: is required when queries and keys differ "
                    f"(attention has {stack.shape[2]} query and {stack.shape[3]} key positions)"
                )
            key_tokens = tokens
        else:
            key_tokens = check_tokens(spec["key_tokens"], f"{where}.key_tokens")
        if stack.shape[2] != len(tokens):
            raise ValueError(
                f"{where}.tokens: attention has {stack.shape[2]} query positions but {len(tokens)} tokens were given"
            )
        if stack.shape[3] != len(key_tokens):
            raise ValueError(
                f"{where}.key_tokens: attention has {stack.shape[3]} key positions but {len(key_tokens)} tokens were given"
            )
        sep = spec.get("sentence_b_start")
        sep = (
            -1 if sep is None else _check_int(sep, -1, len(tokens) - 1, f"{where}.sentence_b_start")
        )
        if sep >= 0 and stack.shape[2] != stack.shape[3]:
            raise ValueError(
                f"{where}.sentence_b_start: a separator needs square attention, got "
                f"{stack.shape[2]} query and {stack.shape[3]} key positions"
            )
        head_labels = spec.get("head_labels")
        if head_labels is not None:
            head_labels = check_tokens(head_labels, f"{where}.head_labels")
            if len(head_labels) != stack.shape[1]:
                raise ValueError(
                    f"{where}.head_labels: attention has {stack.shape[1]} heads but {len(head_labels)} labels were given"
                )
        name_key = spec.get("_name_key", "")
        out.append(
            _Group(name, stack, tokens, key_tokens, sep, head_labels=head_labels, name_key=name_key)
        )
    names = [g.name for g in out]
    if len(set(names)) != len(names):
        raise ValueError(f"groups: expected distinct names, got {names}")
    return out


def _check_int(value: Any, lo: int, hi: int, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(t("err.int", name=name, got=type(value).__name__))
    if not lo <= int(value) <= hi:
        raise ValueError(t("err.index", name=name, lo=lo, hi=hi, got=value))
    return int(value)


def _check_indices(values: Sequence[int] | None, n: int, name: str) -> list[int]:
    if values is None:
        return list(range(n))
    if isinstance(values, (int, np.integer)):
        values = [int(values)]
    out = [_check_int(v, 0, n - 1, name) for v in values]
    if not out:
        raise ValueError(f"{name}: expected at least one index, got an empty list")
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: expected distinct indices, got {list(values)}")
    return out


def check_tokens(tokens: Any, name: str = "tokens") -> list[str]:
    """``tokens`` as a non-empty list of str, or a ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Sequence):
        raise TypeError(f"{name}: expected a list of str, got {type(tokens).__name__}")
    if not tokens:
        raise ValueError(f"{name}: expected at least one token, got an empty list")
    bad = [i for i, t in enumerate(tokens) if not isinstance(t, str)]
    if bad:
        raise TypeError(
            f"{name}: expected str items, got {type(tokens[bad[0]]).__name__} at index {bad[0]}"
        )
    return list(tokens)
