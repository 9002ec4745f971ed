"""Where a trace's arrays are written while the model runs: in memory, or spilled to disk.

A long trace is large. The char-LSTM records 3,072 values per character with every gate
(2 layers × 256 units × h, c, i, f, g, o): 12.3 GB as float32 at 1,000,000 characters. Before
any work, :func:`plan` estimates the bytes (:func:`estimate_nbytes`) and decides where they
go, raising an error naming the argument to change when they would not fit:

* ``spill="auto"`` (the default): in memory up to :data:`SPILL_OVER` bytes (and half the
  memory available), otherwise in files in a temporary directory;
* ``spill=False``: in memory (``MemoryError`` before the work starts if the machine does
  not have that much available);
* ``spill=True`` or a directory: in files there (``ValueError`` if its disk has not
  enough free space).

Spilled arrays are written unit by unit (the file holds ``(units, n_rows)``), so reading
one neuron's column (what NeuronText shows and exports) reads one contiguous run of the
file, not every page. The files are memory-mapped copy-on-write and unlinked at once (on
POSIX): they take disk space only while the trace's arrays are alive, nothing is left behind
if the process dies after the trace is made, and writing to an array changes the trace, not
the file. ``dtype="float16"`` halves the bytes; it keeps about 3 significant digits
(relative error ≤ 2⁻¹¹ ≈ 4.9e-4; values below 6.1e-5 in magnitude lose relative precision;
values past ±65,504 cannot be stored and raise ``ValueError`` naming ``dtype``).
"""

from __future__ import annotations

import atexit
import mmap
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arrays import Checked

#: ``spill="auto"`` writes a trace whose arrays would take more bytes than this to disk.
SPILL_OVER = 1 << 30

DTYPES = {"float32": np.dtype(np.float32), "float16": np.dtype(np.float16)}
FLOAT16_MAX = float(np.finfo(np.float16).max)


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def check_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as float32 or float16, or a ``ValueError`` naming it."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in DTYPES.values():
        raise ValueError(f"dtype: expected 'float32' or 'float16', got {dtype!r}")
    return dt


def available_memory() -> int | None:
    """Bytes of memory the system can still give (``MemAvailable``), or ``None`` if unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def free_disk(path: str) -> int:
    """Free bytes on the disk holding ``path``."""
    return shutil.disk_usage(path).free


def estimate_nbytes(n_rows: int, widths: dict[str, int], dtype: Any = "float32") -> int:
    """Bytes the arrays of a trace take: rows × the units of every array × the dtype's size."""
    return int(n_rows) * sum(widths.values()) * check_dtype(dtype).itemsize


@dataclass(frozen=True)
class Plan:
    """Where a trace's arrays go: ``directory`` ``None`` for memory, else the spill dir."""

    n_rows: int
    widths: dict[str, int]
    dtype: np.dtype
    nbytes: int
    directory: str | None

    def describe(self) -> str:
        where = "in memory" if self.directory is None else f"on disk ({self.directory})"
        return f"{_gb(self.nbytes)} of {self.dtype.name} {where}"


