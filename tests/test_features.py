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


DOCS = '''"""Module doc."""
import os
x = "lit"
class A:
    """Class 'doc'."""
    y = 'it"s'
    def f(self):
        r"""F doc."""
        return f"{self!r} and 'q'"
async def g(): "one-line"
def h():
    x = 1
    "not a doc"
def k():
    f"""an f-string is never a docstring"""
'''


def test_docstrings_and_string_literals_are_told_apart():
    f = features.python_code(DOCS)
    assert marks(DOCS, f["in_docstring"]) == (
        '"""Module doc.""' + '"""Class \'doc\'.""' + '"""F doc.""' + '"one-line'
    )
    assert marks(DOCS, f["in_string_literal"]) == (
        '"lit'
        + "'it\"s"
        + "\"{self!r} and 'q'"
        + '"not a doc'
        + '"""an f-string is never a docstring""'
    )
    assert (f["in_string"] == (f["in_docstring"] | f["in_string_literal"])).all()
    assert not (f["in_docstring"] & f["in_string_literal"]).any()


@pytest.mark.parametrize(
    ("text", "doc", "literal"),
    [
        # cut mid-statement: ast fails, the token rule still finds both docstrings
        (
            '"""Mod."""\ndef k():\n    \'\'\'doc k\'\'\'\n    return (1, "x",\n',
            "\"\"\"Mod.\"\"'''doc k''",
            '"x',
        ),
        # a syntax error after the docstrings
        (
            'def k():\n    """doc k"""\n    x = = "y"\nclass B:\n    r"""b"""\n',
            '"""doc k"""""b""',
            '"y',
        ),
        # a bare string that is not the first statement
        ('x = 1\n"""not a module docstring"""\n(', "", '"""not a module docstring""'),
        # comments and blank lines before a module docstring
        ('# comment\n\n"""mod doc"""\nx = (\n', '"""mod doc""', ""),
        # a docstring never closed: the scanner takes over, inside to the end of the text
        ('def f():\n    """doc\n    never closed\n', '"""doc\n    never closed\n', ""),
        # an unterminated literal on a def line is not a docstring
        ("def f(): x = 'abc\n    pass\n", "", "'abc"),
    ],
)
def test_docstrings_in_code_that_does_not_parse(text, doc, literal):
    import ast

    with pytest.raises(SyntaxError):
        ast.parse(text)
    f = features.python_code(text)
    assert marks(text, f["in_docstring"]) == doc
    assert marks(text, f["in_string_literal"]) == literal


def test_token_rule_agrees_with_ast_on_stdlib_files():
    from interpwidgets.zoo.corpus import stdlib_files

    checked = 0
    for path in stdlib_files("val")[:15]:
        text = path.read_text(encoding="utf-8", errors="replace")
        spans, _ = features._tokenize_spans(text)
        by_ast = features._docstring_spans_ast(text)
        if not text.strip() or by_ast is None:
            continue
        by_tokens = features._docstring_spans_tokens(text, spans)
        inside = features.python_code(text)["in_string"]
        masks = []
        for found in (by_ast, by_tokens):
            m = np.zeros(len(text), dtype=bool)
            for s, e in found:
                m[s:e] = True
            masks.append(m & inside)
        assert (masks[0] == masks[1]).all(), path.name
        checked += 1
    assert checked >= 10


def test_docstring_columns_are_characters_not_bytes():
    text = '"""é"""\ndef f():\n    x = "ü"; "no"\nclass C:\n  """ß"""\n'
    assert marks(text, features.python_code(text)["in_docstring"]) == '"""é""' + '"""ß""'


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
    table = iw.find_neurons(tr, "in_string", top=None, test=tr)  # choose and score on all
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
