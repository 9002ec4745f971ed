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


def test_unrolled_equals_the_fused_lstm():
    from interpwidgets.zoo.tbptt import unrolled
    from interpwidgets.zoo.train import build

    torch.manual_seed(0)
    model = build("char_lstm")
    ids = torch.randint(1, 90, (3, 20))
    state = (torch.randn(2, 3, 256) * 0.5, torch.randn(2, 3, 256))
    with torch.no_grad():
        logits, (h, c) = model(ids, state)
        u_logits, (uh, uc), acts = unrolled(model, ids, state)
    assert torch.allclose(logits, u_logits, atol=1e-5)
    assert torch.allclose(h, uh, atol=1e-5) and torch.allclose(c, uc, atol=1e-5)
    assert torch.allclose(acts["h"][1][:, -1], h[1], atol=1e-6)  # the top layer's last h
    assert [a.shape for a in acts["c"]] == [(3, 20, 256)] * 2


def _toy_lstm():
    from interpwidgets.zoo.char_rnn import CharRNN

    torch.manual_seed(3)
    model = CharRNN(hidden_size=2, num_layers=1, embedding_dim=3)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p))
    return model


def test_activation_l1_against_a_hand_computation():
    from interpwidgets.zoo.tbptt import activation_l1, unrolled

    model = _toy_lstm()
    ids = torch.tensor([[5, 9, 7], [2, 4, 6]])
    scored = torch.tensor([[True, True, True], [True, False, False]])  # 4 scored positions
    rnn = {k: v.detach().numpy().astype(np.float64) for k, v in model.rnn.state_dict().items()}
    emb = model.embedding.weight.detach().numpy().astype(np.float64)

    def sig(v):
        return 1 / (1 + np.exp(-v))

    h_abs = c_abs = 0.0
    for lane in range(2):
        h, c = np.zeros(2), np.zeros(2)
        for t in range(3):
            z = rnn["weight_ih_l0"] @ emb[ids[lane, t]] + rnn["bias_ih_l0"]
            z = z + rnn["weight_hh_l0"] @ h + rnn["bias_hh_l0"]
            i, f, g, o = sig(z[0:2]), sig(z[2:4]), np.tanh(z[4:6]), sig(z[6:8])
            c = f * c + i * g
            h = o * np.tanh(c)
            if scored[lane, t]:
                h_abs += np.abs(h).sum()
                c_abs += np.abs(c).sum()
    _, _, acts = unrolled(model, ids)
    # mean over 4 positions × 2 units (× 2 kinds for "hc")
    assert activation_l1(acts, "h", scored).item() == pytest.approx(h_abs / 8, rel=1e-5)
    assert activation_l1(acts, "c", scored).item() == pytest.approx(c_abs / 8, rel=1e-5)
    hc = activation_l1(acts, "hc", scored).item()
    assert hc == pytest.approx((h_abs + c_abs) / 16, rel=1e-5)
    assert h_abs != pytest.approx(c_abs)  # the hand computation tells h from c


def test_hoyer_is_scale_free_and_spans_one_unit_to_all():
    from interpwidgets.zoo.tbptt import activation_hoyer, activation_penalty

    n = 8
    one_hot = torch.zeros(1, 1, n)
    one_hot[..., 3] = -2.5
    flat = torch.full((1, 1, n), 0.7)
    every = torch.ones(1, 1, dtype=torch.bool)
    for a, want in ((one_hot, 1 / n), (flat, 1.0)):
        assert activation_hoyer({"h": [a], "c": [a]}, "h", every).item() == pytest.approx(want)
    g = torch.randn(1, 3, 64, generator=torch.Generator().manual_seed(0))
    acts = {"h": [g, 2 * g], "c": [g]}
    by_hand = (g.abs().sum(-1) ** 2 / (64 * g.pow(2).sum(-1))).mean().item()
    # every layer scored alike; a state and its 1000x-scaled copy score the same
    assert activation_hoyer(acts, "h", torch.ones(1, 3, dtype=torch.bool)).item() == pytest.approx(
        by_hand, rel=1e-5
    )
    big = {"h": [1000 * g], "c": [g]}
    mask = torch.tensor([[True, False, True]])
    assert activation_penalty(big, "h", mask, "hoyer").item() == pytest.approx(
        activation_penalty(big, "c", mask, "hoyer").item(), rel=1e-5
    )
    assert activation_penalty(big, "h", mask, "l1").item() == pytest.approx(
        1000 * activation_penalty(big, "c", mask, "l1").item(), rel=1e-5
    )


def test_a_hoyer_penalty_trains_and_resumes_only_as_itself(tmp_path):
    kw = dict(seq_len=16, batch_size=2, max_train_chars=30_000, log_every=1, val_every=0)
    kw["warmup"] = 1
    ck = tmp_path / "h.pt"
    run = dict(checkpoint=ck, act_sparsity=0.5, act_kind="hoyer", **kw)
    _, card = train_tbptt("char_lstm", 4, 3e-3, stop_after=2, **run)
    _, card = train_tbptt("char_lstm", 4, 3e-3, resume=True, **run)
    assert card["act_kind"] == "hoyer" and card["steps_done"] == 4
    assert all(1 / 256 < e["act_sparsity"] <= 1 for e in card["log"])
    with pytest.raises(ValueError, match=r"\(hoyer\)"):  # the same λ of the other kind
        train_tbptt("char_lstm", 4, 3e-3, resume=True, **{**run, "act_kind": "l1"})
    with pytest.raises(ValueError, match="act_kind: expected"):
        train_tbptt("char_lstm", 2, 1e-3, checkpoint=ck, act_sparsity=0.1, act_kind="l2")


