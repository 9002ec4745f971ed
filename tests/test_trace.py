import numpy as np
import pytest

import interpwidgets as iw


def test_one_token_per_character_by_default():
    text = "a🙂b\n漢"
    tr = iw.Trace.from_arrays(text, {"x": np.arange(len(text))})
    assert tr.tokens == list(text)
    assert tr.offsets.tolist() == [[i, i + 1] for i in range(len(text))]
    assert tr.activations["x"].shape == (5, 1) and tr.activations["x"].dtype == np.float32


def test_tokens_found_in_text_in_order():
    tr = iw.Trace.from_arrays("the cat the", {"x": np.zeros((3, 2))}, tokens=["the", "cat", "the"])
    assert tr.offsets.tolist() == [[0, 3], [4, 7], [8, 11]]


def test_offsets_without_tokens_give_token_text():
    tr = iw.Trace.from_arrays("hello world", {"x": np.zeros((2, 1))}, offsets=[(0, 5), (6, 11)])
    assert tr.tokens == ["hello", "world"]


def test_torch_tensors_requiring_grad_are_accepted():
    torch = pytest.importorskip("torch")
    t = torch.ones(3, 2, requires_grad=True) * 2
    tr = iw.Trace.from_arrays("abc", {"x": t})
    assert tr.activations["x"].tolist() == [[2, 2]] * 3


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"text": ""}, ValueError, r"text: expected a non-empty str, got ''"),
        ({"text": 5}, TypeError, r"text: expected a str, got int"),
        (
            {"arrays": {"x": np.zeros((4, 2))}},
            ValueError,
            r"activations\['x'\]: expected 3 rows .* got shape \(4, 2\)",
        ),
        (
            {"arrays": {"x": np.zeros((3, 2, 2))}},
            ValueError,
            r"expected shape \(n_tokens=3, n_units\), got \(3, 2, 2\)",
        ),
        (
            {"arrays": {"x": np.array(["a", "b", "c"])}},
            TypeError,
            r"activations\['x'\]: expected a numeric array, got dtype <U1",
        ),
        (
            {"arrays": {"x": [[1], [2, 3], [4]]}},
            TypeError,
            r"activations\['x'\]: expected an array-like of numbers",
        ),
        ({"arrays": {"x": np.full(3, np.inf)}}, ValueError, r"infinite"),
        ({"arrays": {"x": np.zeros((3, 0))}}, ValueError, r"at least one unit"),
        ({"arrays": {}}, ValueError, r"arrays: expected at least one named array"),
        ({"arrays": [1, 2, 3]}, TypeError, r"arrays: expected a dict"),
        ({"arrays": {"": np.zeros(3)}}, TypeError, r"non-empty str names"),
        (
            {"tokens": ["a", "x"], "arrays": {"x": np.zeros(2)}},
            ValueError,
            r"offsets: tokens\[1\]='x' was not found",
        ),
        ({"tokens": "abc"}, TypeError, r"tokens: expected a list of str, got a single str"),
        (
            {"tokens": ["a", "b", "c"], "offsets": [(0, 1), (1, 2)]},
            ValueError,
            r"offsets: expected shape \(3, 2\), got \(2, 2\)",
        ),
        (
            {"tokens": ["a", "b", "c"], "offsets": [(0, 1), (1, 2), (2, 9)]},
            ValueError,
            r"len\(text\)=3 .* got \(2, 9\) at index 2",
        ),
        (
            {"tokens": ["a", "b", "c"], "offsets": [(0, 1), (2, 1), (2, 3)]},
            ValueError,
            r"got \(2, 1\) at index 1",
        ),
        (
            {"tokens": ["a", "b", "c"], "offsets": [(0, 1), (1, 2.5), (2, 3)]},
            TypeError,
            r"offsets: expected integer",
        ),
    ],
)
def test_validation_names_argument_expected_and_got(kwargs, exc, match):
    args = {"text": "abc", "arrays": {"x": np.zeros(3)}, **kwargs}
    with pytest.raises(exc, match=match):
        iw.Trace.from_arrays(args.pop("text"), args.pop("arrays"), **args)


def test_resolve_layer_names_and_indices():
    tr = iw.Trace.from_arrays("ab", {"a": np.zeros(2), "b": np.zeros(2)})
    assert (
        tr.resolve(None) == "a"
        and tr.resolve(1) == "b"
        and tr.resolve(-1) == "b"
        and tr.resolve("b") == "b"
    )
    with pytest.raises(
        KeyError, match=r"layer: 'c' is not in this trace; expected one of \['a', 'b'\]"
    ):
        tr.resolve("c")
    with pytest.raises(ValueError, match=r"layer: expected an index in \[0, 1\], got 2"):
        tr.resolve(2)
    with pytest.raises(TypeError, match="layer"):
        tr.resolve(1.5)


def test_predictions_are_validated():
    preds = {"tokens": [["a", "b"], ["c", "d"]], "probs": [[0.6, 0.3], [0.9, 0.1]]}
    tr = iw.Trace.from_arrays("xy", {"h": np.zeros(2)}, predictions=preds)
    assert tr.predictions["tokens"][1, 0] == "c" and tr.predictions["probs"].dtype == np.float32
    with pytest.raises(
        ValueError, match=r"predictions\['probs'\]: expected shape \(2, k\), got \(1, 2\)"
    ):
        iw.Trace.from_arrays(
            "xy", {"h": np.zeros(2)}, predictions={"tokens": [["a", "b"]], "probs": [[0.5, 0.5]]}
        )
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        iw.Trace.from_arrays(
            "xy", {"h": np.zeros(2)}, predictions={**preds, "probs": [[2, 0], [0, 0]]}
        )
    with pytest.raises(TypeError, match="keys 'tokens' and 'probs'"):
        iw.Trace.from_arrays("xy", {"h": np.zeros(2)}, predictions={"probs": [[1], [1]]})
