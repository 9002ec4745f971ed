"""The circuitsvis drop-in refuses bad input with a clear error that names the argument
(where circuitsvis passes it on to the browser or stops on a bare ``assert``)."""

import numpy as np
import pytest

import interpwidgets as iw

cv = iw.circuitsvis
TOKENS = [" The", " quick", " brown", " fox", "\n", "jumps", " over", " the", " dog", "."]
N = len(TOKENS)


def _nan(shape):
    a = np.ones(shape, np.float32)
    a.flat[1] = np.nan
    return a


BAD = [
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N + 1)), TOKENS),
        ValueError,
        r"attention: expected square attention .* got 10 × 11",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((1, 2, N, N)), TOKENS),
        ValueError,
        r"attention: expected shape \(heads, dest_tokens, src_tokens\), got \(1, 2, 10, 10\); for a batch",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, 4, 4)), TOKENS),
        ValueError,
        r"tokens: attention has 4 positions but 10 tokens were given",
    ),
    (
        lambda: cv.attention.attention_heads(_nan((2, N, N)), TOKENS),
        ValueError,
        r"attention: expected finite numbers, got NaN at index \[0, 0, 1\]",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N)), "abc"),
        TypeError,
        r"tokens: expected a list of str, got str",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N)), TOKENS, ["a"]),
        ValueError,
        r"attention_head_names: attention has 2 entries but 1 labels were given",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N)), TOKENS, max_value="1"),
        TypeError,
        r"max_value: expected a number or None, got str",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N)), TOKENS, mask_upper_tri=1),
        TypeError,
        r"mask_upper_tri: expected True, False or None, got int",
    ),
    (
        lambda: cv.attention.attention_heads(np.ones((2, N, N)), TOKENS, positive_color=3),
        TypeError,
        r"positive_color: expected a CSS colour string or None, got int",
    ),
    (
        lambda: cv.attention.attention_patterns(TOKENS, [[1, 2], [3]]),
        TypeError,
        r"attention: expected an array-like of numbers",
    ),
    (
        lambda: cv.attention.attention_pattern(TOKENS, np.ones((2, N, N))),
        ValueError,
        r"attention: expected one head .* use attention_heads",
    ),
    (
        lambda: cv.tokens.colored_tokens(TOKENS, np.ones(N - 1)),
        ValueError,
        r"values: expected one value per token \(10 tokens\), got 9",
    ),
    (
        lambda: cv.tokens.colored_tokens(TOKENS, np.ones((N, 2))),
        ValueError,
        r"values: expected shape \(n_tokens=10,\), got \(10, 2\)",
    ),
    (
        lambda: cv.tokens.colored_tokens(TOKENS, _nan(N)),
        ValueError,
        r"values: expected finite numbers, got NaN at index \[1\]",
    ),
    (
        lambda: cv.tokens.colored_tokens(TOKENS, np.ones(N), min_value=2, max_value=1),
        ValueError,
        r"min_value: expected at most max_value=1.0, got 2.0",
    ),
    (
        lambda: cv.tokens.colored_tokens(["a", 3], [1, 2]),
        TypeError,
        r"tokens: expected str items, got int at index 1",
    ),
    (
        lambda: cv.tokens.colored_tokens([], []),
        ValueError,
        r"tokens: expected at least one token",
    ),
    (
        lambda: cv.tokens.colored_tokens(["", ""], [1, 2]),
        ValueError,
        r"tokens: every token is an empty string",
    ),
    (
        lambda: cv.activations.text_neuron_activations(TOKENS, np.ones((N, 3))),
        ValueError,
        r"activations: expected shape \(tokens, layers, neurons\), got \(10, 3\)",
    ),
    (
        lambda: cv.activations.text_neuron_activations(TOKENS, np.ones((N - 2, 1, 3))),
        ValueError,
        r"tokens: activations has 8 token positions but 10 tokens were given",
    ),
    (
        lambda: cv.activations.text_neuron_activations([TOKENS, TOKENS[:3]], [np.ones((N, 1, 2))]),
        ValueError,
        r"activations: expected one array per sample \(2 token lists\), got 1",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            [TOKENS, TOKENS[:3]], [np.ones((N, 1, 2)), np.ones((3, 2, 2))]
        ),
        ValueError,
        r"activations\[1\]: expected \(tokens, 1, 2\) like activations\[0\], got \(3, 2, 2\)",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            [TOKENS, TOKENS[:3]], [np.ones((N, 1, 2)), np.ones((4, 1, 2))]
        ),
        ValueError,
        r"tokens\[1\]: activations\[1\] has 4 token positions but 3 tokens were given",
    ),
    (
        lambda: cv.activations.text_neuron_activations(TOKENS, _nan((N, 1, 2))),
        ValueError,
        r"activations: expected finite numbers, got NaN at index \[0, 0, 1\]",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            TOKENS, np.ones((N, 2, 2)), first_dimension_labels=["a"]
        ),
        ValueError,
        r"first_dimension_labels: activations' layer dimension has 2 entries but 1 labels",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            TOKENS, np.ones((N, 2, 2)), first_dimension_labels=["a", "a"]
        ),
        ValueError,
        r"first_dimension_labels: expected distinct labels",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            TOKENS, np.ones((N, 2, 2)), second_dimension_labels=["a", "b", "c"]
        ),
        ValueError,
        r"second_dimension_labels: activations' neuron dimension has 2 entries but 3 labels",
    ),
    (
        lambda: cv.activations.text_neuron_activations(
            TOKENS, np.ones((N, 2, 2)), first_dimension_name=3
        ),
        TypeError,
        r"first_dimension_name: expected a str or None, got int",
    ),
]


@pytest.mark.parametrize(("call", "exc", "match"), BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_inputs_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
