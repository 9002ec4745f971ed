"""Stateful truncated BPTT: lanes walk files in order, state resets at a new file, resume = no stop."""

import numpy as np
import pytest
import torch

from interpwidgets.zoo.tbptt import IGNORE, LaneStream, file_bits_per_char, train_tbptt


def test_lanes_walk_each_file_in_consecutive_windows():
    files = [np.arange(10), np.arange(100, 105), np.arange(200, 223)]
    stream = LaneStream(files, batch_size=1, seq_len=4, seed=0)
    seen: dict[int, list[int]] = {}
    resets = []
    for _ in range(12):
        x, y, reset = stream.batch()
        resets.append(bool(reset[0]))
        f = stream.lane_file[0]
        seen.setdefault(f, []).extend(int(v) for v in x[0][y[0] != IGNORE])
        # targets are the next character of the same file; padding is never scored
        valid = y[0] != IGNORE
        assert np.all(y[0][valid][:-1] == x[0][valid][1:])
    # every file read whole (all but its last character as input), windows in order
    for f, xs in seen.items():
        assert xs[: len(files[f]) - 1] == list(files[f][:-1])
    assert resets[0] and sum(resets) >= 3  # a new file each time one ends


def test_lane_stream_state_round_trip():
    files = [np.arange(n) for n in (7, 30, 12, 3)]
    a = LaneStream(files, 2, 5, seed=1)
    for _ in range(4):
        a.batch()
    b = LaneStream(files, 2, 5, seed=99)
    b.load_state_dict(a.state_dict())
    for _ in range(10):
        xa, ya, ra = a.batch()
        xb, yb, rb = b.batch()
        assert np.array_equal(xa, xb) and np.array_equal(ya, yb) and np.array_equal(ra, rb)
    with pytest.raises(ValueError, match="checkpoint"):
        LaneStream(files[:2], 2, 5, seed=0).load_state_dict(a.state_dict())


def test_file_bits_per_char_matches_one_file_at_a_time():
    from interpwidgets.zoo.train import build

    torch.manual_seed(0)
    model = build("char_lstm").eval()
    rng = np.random.default_rng(0)
    files = [rng.integers(1, 90, size=n) for n in (40, 17, 33)]
    batched = file_bits_per_char(model, files, max_chars=10_000, batch_size=3)
    total = 0.0
    with torch.no_grad():
        for f in files:
            ids = torch.from_numpy(f)
            logits, _ = model(ids[None, :-1])
            total += torch.nn.functional.cross_entropy(logits[0], ids[1:], reduction="sum").item()
    assert batched == pytest.approx(total / sum(len(f) - 1 for f in files) / np.log(2), rel=1e-5)


def test_resume_continues_exactly(tmp_path):
    kw = dict(seq_len=16, batch_size=2, max_train_chars=30_000, log_every=1, val_every=0)
    full, _ = train_tbptt("char_lstm", 6, 1e-3, checkpoint=tmp_path / "a.pt", **kw)
    train_tbptt("char_lstm", 6, 1e-3, checkpoint=tmp_path / "b.pt", stop_after=3, **kw)
    resumed, card = train_tbptt(
        "char_lstm", 6, 1e-3, checkpoint=tmp_path / "b.pt", resume=True, **kw
    )
    assert card["steps_done"] == 6 and [e["step"] for e in card["log"]] == list(range(1, 7))
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    with pytest.raises(ValueError, match="resume"):
        train_tbptt("char_lstm", 7, 1e-3, checkpoint=tmp_path / "b.pt", resume=True, **kw)