def plan(n_rows: int, widths: dict[str, int], dtype: Any = "float32", spill: Any = "auto") -> Plan:
    """Decide where the arrays of a trace go, before any work; raise if they would not fit.

    The error names what to change (``spill``, ``dtype``, ``gates``, a shorter text).
    """
    dt = check_dtype(dtype)
    nbytes = estimate_nbytes(n_rows, widths, dt)
    hints = ", ".join(
        h
        for h in (
            None if dt == np.float16 else "dtype='float16' (half the bytes)",
            "gates=False (hidden states only)" if len(widths) > 2 else None,
            "a shorter text",
        )
        if h
    )
    if isinstance(spill, str) and spill == "auto":
        avail = available_memory()
        in_memory = nbytes <= SPILL_OVER and (avail is None or nbytes <= avail // 2)
        directory = None if in_memory else tempfile.gettempdir()
    elif spill is False or spill is None:
        directory = None
    elif spill is True:
        directory = tempfile.gettempdir()
    elif isinstance(spill, (str, os.PathLike)):
        directory = os.fspath(spill)
        if not os.path.isdir(directory):
            raise ValueError(f"spill: expected an existing directory, got {directory!r}")
    else:
        raise TypeError(
            f"spill: expected 'auto', True, False or a directory, got {type(spill).__name__}"
        )
    if directory is None:
        avail = available_memory()
        if avail is not None and nbytes > avail:
            raise MemoryError(
                f"spill=False: the trace's arrays need {_gb(nbytes)} ({n_rows:,} rows × "
                f"{sum(widths.values()):,} units × {dt.itemsize} bytes) but only {_gb(avail)} of "
                f"memory is available; pass spill=True (write them to disk), {hints}"
            )
    else:
        free = free_disk(directory)
        if nbytes > free:
            raise ValueError(
                f"spill: the trace's arrays need {_gb(nbytes)} ({n_rows:,} rows × "
                f"{sum(widths.values()):,} units × {dt.itemsize} bytes) but {directory!r} has "
                f"{_gb(free)} free; pass spill='/a/directory/with/room', {hints}"
            )
    return Plan(int(n_rows), dict(widths), dt, nbytes, directory)


def _pwrite(fd: int, data: Any, offset: int) -> None:
    """Write ``data`` at ``offset`` of the file (``os.pwrite``; seek and write on Windows)."""
    if hasattr(os, "pwrite"):
        done = os.pwrite(fd, data, offset)
    else:  # pragma: no cover - Windows
        os.lseek(fd, offset, os.SEEK_SET)
        done = os.write(fd, data.tobytes())
    if done != data.nbytes:  # a full disk may write part of it and say so only here
        raise OSError(
            f"spill: wrote {done} of {data.nbytes} bytes to a trace file; is the disk full?"
        )


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Store:
    """Arrays of ``plan.n_rows`` rows written range by range (:meth:`put`), then handed to a
    trace (:meth:`arrays`). Each written range is checked: no infinite value, and for
    float16 none past its range."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._mem: dict[str, np.ndarray] = {}
        self._fds: dict[str, int] = {}
        self._dir: str | None = None
        if plan.directory is not None:
            self._dir = tempfile.mkdtemp(prefix="interpwidgets-trace-", dir=plan.directory)
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)

    def _path(self, name: str) -> str:
        assert self._dir is not None
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
        return os.path.join(self._dir, f"{len(self._fds)}-{safe}.bin")

    def _check(self, name: str, start: int, block: np.ndarray) -> None:
        with np.errstate(invalid="ignore"):
            hi, lo = np.max(block), np.min(block)  # two reductions, no temporary array
        if np.isfinite(hi) and np.isfinite(lo):
            return
        bad = np.isinf(block)  # NaN (a missing value) is allowed; look for ±inf
        if not bad.any():
            return
        row = start + int(np.nonzero(bad.any(axis=1))[0][0])
        if self.plan.dtype == np.float16:
            raise ValueError(
                f"dtype='float16': {name!r} has a value past float16's range "
                f"(±{FLOAT16_MAX:,.0f}) at row {row}; pass dtype='float32'"
            )
        raise ValueError(f"activations[{name!r}]: infinite values are not allowed (row {row})")

    def _check_tensor(self, name: str, start: int, value: Any) -> None:
        """The check of :meth:`_check` on a torch tensor before it is converted (one fast
        reduction; float16 overflow is seen here as a value past its range)."""
        import torch

        lo, hi = torch.aminmax(value.float() if value.dtype != torch.float32 else value)
        limit = FLOAT16_MAX if self.plan.dtype == np.float16 else float("inf")
        if -limit < float(lo) and float(hi) < limit:
            return  # NaN fails both comparisons: checked below
        with np.errstate(over="ignore", invalid="ignore"):
            self._check(name, start, value.float().numpy().astype(self.plan.dtype))

    def put(self, name: str, start: int, value: Any) -> None:
        """Write rows ``start : start + len(value)`` of array ``name`` (``(rows, units)``,
        a numpy array or a torch tensor)."""
        plan = self.plan
        if name not in plan.widths:
            raise KeyError(f"{name!r} is not one of the planned arrays {list(plan.widths)}")
        if self._dir is None:
            if name not in self._mem:
                self._mem[name] = np.empty((plan.n_rows, plan.widths[name]), plan.dtype)
            dst = self._mem[name][start : start + len(value)]
            if hasattr(value, "detach"):  # a torch tensor: checked before it is converted
                self._check_tensor(name, start, value.detach())
                with np.errstate(over="ignore", invalid="ignore"):
                    dst[...] = _to_numpy(value)
                return
            with np.errstate(over="ignore", invalid="ignore"):
                dst[...] = _to_numpy(value)
            self._check(name, start, dst)
            return
        # On disk the file holds (units, n_rows): write each unit's run of rows.
        if hasattr(value, "detach"):
            import torch

            target = torch.float16 if plan.dtype == np.float16 else torch.float32
            src = value.detach()
            self._check_tensor(name, start, src)
            if src.dtype != target or not src.is_contiguous():
                # a contiguous copy first: transposing from it is about 4x faster than from
                # a strided slice (a gate of the stacked pre-activations)
                src = torch.empty(src.shape, dtype=target).copy_(src)
            rows = torch.empty((src.shape[1], src.shape[0]), dtype=target).copy_(src.t()).numpy()
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                rows = np.ascontiguousarray(np.asarray(value).T, dtype=plan.dtype)
            self._check(name, start, rows.T)
        if name not in self._fds:
            path = self._path(name)
            self._fds[name] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.ftruncate(self._fds[name], plan.n_rows * plan.widths[name] * plan.dtype.itemsize)
        fd, size = self._fds[name], plan.dtype.itemsize
        for u in range(rows.shape[0]):
            _pwrite(fd, rows[u], (u * plan.n_rows + start) * size)

    def arrays(self) -> dict[str, Checked]:
        """Every planned array (in the plan's order) as a :class:`Checked` ``(n_rows, units)``
        array; spilled ones are memory-mapped copy-on-write and their files unlinked."""
        plan = self.plan
        missing = [n for n in plan.widths if n not in self._mem and n not in self._fds]
        if missing:
            raise RuntimeError(f"arrays {missing} were planned but never written")
        if self._dir is None:
            return {n: Checked(self._mem[n]) for n in plan.widths}
        out = {}
        for name, fd in self._fds.items():
            mm = mmap.mmap(fd, 0, access=mmap.ACCESS_COPY)
            flat = np.frombuffer(mm, dtype=plan.dtype)
            out[name] = Checked(flat.reshape(plan.widths[name], plan.n_rows).T)
        self.close()
        return {n: out[n] for n in plan.widths}

    def close(self) -> None:
        """Close the files and remove them (mapped arrays stay readable on POSIX)."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds = {}
        if self._dir is not None:
            try:
                shutil.rmtree(self._dir)
                self._cleanup.detach()
            except OSError:  # Windows: mapped files cannot be removed until exit
                atexit.register(shutil.rmtree, self._dir, True)
