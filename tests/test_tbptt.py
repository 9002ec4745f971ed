"""Stateful truncated BPTT: short runs of consecutive windows, warmed jumps, resume = no stop."""

import numpy as np
import pytest
import torch

from interpwidgets.zoo.segments import IGNORE, SegmentStream
from interpwidgets.zoo.tbptt import _restart, file_bits_per_char, train_tbptt


def _files(lengths):
    # file k holds k * 10000 + position, so a value names its file and place
    return [np.arange(k * 10000, k * 10000 + n) for k, n in enumerate(lengths)]


def test_runs_are_consecutive_windows_then_a_warmed_jump():
    files = _files([900, 40, 300, 7, 2000])
    stream = SegmentStream(files, batch_size=4, seq_len=16, seed=0, windows=3, burn_in=24)
    run_len = [0] * 4
    expect_next = [None] * 4
    starts, warm_starts = 0, 0
    for _ in range(300):
        x, y, reset, burn, warm = stream.batch()
        for lane in range(4):
            valid = y[lane] != IGNORE
            xs, ys = x[lane][valid], y[lane][valid]
            assert np.all(ys == xs + 1)  # next character of the same file, padding not scored
            f, pos = divmod(int(xs[0]), 10000)
            if reset[lane]:
                run_len[lane] = 1
                starts += 1
                if warm[lane]:  # the burn_in characters just before the run, same file
                    warm_starts += 1
                    assert pos >= 24 and list(burn[lane]) == list(files[f][pos - 24 : pos])
                else:  # a file's start, from a zero state as iw.trace reads it
                    assert pos == 0
            else:  # carries on where the lane's last window ended
                run_len[lane] += 1
                assert int(xs[0]) == expect_next[lane]
            assert run_len[lane] <= 3  # then it jumps
            expect_next[lane] = int(xs[-1]) + 1
    assert starts > 300 and 0 < warm_starts < starts
    assert stream.epochs() == pytest.approx(stream.chars / sum(len(f) - 1 for f in files))


def test_jumps_sample_the_text_evenly():
    files = _files([5000, 1000, 4000])
    stream = SegmentStream(files, batch_size=8, seq_len=4, seed=3, windows=1, burn_in=8)
    per_file = np.zeros(3)
    for _ in range(1500):
        x, _, reset, _, _ = stream.batch()
        assert reset.all()  # windows=1: a new place every batch
        per_file += np.bincount(x[:, 0] // 10000, minlength=3)
    share = per_file / per_file.sum()
    assert share == pytest.approx([0.5, 0.1, 0.4], abs=0.02)  # in proportion to length


def test_segment_stream_state_round_trip():
    files = _files([70, 300, 120, 30])
    a = SegmentStream(files, 2, 5, seed=1, windows=4, burn_in=6)
    for _ in range(4):
        a.batch()
    b = SegmentStream(files, 2, 5, seed=99, windows=4, burn_in=6)
    b.load_state_dict(a.state_dict())
    for _ in range(30):
        for u, v in zip(a.batch(), b.batch(), strict=True):
            assert np.array_equal(u, v)
    with pytest.raises(ValueError, match="checkpoint"):
        SegmentStream(files[:2], 2, 5, seed=0, windows=4, burn_in=6).load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="checkpoint"):
        SegmentStream(files, 2, 5, seed=0, windows=3, burn_in=6).load_state_dict(a.state_dict())
    with pytest.raises(ValueError, match="windows"):
        SegmentStream(files, 2, 5, seed=0, windows=0)


def test_restart_carries_zeroes_and_warms_lanes():
    from interpwidgets.zoo.train import build

    torch.manual_seed(0)
    model = build("char_lstm")
    ids = torch.randint(1, 90, (3, 10))
    with torch.no_grad():
        _, carried = model(ids)
    burn = np.random.default_rng(0).integers(1, 90, size=(3, 12))
    reset, warm = np.array([False, True, True]), np.array([False, False, True])
    with torch.no_grad():
        h, c = _restart(model, tuple(s.clone() for s in carried), reset, burn, warm)
        _, (wh, wc) = model(torch.from_numpy(burn[2:]))
    assert torch.equal(h[:, 0], carried[0][:, 0]) and torch.equal(c[:, 0], carried[1][:, 0])
    assert not h[:, 1].any() and not c[:, 1].any()
    assert torch.allclose(h[:, 2], wh[:, 0]) and torch.allclose(c[:, 2], wc[:, 0])
    first = _restart(model, None, np.ones(3, bool), burn, warm)  # the first batch
    assert first[0].shape == (2, 3, 256) and not first[0][:, :2].any()


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
