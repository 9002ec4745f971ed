"""The RNN trace against torch's own modules."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

import interpwidgets as iw  # noqa: E402
from interpwidgets.zoo.char_rnn import CharRNN  # noqa: E402
from interpwidgets.zoo.corpus import VOCAB, encode_text  # noqa: E402

TEXT = "def f(x):\n    return 'a' + x  # done\n" * 8


def _model(cell, **kw):
    torch.manual_seed(1)
    return CharRNN(hidden_size=16, num_layers=3, embedding_dim=8, cell=cell, **kw).eval()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_last_layer_equals_the_models_own_output(cell):
    m = _model(cell)
    tr = iw.trace(m, TEXT)
    with torch.no_grad():
        out, _ = m.rnn(m.embedding(torch.from_numpy(encode_text(TEXT))[None]))
    np.testing.assert_allclose(tr.activations["rnn.2.h"], out[0].numpy(), atol=1e-5)
    assert tr.offsets.shape == (len(TEXT), 2) and tr.tokens[0] == "d"


def test_lstm_every_layer_gates_and_cell_state_match_lstmcell_stepping(tiny_lstm):
    m = tiny_lstm
    tr = iw.trace(m, TEXT[:120])
    x = m.embedding(torch.from_numpy(encode_text(TEXT[:120])))
    with torch.no_grad():
        for k in range(m.rnn.num_layers):
            cell = nn.LSTMCell(x.shape[-1], 24)
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, n).copy_(getattr(m.rnn, f"{n}_l{k}"))
            h = c = torch.zeros(1, 24)
            hs, cs = [], []
            for t in range(x.shape[0]):
                h, c = cell(x[t : t + 1], (h, c))
                hs.append(h[0])
                cs.append(c[0])
            hs, cs = torch.stack(hs), torch.stack(cs)
            np.testing.assert_allclose(tr.activations[f"rnn.{k}.h"], hs.numpy(), atol=1e-5)
            np.testing.assert_allclose(tr.activations[f"rnn.{k}.c"], cs.numpy(), atol=1e-5)
            i, f, g, o = (tr.activations[f"rnn.{k}.{n}"] for n in "ifgo")
            # the gates reproduce torch's states: h = o * tanh(c) and c_t = f c_{t-1} + i g
            np.testing.assert_allclose(o * np.tanh(cs.numpy()), hs.numpy(), atol=1e-5)
            c_prev = np.vstack([np.zeros((1, 24)), cs.numpy()[:-1]])
            np.testing.assert_allclose(f * c_prev + i * g, cs.numpy(), atol=1e-5)
            assert (i > 0).all() and (i < 1).all() and (np.abs(g) < 1).all()
            x = hs


def test_gru_gates_reproduce_the_hidden_state():
    m = _model("gru")
    tr = iw.trace(m, TEXT)
    h = tr.activations["rnn.0.h"]
    r, z, n = (tr.activations[f"rnn.0.{k}"] for k in "rzn")
    h_prev = np.vstack([np.zeros((1, h.shape[1])), h[:-1]])
    np.testing.assert_allclose((1 - z) * n + z * h_prev, h, atol=1e-5)
    assert ((r > 0) & (r < 1)).all()


def test_chunks_carry_the_state_over(tiny_lstm):
    whole = iw.trace(tiny_lstm, TEXT)
    chunked = iw.trace(tiny_lstm, TEXT, chunk_size=37, progress=False)
    assert whole.names == chunked.names
    for name in whole.names:
        np.testing.assert_allclose(
            chunked.activations[name], whole.activations[name], atol=1e-5, err_msg=name
        )


def test_predictions_are_top5_next_characters(tiny_lstm):
    tr = iw.trace(tiny_lstm, "x = 1\n")
    preds = tr.predictions
    assert preds["probs"].shape == (6, 5)
    assert np.all(np.diff(preds["probs"], axis=1) <= 0)
    with torch.no_grad():
        logits, _ = tiny_lstm(torch.from_numpy(encode_text("x = 1\n"))[None])
    best = logits[0].argmax(-1).numpy()
    assert list(preds["tokens"][:, 0]) == [VOCAB[i] for i in best]


def test_unknown_characters_map_to_unk_and_are_recorded(tiny_lstm):
    tr = iw.trace(tiny_lstm, "a→b")
    assert tr.text == "a→b" and tr.meta["unknown_chars"].tolist() == [1]


def test_a_users_own_model_traces_the_same_way():
    class Mine(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(4, 5)
            self.lstm = nn.LSTM(5, 7, num_layers=2)  # not batch_first
            self.out = nn.Linear(7, 4)

    m = Mine().eval()
    tr = iw.trace(m, "abcdcba", vocab="abcd")
    with torch.no_grad():
        ref, _ = m.lstm(m.emb(torch.tensor([0, 1, 2, 3, 2, 1, 0]))[:, None])
    np.testing.assert_allclose(tr.activations["rnn.1.h"], ref[:, 0].numpy(), atol=1e-5)
    with pytest.raises(ValueError, match=r"characters \['z'\] are not in the model's vocabulary"):
        iw.trace(m, "abz", vocab="abcd")
    with pytest.raises(ValueError, match="vocab: the model has no .vocab"):
        iw.trace(m, "abc")


def test_bad_inputs(tiny_lstm):
    with pytest.raises(ValueError, match="text: expected a non-empty str"):
        iw.trace(tiny_lstm, "")
    with pytest.raises(TypeError, match="text: expected a str, got bytes"):
        iw.trace(tiny_lstm, b"abc")
    with pytest.raises(TypeError, match="model: expected a torch.nn.Module, got str"):
        iw.trace("lstm", "abc")
    with pytest.raises(ValueError, match=r"model: Linear has no nn.LSTM"):
        iw.trace(nn.Linear(2, 2), "abc")
    with pytest.raises(ValueError, match="chunk_size"):
        iw.trace(tiny_lstm, "abc", chunk_size=0)
    bi = nn.Sequential(nn.Embedding(3, 2), nn.LSTM(2, 2, bidirectional=True))
    with pytest.raises(ValueError, match="bidirectional"):
        iw.trace(bi, "ab", vocab="ab")


def test_training_script_runs_a_few_steps(tmp_path):
    from interpwidgets import zoo
    from interpwidgets.zoo.train import train

    card = train(
        "char_lstm",
        steps=3,
        out=tmp_path,
        batch_size=2,
        seq_len=32,
        max_train_chars=50_000,
        val_chars=3000,
    )
    assert card["steps"] == 3 and card["val_bits_per_char"] > 0
    model = zoo.load("char_lstm", tmp_path)
    tr = iw.trace(model, "print('hi')\n")
    assert tr.activations["rnn.1.h"].shape == (12, 256)
