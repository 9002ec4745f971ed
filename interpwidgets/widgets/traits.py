"""Traits that hold numpy arrays and send them through :mod:`interpwidgets.codec`.

A widget assigns plain numpy arrays (``w.offsets = trace.offsets``); the trait checks them when
they are set — numeric, the declared number of dimensions, no infinite values, within the
range of the dtype they travel as — and its serializer turns each into the codec's
``{dtype, shape, buffer}`` object only when the state is sent (the browser, an exported page),
so no widget encodes by hand. Errors name the trait (``offsets: expected ...``), as a
``TypeError`` or ``ValueError``, like every other check at the widget boundary.

* :class:`Array` — one array (or ``None``, sent as ``{}``).
* :class:`Data` — a JSON-like dict or list whose entries under the keys named in ``arrays``
  may be arrays (``Data(arrays={"values": "auto"})``), e.g. a column with its layer and vmax.

:func:`to_wire` is the same serializer for replies to the front-end's requests (the widget
declares ``_reply_arrays``). The wire format is exactly :func:`interpwidgets.codec.encode`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import traitlets

from .. import codec
from ..arrays import to_numpy

#: The ways an array can travel: the codec's dtypes, or ``"auto"`` (float16 when it fits).
WIRE_DTYPES = (*codec.DTYPES, "auto")
_INT32 = np.iinfo(np.int32)


def check_array(value: Any, dtype: str, name: str, ndim: int | None = None) -> np.ndarray:
    """``value`` as a read-only numpy array that :func:`codec.encode` takes as ``dtype``, or a
    ``TypeError`` / ``ValueError`` naming ``name``."""
    arr = to_numpy(value, name)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name}: expected {ndim} dimension{'s' * (ndim != 1)}, got shape {tuple(arr.shape)}"
        )
    if dtype == "int32":
        if arr.dtype.kind == "f":
            raise TypeError(f"{name}: expected an integer array, got dtype {arr.dtype}")
        if arr.size and (arr.min() < _INT32.min or arr.max() > _INT32.max):
            raise ValueError(f"{name}: expected values that fit int32, got up to {arr.max()}")
    elif arr.dtype.kind == "f":
        if np.isinf(arr).any():
            raise ValueError(f"{name}: infinite values cannot be shown; replace them with NaN")
        if dtype == "float16" and arr.size:
            big = float(np.nanmax(np.abs(arr))) if not np.isnan(arr).all() else 0.0
            if big > codec.FLOAT16_MAX:
                raise ValueError(
                    f"{name}: values up to {big:.6g} do not fit float16 (max {codec.FLOAT16_MAX:g})"
                )
    view = arr.view()
    view.flags.writeable = False  # what the widget holds is changed by setting it again
    return view


def check_data(value: Any, arrays: Mapping[str, str], name: str) -> Any:
    """``value`` (a JSON-like dict/list) with each array under a key of ``arrays`` checked by
    :func:`check_array`; an array anywhere else is a ``TypeError`` (it would not be JSON)."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            where = f"{name}[{k!r}]"
            if k in arrays and _is_array(v):
                out[k] = check_array(v, arrays[k], where)
            else:
                out[k] = check_data(v, arrays, where)
        return out
    if isinstance(value, (list, tuple)):
        return [check_data(v, arrays, f"{name}[{i}]") for i, v in enumerate(value)]
    if _is_array(value):
        raise TypeError(
            f"{name}: an array where none is expected (arrays go under {sorted(arrays)})"
        )
    return value


def to_wire(value: Any, arrays: Mapping[str, str]) -> Any:
    """``value`` with every array under a key of ``arrays`` encoded by :func:`codec.encode`
    as that key's dtype — the wire form (plain JSON plus ``bytes`` buffers)."""
    if isinstance(value, Mapping):
        return {
            k: codec.encode(v, arrays[k]) if k in arrays and _is_array(v) else to_wire(v, arrays)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [to_wire(v, arrays) for v in value]
    return value


def _is_array(value: Any) -> bool:
    """A numpy array, or a tensor / JAX array (not a numpy scalar: that stays a number)."""
    if isinstance(value, np.ndarray):
        return True
    return not isinstance(value, np.generic) and all(
        hasattr(value, a) for a in ("__array__", "shape", "dtype")
    )


def _check_dtype(dtype: str) -> str:
    if dtype not in WIRE_DTYPES:
        raise ValueError(f"dtype: expected one of {WIRE_DTYPES}, got {dtype!r}")
    return dtype


class Array(traitlets.TraitType):
    """A numpy array sent as :func:`codec.encode` ``(value, dtype)``; ``None`` is sent as ``{}``.

    ``ndim`` fixes the number of dimensions. The value a widget holds is a read-only numpy
    array (arrays from torch, JAX or lists are converted when set).
    """

    info_text = "a numeric array"

    def __init__(self, dtype: str, ndim: int | None = None, **kwargs: Any) -> None:
        super().__init__(default_value=None, allow_none=True, **kwargs)
        self.dtype = _check_dtype(dtype)
        self.ndim = ndim
        self.tag(sync=True, to_json=self._to_json, from_json=self._from_json)

    def validate(self, obj: Any, value: Any) -> np.ndarray | None:
        if value is None:
            return None
        return check_array(value, self.dtype, self.name or "array", self.ndim)

    def _to_json(self, value: np.ndarray | None, _widget: Any) -> dict[str, Any]:
        return {} if value is None else codec.encode(value, self.dtype)

    @staticmethod
    def _from_json(value: Any, _widget: Any) -> np.ndarray | None:
        return codec.decode(value) if value else None


class Data(traitlets.TraitType):
    """A JSON-like dict (or list, with ``default_value=[]``) whose entries under the keys of
    ``arrays`` (name → wire dtype) may be numpy arrays, each sent as :func:`codec.encode`."""

    info_text = "a dict or list"

    def __init__(self, arrays: Mapping[str, str], default_value: Any = None, **kwargs: Any) -> None:
        default = {} if default_value is None else default_value
        if not isinstance(default, (dict, list)):
            raise TypeError(f"default_value: expected a dict or list, got {type(default).__name__}")
        super().__init__(default_value=default, **kwargs)
        self.arrays = {k: _check_dtype(v) for k, v in arrays.items()}
        self.tag(sync=True, to_json=self._to_json)

    def make_dynamic_default(self) -> Any:
        return type(self.default_value)()

    def validate(self, obj: Any, value: Any) -> Any:
        kind = type(self.default_value)
        if not isinstance(value, (dict, list, tuple)) or isinstance(value, dict) != (kind is dict):
            self.error(obj, value)
        return check_data(value, self.arrays, self.name or "data")

    def _to_json(self, value: Any, _widget: Any) -> Any:
        return to_wire(value, self.arrays)