def test_no_penalty_changes_nothing_and_an_l1_penalty_shrinks_activations(tmp_path):
    from interpwidgets.zoo.tbptt import activation_l1, unrolled

    kw = dict(seq_len=16, batch_size=2, max_train_chars=30_000, log_every=1, val_every=0)
    kw["warmup"] = 1
    plain, card = train_tbptt("char_lstm", 8, 3e-3, checkpoint=tmp_path / "a.pt", **kw)
    zero, _ = train_tbptt(
        "char_lstm", 8, 3e-3, checkpoint=tmp_path / "b.pt", act_sparsity=0.0, **kw
    )
    for (k, a), b in zip(plain.state_dict().items(), zero.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    assert card["act_sparsity"] == 0.0 and "act_sparsity" not in card["log"][0]
    sparse, scard = train_tbptt(
        "char_lstm", 8, 3e-3, checkpoint=tmp_path / "c.pt", act_sparsity=1.0, act_states="c", **kw
    )
    assert scard["act_sparsity"] == 1.0 and scard["act_states"] == "c"
    assert [e["act_sparsity"] > 0 for e in scard["log"]] == [True] * 8  # logged every step
    ids = torch.randint(1, 90, (4, 64), generator=torch.Generator().manual_seed(0))
    every = torch.ones(4, 64, dtype=torch.bool)
    with torch.no_grad():
        mean_c = [activation_l1(unrolled(m, ids)[2], "c", every).item() for m in (plain, sparse)]
    assert mean_c[1] < 0.8 * mean_c[0]
    with pytest.raises(ValueError, match="act_sparsity"):  # resume a penalised run without it
        train_tbptt("char_lstm", 8, 3e-3, checkpoint=tmp_path / "c.pt", resume=True, **kw)


def test_act_sparsity_bad_arguments(tmp_path):
    from interpwidgets.zoo.train import train

    with pytest.raises(ValueError, match="act_sparsity: expected"):
        train_tbptt("char_lstm", 2, 1e-3, checkpoint=tmp_path / "x.pt", act_sparsity=-0.1)
    with pytest.raises(ValueError, match="act_states"):
        train_tbptt(
            "char_lstm", 2, 1e-3, checkpoint=tmp_path / "x.pt", act_sparsity=0.1, act_states="hx"
        )
    with pytest.raises(ValueError, match="only LSTM"):
        train("char_transformer", 2, tmp_path, act_sparsity=0.1)


def test_windowed_training_takes_the_penalty_too(tmp_path):
    from interpwidgets.zoo.train import train

    kw = dict(max_train_chars=20_000, val_chars=2_000, seq_len=16, batch_size=2, log_every=1)
    card = train("char_lstm", 3, tmp_path, act_sparsity=0.1, act_states="h", **kw)
    assert card["act_sparsity"] == 0.1 and card["act_states"] == "h"
    assert all(0 < e["act_sparsity"] < 1 for e in card["log"])  # mean |h|, h in (-1, 1)
    assert "act_sparsity" not in train("char_lstm", 3, tmp_path, **kw)


def test_sigterm_leaves_a_checkpoint_and_partial_weights_that_load_and_resume(
    tmp_path, monkeypatch
):
    import json
    import signal

    from interpwidgets.zoo import load
    from interpwidgets.zoo import train as train_module

    batches = {"n": 0}
    real_batch = SegmentStream.batch

    def batch(self):  # `kill` arrives while the third step reads its batch
        batches["n"] += 1
        if batches["n"] == 3:
            signal.raise_signal(signal.SIGTERM)
        return real_batch(self)

    monkeypatch.setattr(SegmentStream, "batch", batch)
    handler = signal.getsignal(signal.SIGTERM)
    kw = dict(max_train_chars=20_000, val_chars=2_000, seq_len=16, batch_size=2, log_every=1)
    kw.update(tbptt=True, checkpoint=tmp_path / "run.pt", warmup=1, val_every=0)
    out = tmp_path / "out"
    card = train_module.train("char_lstm", 12, out, **kw)
    assert signal.getsignal(signal.SIGTERM) is handler  # the process's own handler is back
    assert card["partial"] and card["steps"] == 3 and card["steps_done"] == 3
    assert 0 < card["val_bits_per_char"] < 10
    written = json.loads((out / "char_lstm.json").read_text())
    assert written["partial"] and written["steps"] == 12 and written["steps_done"] == 3
    assert load("char_lstm", out).rnn.hidden_size == 256
    monkeypatch.setattr(SegmentStream, "batch", real_batch)
    done = train_module.train("char_lstm", 12, out, resume=True, **kw)
    assert done["steps"] == 12 and "partial" not in done
    assert [e["step"] for e in done["log"]] == list(range(1, 13))
    # a partial run never writes over the package's own weights
    monkeypatch.setattr(train_module, "WEIGHTS", tmp_path / "package")
    kw["checkpoint"] = tmp_path / "other.pt"
    card = train_module.train("char_lstm", 12, tmp_path / "package", stop_after=1, **kw)
    assert card["partial"] and not (tmp_path / "package").exists()
