"""Probes and control tasks (Hewitt & Liang 2019) on data with a known answer."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

import interpwidgets as iw  # noqa: E402
from interpwidgets.probing import ProbingTask, control_labels, fit_layer, sentence_task  # noqa: E402


def test_linear_labels_are_found_and_a_control_task_is_not():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 20))
    y = (x @ rng.normal(size=20) > 0).astype(int)
    types = rng.integers(0, 300, size=1200)  # each example's "word type", unrelated to x
    type_label = rng.integers(0, 2, size=300)
    r = fit_layer(x, y, type_label[types], seed=0)
    assert r["accuracy"] > 0.97
    assert abs(r["control_accuracy"] - 0.5) < 0.1
    assert r["selectivity"] == pytest.approx(r["accuracy"] - r["control_accuracy"])
    assert 0.4 < r["majority"] < 0.6


def test_sparse_probe_ranks_the_informative_neurons_first():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(800, 30))
    y = (x[:, 7] - x[:, 21] > 0).astype(int)
    r = fit_layer(x, y, rng.integers(0, 2, 800))
    assert {n for n, _ in r["neurons"][:2]} == {7, 21}


def test_control_labels_are_tied_to_types_and_keep_the_distribution():
    task = ProbingTask(
        "t", ["aab", "bba"], [np.array([0, 0, 1]), np.array([1, 1, 0])], level="char"
    )
    c = task.control
    assert c[0][0] == c[0][1] == c[1][2]  # every "a" gets the same control label
    assert c[0][2] == c[1][0] == c[1][1]
    sent = ProbingTask("s", ["The cat.", "The dog.", "A bird."], [0, 1, 0])
    assert sent.control[0] == sent.control[1]  # same first word, same control label
    assert control_labels(sent, seed=0) == sent.control


def test_sentence_tasks_are_deterministic_and_balanced():
    a, b = sentence_task("bigram_shift", n=200), sentence_task("bigram_shift", n=200)
    assert a.texts == b.texts and 0.4 < np.mean(a.labels) < 0.6
    length = sentence_task("sentence_length", n=250)
    counts = np.bincount(length.labels)
    assert len(counts) == 5 and counts.min() == counts.max()
    for text, label in zip(length.texts[:50], length.labels[:50], strict=True):
        lo, hi = (int(v) for v in length.classes[label].split()[0].split("-"))
        assert lo <= len(text.split()) <= hi


def test_probe_on_the_char_lstm_beats_the_majority_baseline():
    pytest.importorskip("torch")
    r = iw.probe(iw.zoo.char_lstm(), "in_string", progress=False)
    assert list(r.table.columns[:5]) == [
        "layer",
        "accuracy",
        "control_accuracy",
        "selectivity",
        "majority",
    ]
    assert list(r.table.layer) == ["rnn.0.h", "rnn.1.h"]
    assert (r.table.accuracy > r.table.majority).all()
    assert r.top_neurons["rnn.1.h"]


def test_probe_bad_inputs():
    with pytest.raises(KeyError, match="name: 'nope' is not a char task"):
        iw.probe(None, "nope")
    with pytest.raises(ValueError, match=r"labels\[0\]: expected 3 character labels, got 2"):
        ProbingTask("t", ["abc"], [np.array([0, 1])], level="char")
    with pytest.raises(ValueError, match="level: expected 'sentence' or 'char'"):
        ProbingTask("t", ["abc"], [0], level="word")
    with pytest.raises(ValueError, match="kind: expected 'logistic' or 'mlp'"):
        fit_layer(np.zeros((4, 2)), np.array([0, 1, 0, 1]), np.array([0, 1, 0, 1]), kind="svm")


def test_batched_sentence_representations_equal_one_trace_per_sentence(monkeypatch):
    pytest.importorskip("torch")
    from interpwidgets.probing import fit, representations

    enc, tok = iw.zoo.minilm()
    task = sentence_task("bigram_shift", n=23)  # lengths differ: padding must be masked out
    batched, y, c = representations(enc, task, tok, progress=False, batch_size=5)
    monkeypatch.setattr(fit, "_hf_sentence_batches", lambda *a, **k: None)
    single, y1, c1 = representations(enc, task, tok, progress=False)
    assert (
        sorted(batched)
        == sorted(single)
        == sorted(["embed"] + [f"blocks.{k}.resid" for k in range(6)])
    )
    for name in single:
        assert batched[name].shape == single[name].shape == (23, 384)
        np.testing.assert_allclose(batched[name], single[name], atol=2e-4)
    assert (y == y1).all() and (c == c1).all()
    with pytest.raises(ValueError, match=r"^batch_size: expected a positive int"):
        representations(enc, task, tok, batch_size=0)


def test_lstm_vs_transformer_probes_both_char_models_on_the_same_texts():
    pytest.importorskip("torch")
    c = iw.lstm_vs_transformer(
        char_tasks=["in_string"],
        sentence_tasks=["sentence_length"],
        n_texts=3,
        n_sentences=60,
        progress=False,
    )
    assert c.tasks == ["in_string", "sentence_length"]
    lstm, tf = c["in_string"]
    assert (lstm.model, tf.model) == ("char-LSTM", "char-Transformer")
    assert lstm.table.examples.iloc[0] == tf.table.examples.iloc[0] == 1200  # same 3×400 chars
    assert list(tf.table.layer) == [f"blocks.{k}.resid" for k in range(4)]
    assert [r.model for r in c["sentence_length"]] == ["MiniLM"]
    t = c.table
    assert list(t.columns[:4]) == ["task", "model", "layer", "depth"]
    assert len(t) == 2 + 4 + 7 and t.depth.between(0, 1).all()
    best = c.best()
    assert len(best) == 3
    row = best[best.model == "char-LSTM"].iloc[0]
    assert row.accuracy == lstm.table.accuracy.max()
    assert row.best_layer == lstm.table.layer[lstm.table.accuracy.idxmax()]
    fig = c.figure()
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == [
        "in_string",
        "sentence_length",
    ]
    with pytest.raises(KeyError, match="task: expected one of"):
        c["column"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"char_tasks": "in_string"}, TypeError, r"^char_tasks: expected a list of task names"),
        ({"char_tasks": ["nope"]}, ValueError, r"^char_tasks: expected names from"),
        ({"sentence_tasks": ["in_string"]}, ValueError, r"^sentence_tasks: expected names from"),
        ({"char_tasks": [], "sentence_tasks": []}, ValueError, r"expected at least one task"),
        ({"n_texts": 1}, ValueError, r"^n_texts: expected an int ≥ 2"),
        ({"n_sentences": 2.5}, ValueError, r"^n_sentences: expected an int ≥ 2"),
    ],
)
def test_lstm_vs_transformer_bad_inputs(kwargs, error, match):
    with pytest.raises(error, match=match):
        iw.lstm_vs_transformer(progress=False, **kwargs)
