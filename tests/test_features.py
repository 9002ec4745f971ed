import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import features


def marks(text, arr):
    return "".join(c for c, v in zip(text, arr, strict=True) if v)


def test_python_code_strings_comments_brackets():
    text = 'x = f("a(b", 2)  # c(\ns = """doc\nmore"""\n'
    f = features.python_code(text)
    assert marks(text, f["in_string"]) == '"a(b' + '"""doc\nmore""'
    assert marks(text, f["in_comment"]) == "# c("
    depth = f["bracket_depth"]
    assert (
        depth[text.index("f(") + 1] == 1
        and depth[text.index(", 2")] == 1
        and depth[text.index(")  #")] == 0
    )
    assert depth.max() == 1  # the brackets inside the string and the comment do not count


def test_columns_indentation_and_line_length():
    text = "def f():\n    return 1\n"
    f = features.python_code(text)
    r = text.index("return")
    assert (
        f["column"][r] == 4
        and f["indent_level"][r] == 4
        and f["line_length"][r] == len("    return 1")
    )
    assert f["column"][0] == 0 and f["line_number"][r] == 1
    assert f["in_keyword"][r] and f["in_name"][text.index("f(")] and f["in_number"][text.index("1")]


@pytest.mark.parametrize(
    "text",
    [
        "s = 'unterminated\nx = (1",
        "def f(:\n  return 'x' # ok",
        "   if x:\n  bad dedent\n",
        '"""never closed\nstill inside',
        "x = f'{a!r} {b}' + 'c'",
        "\x00\t\n",
    ],
)
def test_code_that_does_not_parse_still_gets_features(text):
    f = features.python_code(text)
    assert all(len(v) == len(text) for v in f.values())
    if "'" in text or '"' in text:
        assert f["in_string"].any()


def test_unterminated_string_runs_to_the_end_of_line():
    text = "s = 'abc\nx = 1"
    assert marks(text, features.python_code(text)["in_string"]) == "'abc"


def test_plain_text_features():
    text = 'He said "hi (there)." Then left.'
    f = features.plain_text(text)
    assert marks(text, f["in_quotes"]) == '"hi (there).'
    assert marks(text, f["in_parentheses"]) == "(there"
    assert f["position_in_word"][text.index("said") + 3] == 3 and f["position_in_word"][2] == -1
    assert f["position_in_sentence"][text.index("Then")] == 0


def test_feature_bad_input():
    with pytest.raises(ValueError, match="text: expected a non-empty str"):
        features.python_code("")
    with pytest.raises(TypeError, match="text: expected a str, got list"):
        features.plain_text(["a"])


def _synthetic():
    text = "a = 'xyz' + b('q')\n" * 20
    rng = np.random.default_rng(0)
    inside = features.python_code(text)["in_string"]
    acts = rng.normal(size=(len(text), 6)).astype(np.float32)
    acts[:, 4] = -2.0 * inside + 0.1 * rng.normal(size=len(text))  # a negative string cell
    acts[:, 2] = features.python_code(text)["column"] + rng.normal(size=len(text))
    return iw.Trace.from_arrays(text, {"h": acts}), inside


def test_find_neurons_ranks_the_planted_cell_first_with_its_sign():
    tr, _ = _synthetic()
    table = iw.find_neurons(tr, "in_string")
    assert list(table.columns[:4]) == ["layer", "neuron", "score", "sign"]
    assert (
        table.iloc[0]["neuron"] == 4
        and table.iloc[0]["sign"] == -1
        and table.iloc[0]["score"] > 0.99
    )
    col = iw.find_neurons(tr, "column")
    assert (
        col.iloc[0]["neuron"] == 2 and col.iloc[0]["metric"] == "r" and col.iloc[0]["score"] > 0.9
    )


def test_find_neurons_auroc_matches_sklearn_definition():
    tr, inside = _synthetic()
    table = iw.find_neurons(tr, inside, top=None)
    x, y = tr.activations["h"][:, 0], inside
    pos, neg = x[y], x[~y]
    auc = ((pos[:, None] > neg[None]).sum() + 0.5 * (pos[:, None] == neg[None]).sum()) / (
        len(pos) * len(neg)
    )
    assert table.set_index("neuron").loc[0, "auroc"] == pytest.approx(auc)


def test_find_neurons_bad_input():
    tr, _ = _synthetic()
    with pytest.raises(KeyError, match="feature: 'nope' is not a known feature"):
        iw.find_neurons(tr, "nope")
    with pytest.raises(ValueError, match=r"feature: expected \d+ values \(one per token\)"):
        iw.find_neurons(tr, np.zeros(3))
    with pytest.raises(ValueError, match="never true"):
        iw.find_neurons(tr, np.zeros(len(tr.text), dtype=bool))


def test_match_spans_finds_the_cell_on_inside_and_off_around():
    tr, _ = _synthetic()
    text = tr.text
    s = text.index("'xyz'") + 1
    table = iw.match_spans(tr, [(s, s + 3), (s + 19, s + 22)], threshold=1.0)
    assert table.iloc[0]["neuron"] == 4 and table.iloc[0]["sign"] == -1
    assert table.iloc[0]["on_inside"] == 1.0 and table.iloc[0]["on_outside"] < 0.5
    with pytest.raises(ValueError, match=r"spans: expected 0 <= start < end <= len\(text\)"):
        iw.match_spans(tr, [(5, 5000)])
    with pytest.raises(ValueError, match="at least one"):
        iw.match_spans(tr, [])
