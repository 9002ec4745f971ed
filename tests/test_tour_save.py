"""The tour saves its page next to the notebook and shows a link to it (issue 18 item 16),
not into a random temporary folder a person cannot find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import interpwidgets as iw

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tour_saves_next_to_the_notebook_and_links_the_page(lang, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    display_mod = pytest.importorskip("IPython.display")
    nb = nbformat.read(ROOT / lang / "00_tour.ipynb", as_version=4)
    (source,) = [c.source for c in nb.cells if c.cell_type == "code" and "save_html" in c.source]
    assert "tempfile" not in source and "mkdtemp" not in source
    shown: list = []
    monkeypatch.setattr(display_mod, "display", lambda *objs, **_: shown.extend(objs))
    monkeypatch.chdir(tmp_path)  # a kernel's working directory is the notebook's folder
    text = "def f(x):\n    return x\n"
    tr = iw.Trace.from_arrays(text, {"h": np.ones((len(text), 2), np.float32)})
    space = {"iw": iw, "tr": tr, "cell": {"layer": "h", "neuron": 1}}
    exec(compile(source, f"{lang}/00_tour.ipynb", "exec"), space)
    page = tmp_path / "cell.html"
    assert page.is_file() and "<html" in page.read_text(encoding="utf-8")[:500].lower()
    links = [o for o in shown if isinstance(o, display_mod.FileLink)]
    assert len(links) == 1
    html = links[0]._repr_html_()
    assert "href='cell.html'" in html and ">cell.html</a>" in html
