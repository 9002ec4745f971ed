"""Exercise checks: right answers pass, wrong ones don't, and the solution is never shown."""

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import interpwidgets as iw
from interpwidgets import course

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


def comment_trace():
    text = "x = 1  # one\ny = [2]  # two\nz = 3\n"
    in_comment = np.array([0.0] * len(text))
    for m in re.finditer(r"#[^\n]*", text):
        in_comment[m.start() : m.end()] = 1.0
    rng = np.random.default_rng(0)
    h = rng.normal(size=(len(text), 6)).astype(np.float32)
    h[:, 4] = in_comment + 0.01 * rng.normal(size=len(text))  # neuron 4 is the comment cell
    c = rng.normal(size=(len(text), 6)).astype(np.float32)
    return iw.Trace.from_arrays(text, {"rnn.0.h": h, "rnn.0.c": c, "rnn.0.i": h})


def sep_trace():
    tokens = ["[CLS]", "a", "b", "[SEP]"]
    att = np.full((3, 2, 4, 4), 0.25, np.float32)
    att[1, 1] = [[0, 0, 0, 1]] * 4  # layer 1, head 1 looks only at [SEP]
    text = "a b"
    offsets = np.array([[0, 0], [0, 1], [2, 3], [0, 0]])
    return iw.Trace.from_arrays(
        text, {"embed": np.zeros((4, 2), np.float32)}, tokens=tokens, offsets=offsets, attention=att
    )


def test_solutions_come_from_the_data():
    assert course.solution("01-comment-neuron", trace=comment_trace()) == ("rnn.0.h", 4)
    assert course.solution("02-sep-head", trace=sep_trace()) == (1, 1)
    lt = iw.Trace.from_arrays("abcd", {"loss.diff": np.array([0.5, 0.2, -0.1, np.nan])})
    assert course.solution("05-better-model", trace=lt) == "transformer"


def test_check_says_correct_not_quite_or_not_answered_and_never_the_solution():
    tr = comment_trace()
    right = course.check("01-comment-neuron", ["rnn.0.h", 4.0], trace=tr)
    assert right and right.ok is True and "Correct" in repr(right)
    wrong = course.check("01-comment-neuron", ("rnn.0.h", 3), trace=tr)
    assert not wrong and wrong.ok is False and "Not quite" in repr(wrong)
    empty = course.check("01-comment-neuron", None, trace=tr)
    assert not empty and empty.ok is None and "Not answered yet" in repr(empty)
    for verdict in (wrong, empty):
        assert "4" not in verdict.message  # the hint names the tool, not the neuron
    odd = course.check("01-comment-neuron", 17, trace=tr)
    assert odd.ok is False and "not the right kind of answer" in odd.message
    assert "color" in right._repr_html_()


def test_check_normalises_strings():
    lt = iw.Trace.from_arrays("abc", {"loss.diff": np.array([-1.0, -2.0, np.nan])})
    assert course.check("05-better-model", "  LSTM ", trace=lt)
    assert not course.check("05-better-model", "transformer", trace=lt)


def test_check_bad_inputs():
    with pytest.raises(KeyError, match="exercise: expected one of"):
        course.check("99-nope", 1)
    with pytest.raises(
        TypeError, match=r"^01-comment-neuron: expected keyword arguments \['trace'\]"
    ):
        course.check("01-comment-neuron", ("rnn.0.h", 4))
    with pytest.raises(TypeError, match=r"unexpected \['tr'\]"):
        course.check("01-comment-neuron", ("rnn.0.h", 4), trace=comment_trace(), tr=1)


def test_every_exercise_is_checked_in_its_notebook_and_solved_in_the_answers():
    """Each notebook's check cell (English and Chinese) calls course.check for its exercises, with
    its source folded away; answers.ipynb solves every exercise."""
    for lang in ("en", "zh"):
        answers = json.dumps(nbformat.read(NOTEBOOKS / lang / "answers.ipynb", 4).cells)
        for name, ex in course.EXERCISES.items():
            nb = nbformat.read(NOTEBOOKS / lang / f"{ex.notebook}.ipynb", 4)
            checks = [c for c in nb.cells if f'course.check("{name}"' in c.source]
            assert checks, f"{lang}/{ex.notebook} does not check {name}"
            for c in checks:
                assert c.metadata.get("jupyter", {}).get("source_hidden") is True, name
                assert "course.solution" not in c.source and "find_neurons" not in c.source
            assert f'"{name}"' in answers or f'\\"{name}\\"' in answers, (
                f"{lang}/answers.ipynb lacks {name}"
            )
