"""Presentation mode in Python: the ``presentation`` trait every widget has, the module-level
default ``iw.presentation(...)``, and that an exported page keeps the mode it was saved in."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import interpwidgets as iw

sys.path.insert(0, str(Path(__file__).parent / "browser"))
from teaching_widgets import NAMES, build  # noqa: E402


@pytest.fixture(autouse=True)
def _default_off():
    before = iw.presentation()
    iw.presentation(False)
    yield
    iw.presentation(before)


def _tiny():
    text = "ab c"
    return iw.Trace.from_arrays(text, {"h": np.arange(8, dtype=np.float32).reshape(4, 2)})


@pytest.mark.parametrize("name", NAMES)
def test_every_widget_has_a_synced_presentation_trait(name):
    w = build(iw, name)
    assert w.presentation is False
    assert "presentation" in w.keys
    assert w.trait_metadata("presentation", "sync") is True
    assert w.get_state()["presentation"] is False
    w.presentation = True
    assert w.get_state()["presentation"] is True


def test_module_default_applies_to_widgets_created_afterwards():
    before = iw.NeuronText(_tiny())
    assert iw.presentation() is False
    assert iw.presentation(True) is True
    assert iw.presentation() is True
    after = iw.NeuronText(_tiny())
    assert after.presentation is True
    assert before.presentation is False  # widgets that exist keep their mode
    assert build(iw, "probe_chart").presentation is True
    iw.presentation(False)
    assert iw.NeuronText(_tiny()).presentation is False
    assert after.presentation is True


def test_module_default_is_read_at_creation_not_later():
    iw.presentation(True)
    w = iw.NeuronText(_tiny())
    iw.presentation(False)
    assert w.presentation is True
    assert w.get_state()["presentation"] is True


def test_browser_change_sets_the_trait():
    w = iw.NeuronText(_tiny())
    w.set_state({"presentation": True})  # what a click on "A+" sends
    assert w.presentation is True
    assert w.error == ""
    w.set_state({"presentation": False})
    assert w.presentation is False


@pytest.mark.parametrize("bad", ["yes", 1, 0.5, [True]])
def test_presentation_refuses_non_bools(bad):
    with pytest.raises(TypeError, match="on: expected True, False or None"):
        iw.presentation(bad)
    assert iw.presentation() is False
    w = iw.NeuronText(_tiny())
    with pytest.raises(Exception, match="presentation"):
        w.presentation = "yes"


def test_numpy_bool_is_accepted():
    assert iw.presentation(np.bool_(True)) is True


def _page_state(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="iw-data">(.*?)</script>', html, re.S)
    assert m, "no #iw-data in the page"
    return json.loads(m.group(1))["state"]


@pytest.mark.parametrize("on", [True, False])
def test_exported_page_keeps_the_mode(on, tmp_path):
    w = iw.NeuronText(_tiny())
    w.presentation = on
    path = w.save_html(tmp_path / "page.html")
    assert _page_state(path.read_text(encoding="utf-8"))["presentation"] is on


def test_exported_page_csp_allows_blob_and_data_images_only():
    html = iw.NeuronText(_tiny()).to_html()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html).group(1)
    # the image export rasterises its SVG through a blob: image and downloads a blob: URL
    assert "img-src data: blob:" in csp
    assert "connect-src 'none'" in csp
    assert "default-src 'none'" in csp
    # the page follows the reader's light/dark preference, so the dark widget sits on a dark page
    assert "color-scheme:light dark" in html


def test_presentation_is_public():
    assert "presentation" in iw.__all__
    assert iw.presentation is iw.widgets.base.presentation
