"""The data stream of stateful training: short runs of consecutive windows at random places.

Each of the ``batch_size`` lanes of a batch reads ``windows`` consecutive windows of
``seq_len`` characters of one training file (the recurrent state carried from one to the next),
then jumps to a new place: a character drawn uniformly from the whole training text (so a file
is drawn in proportion to its length). A place within ``burn_in`` characters of its file's
start becomes the start itself, read from a zero state exactly as ``iw.trace`` reads a text;
any other place is preceded by a no-grad burn-in over the ``burn_in`` characters before it
(from a zero state), so the state is warm as in a real read. A lane also jumps when its file
ends (the last, shorter window is padded and its padding is not scored).

Why not one file from its start to its end per lane: a 100,000-character file is 400 windows,
so every batch would hold the same 32 files for hundreds of steps; such updates are far from
independent, and the model learns the files it is reading and forgets the rest (measured on
the first stateful run: 0.06 bits/char better than its warm start on the files it had just
read, 0.12-0.13 worse on files read 2,600 steps before or not yet read).

Lanes start their first runs at staggered lengths, so in every batch about
``batch_size / windows`` lanes jump. Seeded; :meth:`SegmentStream.state_dict` and
:meth:`~SegmentStream.load_state_dict` make a resumed run read exactly what an uninterrupted
one would.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Target value of a padded position (not scored).
IGNORE = -100


class SegmentStream:
    """Batches of ``(x, y, reset, burn, warm)`` for stateful truncated BPTT.

    ``x``, ``y``: inputs and next-character targets, shape ``(batch_size, seq_len)`` (targets
    past a file's end are :data:`IGNORE`). ``reset``: per lane, true where the lane starts a
    new run this batch (its state must be replaced). ``burn``: ``(batch_size, burn_in)``
    characters to read without gradients from a zero state before ``x`` on lanes where
    ``warm`` is true; lanes with ``reset`` but not ``warm`` start at their file's first
    character from a zero state.
    """

    def __init__(
        self,
        files: list[np.ndarray],
        batch_size: int,
        seq_len: int,
        seed: int,
        windows: int = 6,
        burn_in: int = 256,
    ) -> None:
        self.files = [np.asarray(f) for f in files if len(f) >= 2]
        if not self.files:
            raise ValueError("files: expected at least one file of two or more characters")
        for arg, value, low in (
            ("batch_size", batch_size, 1),
            ("seq_len", seq_len, 1),
            ("windows", windows, 1),
            ("burn_in", burn_in, 0),
        ):
            if int(value) != value or value < low:
                raise ValueError(f"{arg}: expected an integer >= {low}, got {value!r}")
        self.batch_size, self.seq_len = batch_size, seq_len
        self.windows, self.burn_in = windows, burn_in
        # places a run may start at: every character that has a next one
        self.starts = np.cumsum([0] + [len(f) - 1 for f in self.files])
        self.rng = np.random.default_rng(seed)
        self.lane_file = [-1] * batch_size
        self.lane_pos = [0] * batch_size
        # staggered first runs, so jumps are spread over the batches
        self.lane_left = [int(v) for v in self.rng.integers(1, windows + 1, size=batch_size)]
        self.chars = 0  # target characters handed out so far

    def _jump(self) -> tuple[int, int]:
        place = int(self.rng.integers(0, self.starts[-1]))
        f = int(np.searchsorted(self.starts, place, side="right") - 1)
        pos = place - int(self.starts[f])
        return f, (0 if pos < max(1, self.burn_in) else pos)

    def batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        b, t = self.batch_size, self.seq_len
        x = np.zeros((b, t), dtype=np.int64)
        y = np.full((b, t), IGNORE, dtype=np.int64)
        reset = np.zeros(b, dtype=bool)
        warm = np.zeros(b, dtype=bool)
        burn = np.zeros((b, self.burn_in), dtype=np.int64)
        for lane in range(b):
            f = self.lane_file[lane]
            if f < 0 or self.lane_left[lane] <= 0 or self.lane_pos[lane] >= len(self.files[f]) - 1:
                f, pos = self._jump()
                self.lane_file[lane], self.lane_pos[lane] = f, pos
                self.lane_left[lane] = self.windows
                reset[lane] = True
                if pos > 0:
                    warm[lane] = True
                    burn[lane] = self.files[f][pos - self.burn_in : pos]
            pos = self.lane_pos[lane]
            seg = self.files[f][pos : pos + t + 1]
            n = len(seg) - 1
            x[lane, :n], y[lane, :n] = seg[:-1], seg[1:]
            self.chars += n
            self.lane_pos[lane] = pos + t
            self.lane_left[lane] -= 1
        return x, y, reset, burn, warm

    def epochs(self) -> float:
        """Characters handed out so far, in passes over the training text."""
        return self.chars / float(self.starts[-1])

    def state_dict(self) -> dict[str, Any]:
        return {
            "rng": self.rng.bit_generator.state,
            "lane_file": list(self.lane_file),
            "lane_pos": list(self.lane_pos),
            "lane_left": list(self.lane_left),
            "chars": self.chars,
            "n_files": len(self.files),
            "shape": [self.batch_size, self.seq_len, self.windows, self.burn_in],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["n_files"] != len(self.files):
            raise ValueError(
                f"checkpoint: it was written for {state['n_files']} training files, "
                f"this corpus has {len(self.files)}"
            )
        shape = [self.batch_size, self.seq_len, self.windows, self.burn_in]
        if list(state["shape"]) != shape:
            raise ValueError(
                "checkpoint: it was written for (batch_size, seq_len, windows, burn_in) = "
                f"{tuple(state['shape'])}, this run has {tuple(shape)}"
            )
        self.rng.bit_generator.state = state["rng"]
        self.lane_file, self.lane_pos = list(state["lane_file"]), list(state["lane_pos"])
        self.lane_left, self.chars = list(state["lane_left"]), int(state["chars"])
