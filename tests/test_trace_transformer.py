"""The char-Transformer trace against the model's own forward pass."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import interpwidgets as iw  # noqa: E402
from interpwidgets.zoo.corpus import encode_text  # noqa: E402
from interpwidgets.zoo.transformer import CharTransformer  # noqa: E402

TEXT = "def f(x):\n    return x + 1  # one\n" * 3


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return CharTransformer(d_model=32, n_layers=2, n_heads=4, d_mlp=64, context=24).eval()


def test_short_text_matches_forward_and_records_attention(model):
    text = TEXT[:24]
    tr = iw.trace(model, text)
    assert tr.names == ["blocks.0.resid", "blocks.0.mlp", "blocks.1.resid", "blocks.1.mlp"]
    assert tr.attention.shape == (2, 4, 24, 24)
    np.testing.assert_allclose(tr.attention.sum(-1), 1, atol=1e-5)
    assert np.triu(tr.attention[0, 0], 1).max() == 0  # causal
    with torch.no_grad():
        logits, _ = model(torch.from_numpy(encode_text(text))[None])
        resid = torch.from_numpy(tr.activations["blocks.1.resid"])
        np.testing.assert_allclose(
            model.head(model.ln_f(resid)).numpy(), logits[0].numpy(), atol=1e-5
        )
    probs = torch.softmax(logits[0], -1).topk(5).values.numpy()
    np.testing.assert_allclose(tr.predictions["probs"], probs, atol=1e-6)


def test_long_text_runs_in_windows_with_enough_history(model):
    tr = iw.trace(model, TEXT, progress=False)
    assert tr.attention is None and tr.activations["blocks.0.mlp"].shape == (len(TEXT), 64)
    assert not (tr.activations["blocks.1.resid"] == 0).all(axis=1).any()  # every position filled
    ids = torch.from_numpy(encode_text(TEXT))
    p = 50  # read from a window that starts at least context/2 before it
    for start in range(p - 23, p - 11):
        records = []
        with torch.no_grad():
            model(ids[start : start + 24][None], records=records)
        if np.allclose(
            records[1]["resid"][0, p - start].numpy(),
            tr.activations["blocks.1.resid"][p],
            atol=1e-5,
        ):
            assert p - start >= 12
            break
    else:
        pytest.fail("position 50 matches no window with half a context of history")


def test_attention_on_a_long_text_is_refused_with_the_reason(model):
    with pytest.raises(
        ValueError, match=r"attention: the text has 102 characters; .* at most context=24"
    ):
        iw.trace(model, TEXT, attention=True)


def test_gate_saturation_of_an_lstm_trace(tiny_lstm):
    from interpwidgets.figures import gate_saturation_figure
    from interpwidgets.neurons import gate_saturation

    tr = iw.trace(tiny_lstm, TEXT)
    table = gate_saturation(tr)
    assert set(table["gate"]) == {"input", "forget", "output"} and len(table) == 2 * 3 * 24
    f = tr.activations["rnn.0.f"][:, 3]
    row = table[(table.layer == 0) & (table.gate == "forget") & (table.unit == 3)].iloc[0]
    assert row["left"] == pytest.approx((f < 0.1).mean()) and row["right"] == pytest.approx(
        (f > 0.9).mean()
    )
    fig = gate_saturation_figure(table)
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="has no gate arrays"):
        gate_saturation(iw.Trace.from_arrays("ab", {"h": np.zeros(2)}))
