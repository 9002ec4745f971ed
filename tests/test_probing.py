"""Probes and control tasks (Hewitt & Liang 2019) on data with a known answer; splits by
sentence or text, control label distributions, standard errors."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

import interpwidgets as iw  # noqa: E402
from interpwidgets.probing import (  # noqa: E402
    ProbingTask,
    char_task,
    clustered_se,
    control_labels,
    fit_layer,
    group_split,
    sentence_task,
)
from interpwidgets.probing.fit import COLUMNS, example_groups  # noqa: E402


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
    assert 0.4 < r["majority"] < 0.6 and 0.4 < r["control_majority"] < 0.6
    assert r["n_train"] + r["n_test"] == 1200 and 250 <= r["n_test"] <= 350
    # one example per group: the SE is the binomial sqrt(p(1-p)/n)
    p, n = r["control_accuracy"], r["n_test"]
    assert r["control_accuracy_se"] == pytest.approx(np.sqrt(p * (1 - p) / n), rel=0.01)
    assert 0 < r["accuracy_se"] < 0.02


def test_sparse_probe_ranks_the_informative_neurons_first():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(800, 30))
    y = (x[:, 7] - x[:, 21] > 0).astype(int)
    r = fit_layer(x, y, rng.integers(0, 2, 800))
    assert {n for n, _ in r["neurons"][:2]} == {7, 21}


def test_control_labels_are_tied_to_types_and_keep_the_distribution():
    # character level: the type is the character with the two before it
    task = ProbingTask(
        "t",
        ["xaab", "xaab", "zab"],
        [np.array([0, 0, 1, 1])] * 2 + [np.array([1, 1, 0])],
        level="char",
    )
    c = task.control
    assert (c[0] == c[1]).all()  # same trigrams, same labels
    assert set(np.concatenate(c).tolist()) <= {0, 1}  # labels from the task's classes
    sent = ProbingTask("s", ["The cat sat.", "sat the cat", "A bird flew."], [0, 1, 0])
    assert sent.control[0] == sent.control[1]  # the same words, the same control label
    assert control_labels(sent, seed=0) == sent.control


@pytest.mark.parametrize("name", ["in_string", "bracket_depth", "column", "position_in_word"])
def test_char_control_labels_have_the_task_label_distribution(name):
    task = char_task(name, n_texts=12)
    y, c = np.concatenate(task.labels), np.concatenate(task.control)
    assert ((y < 0) == (c < 0)).all()  # skipped characters stay skipped
    k = y >= 0
    p, q = np.bincount(y[k], minlength=6) / k.sum(), np.bincount(c[k], minlength=6) / k.sum()
    assert np.abs(p - q).max() < 0.01, (p, q)
    # tied to types: every run of control_context characters has one control label
    k, seen = task.control_context, {}
    for text, labels in zip(task.texts, task.control, strict=True):
        for i, lab in enumerate(labels):
            if lab >= 0:
                assert seen.setdefault(text[max(0, i - k + 1) : i + 1], lab) == lab


@pytest.mark.parametrize("name", ["sentence_length", "bigram_shift", "word_content"])
def test_sentence_control_labels_have_the_task_label_distribution(name):
    task = sentence_task(name, n=3000, n_words=50)
    y, c = np.asarray(task.labels), np.asarray(task.control)
    k = max(y.max(), c.max()) + 1
    p, q = np.bincount(y, minlength=k) / len(y), np.bincount(c, minlength=k) / len(c)
    assert np.abs(p - q).max() < 0.01, (p, q)
    assert np.mean(c == y) < p.max() + 0.05  # control labels are not the task's labels


def test_sentence_tasks_are_deterministic_balanced_and_big_enough():
    a, b = sentence_task("bigram_shift", n=200), sentence_task("bigram_shift", n=200)
    assert a.texts == b.texts and 0.4 < np.mean(a.labels) < 0.6
    length = sentence_task("sentence_length")  # the default: ≥ 10,000 sentences
    assert len(length.texts) >= 10_000 and "WordNet" in length.source
    counts = np.bincount(length.labels)
    assert len(counts) == 6 and counts.min() == counts.max()
    for text, label in zip(length.texts[:200], length.labels[:200], strict=True):
        lo, _, hi = length.classes[label].split()[0].partition("-")
        assert int(lo) <= len(text.split()) <= int(hi or lo)
    assert len(sentence_task("bigram_shift").texts) >= 10_000
    wc = sentence_task("word_content")
    assert len(wc.classes) == 200 and len(set(wc.labels)) == 200 and len(wc.texts) >= 6000
    for text, label in zip(wc.texts[:300], wc.labels[:300], strict=True):
        words = {w.lower().strip(",.!?'") for w in text.split()}
        assert wc.classes[label] in words
        assert len(words & set(wc.classes)) == 1  # exactly one of the target words


def test_split_never_puts_a_text_or_sentence_on_both_sides():
    task = char_task("in_string", n_texts=12)
    groups = example_groups(task)
    assert len(groups) == sum(len(t) for t in task.texts)
    tr, te = group_split(groups, 0.25, seed=0)
    assert set(groups[tr]).isdisjoint(groups[te]) and len(set(groups[te])) == 3
    assert len(tr) + len(te) == len(groups)
    sent = sentence_task("bigram_shift", n=400)
    g = example_groups(sent)
    tr, te = group_split(g, 0.25, seed=0)
    texts = np.asarray(sent.texts, dtype=object)
    assert set(texts[tr]).isdisjoint(texts[te])
    # the same sentence twice is one group: both copies land on one side
    dup = ProbingTask("d", ["A b c d e.", "F g h i j.", "A b c d e.", "K l m n o."], [0, 1, 0, 1])
    assert dup.groups[0] == dup.groups[2] != dup.groups[1]


def test_clustered_se_is_binomial_for_single_examples_and_wider_for_clusters():
    rng = np.random.default_rng(0)
    hits = (rng.random(2000) < 0.8).astype(float)
    p = hits.mean()
    se = clustered_se(hits, np.arange(2000))
    assert se == pytest.approx(np.sqrt(p * (1 - p) / 2000), rel=0.01)
    # 20 groups of 100 that are all right or all wrong: as uncertain as 20 examples
    block = np.repeat((rng.random(20) < 0.8).astype(float), 100)
    q = block.mean()
    wide = clustered_se(block, np.repeat(np.arange(20), 100))
    assert wide == pytest.approx(np.sqrt(q * (1 - q) / 20), rel=0.05)
    assert np.isnan(clustered_se(hits, np.zeros(2000)))


def test_probe_on_the_char_lstm_beats_the_majority_baseline(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    monkeypatch.setenv("INTERPWIDGETS_CACHE", str(tmp_path))
    r = iw.probe(iw.zoo.char_lstm(), char_task("in_string", n_texts=16), progress=False)
    assert list(r.table.columns) == list(COLUMNS)
    assert list(r.table.layer) == ["rnn.0.h", "rnn.1.h"]
    assert r.table.accuracy.iloc[-1] > r.table.majority.iloc[-1]  # the top layer beats majority
    assert (r.table.accuracy > r.table.majority - 2 * r.table.accuracy_se).all()
    assert (r.table.n_train + r.table.n_test == 16 * 400).all()
    assert r.split.startswith("by text, never by character: 12 texts") and "4 texts" in r.split
    # characters of one text are correlated: the SE is wider than the binomial one
    t = r.table.iloc[0]
    assert t.accuracy_se > 2 * np.sqrt(t.accuracy * (1 - t.accuracy) / t.n_test)
    assert (r.table.selectivity_se > 0).all() and (r.table.control_majority > 0.5).all()
    assert r.top_neurons["rnn.1.h"]
    assert list(tmp_path.glob("probing/*.npz"))  # representations cached on disk
    again = iw.probe(iw.zoo.char_lstm(), char_task("in_string", n_texts=16), progress=False)
    assert again.table.equals(r.table)


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
    from interpwidgets.probing import extract, representations

    enc, tok = iw.zoo.minilm()
    task = sentence_task("bigram_shift", n=23)  # lengths differ: padding must be masked out
    batched, y, c = representations(enc, task, tok, progress=False, batch_size=5)
    monkeypatch.setattr(extract, "_hf_sentence_batches", lambda *a, **k: None)
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
    n = lstm.table.n_train + lstm.table.n_test
    assert n.iloc[0] == (tf.table.n_train + tf.table.n_test).iloc[0] == 1200  # same 3×400 chars
    assert lstm.table.n_test.iloc[0] == tf.table.n_test.iloc[0]  # the same split
    assert lstm.split == tf.split
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
