"""The course notebooks, in English (notebooks/en) and Chinese (notebooks/zh): the same notebooks with
the same cells, each saying how long it takes, and each running top to bottom."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent / "notebooks"
LANGUAGES = ("en", "zh")
NOTEBOOKS = [p for lang in LANGUAGES for p in sorted((ROOT / lang).glob("*.ipynb"))]
EN_NAMES = sorted(p.name for p in (ROOT / "en").glob("*.ipynb"))
HAN = re.compile(r"[\u4e00-\u9fff]")


def _read(path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/en and notebooks/zh hold no notebook"


def test_both_languages_hold_the_same_notebooks():
    en = sorted(p.name for p in (ROOT / "en").glob("*.ipynb"))
    zh = sorted(p.name for p in (ROOT / "zh").glob("*.ipynb"))
    assert en == zh


class _Blank(ast.NodeTransformer):
    """Strings blanked (titles and messages are translated) and the iw.locale(...) call dropped."""

    def visit_Constant(self, node):
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node):
        return ast.Constant("")

    def visit_Expr(self, node):
        call = node.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "locale"
        ):
            return None
        return self.generic_visit(node)


def _code(source: str) -> str:
    return ast.dump(_Blank().visit(ast.parse(source)))


@pytest.mark.parametrize("name", EN_NAMES)
def test_the_chinese_notebook_has_the_same_cells(name):
    """Same cells in the same order; code the same but for strings, comments and the
    iw.locale("zh") line; every markdown cell written in Chinese."""
    en, zh = _read(ROOT / "en" / name), _read(ROOT / "zh" / name)
    assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
    for i, (a, b) in enumerate(zip(en.cells, zh.cells, strict=True)):
        if a.cell_type == "code":
            assert _code(a.source) == _code(b.source), f"{name} cell {i}: code differs"
            assert a.metadata.get("jupyter") == b.metadata.get("jupyter"), f"{name} cell {i}"
        else:
            assert HAN.search(b.source), f"{name} cell {i}: not translated"
    assert 'iw.locale("zh")' in "".join(c.source for c in zh.cells if c.cell_type == "code")
    assert "iw.locale(" not in "".join(c.source for c in en.cells if c.cell_type == "code")


#: The first cell's promise: "*Runs in about N seconds on a laptop CPU.*" / "大约运行 N 秒".
STATED = {"en": re.compile(r"Runs in about (\d+) seconds"), "zh": re.compile(r"大约运行 (\d+) 秒")}


@pytest.mark.parametrize("name", EN_NAMES)
def test_first_cell_says_how_long_it_takes(name):
    """Both languages state the same seconds (bench/bench_notebooks.py measures them), under
    the course's promise of two minutes per notebook."""
    said = {}
    for lang, pattern in STATED.items():
        m = pattern.search(_read(ROOT / lang / name).cells[0].source)
        assert m, f"{lang}/{name}: the first cell gives no time in seconds"
        said[lang] = int(m.group(1))
    assert said["en"] == said["zh"], f"{name}: {said}"
    assert 0 < said["en"] <= 120, f"{name}: {said}"


def _without_comments(source: str) -> str:
    """The code of a cell without comments and without the ``iw.locale(...)`` line."""
    out = []
    for line in source.splitlines():
        if line.strip().startswith("iw.locale("):
            continue
        out.append(re.sub(r"\s+#[^\"']*$", "", line).rstrip())
    return "\n".join(line for line in out if line.strip() and not line.strip().startswith("#"))


@pytest.mark.parametrize("name", EN_NAMES)
def test_notebook_runs(name, tmp_path):
    """The English notebook runs top to bottom in a fresh kernel; then, in the same kernel, the
    locale is set to Chinese and every cell of the Chinese notebook whose code differs in more
    than comments (translated titles and messages) runs again. The code of the two is the same
    (test above), so the Chinese notebook is checked without computing everything twice; it is
    run top to bottom in a kernel of its own by ``bench/bench_notebooks.py zh``."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    en = nbformat.read(ROOT / "en" / name, as_version=4)
    zh = nbformat.read(ROOT / "zh" / name, as_version=4)
    for nb, lang in ((en, "en"), (zh, "zh")):
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
            f"{lang}/{name}: commit notebooks without outputs"
        )
    client = nbclient.NotebookClient(
        en, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    with client.setup_kernel():
        for i, cell in enumerate(en.cells):
            client.execute_cell(cell, i)  # raises CellExecutionError on an error
        # the client writes each executed cell back into its notebook: the Chinese cells go
        # at its end
        switch = nbformat.v4.new_code_cell("import interpwidgets as iw\niw.locale('zh')")
        again = [
            b
            for a, b in zip(en.cells[: len(zh.cells)], zh.cells, strict=True)
            if b.cell_type == "code" and _without_comments(a.source) != _without_comments(b.source)
        ]
        for cell in [switch, *again]:
            en.cells.append(cell)
            client.execute_cell(cell, len(en.cells) - 1)
    errors = [
        o
        for c in en.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors
