"""The one private API the package uses (anywidget's hot-reload file watcher), checked loudly.

If anywidget moves or changes ``anywidget._util.try_file_contents``, these tests fail here
(``interpwidgets/widgets/upstream.py`` then only warns and reads the file as text)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from interpwidgets.widgets import upstream


def test_anywidget_still_has_the_file_watcher_we_use(tmp_path: Path):
    api = upstream.file_contents_api()  # ImportError here: anywidget moved it
    assert list(inspect.signature(api).parameters) == ["x"]
    f = tmp_path / "m.js"
    f.write_text("export default {}", encoding="utf-8")
    got = api(f)
    assert str(got) == "export default {}"  # a FileContents whose text is the file's


def test_module_text_is_plain_text_unless_hot_reload_is_on(tmp_path: Path, monkeypatch):
    f = tmp_path / "m.js"
    f.write_text("export default 1", encoding="utf-8")
    monkeypatch.delenv("ANYWIDGET_HMR", raising=False)
    assert upstream.module_text(f) == "export default 1"  # no private API for users
    monkeypatch.setenv("ANYWIDGET_HMR", "1")
    got = upstream.module_text(f)
    assert not isinstance(got, str) and str(got) == "export default 1"


def test_module_text_falls_back_with_a_warning(tmp_path: Path, monkeypatch, caplog):
    f = tmp_path / "m.js"
    f.write_text("x", encoding="utf-8")
    monkeypatch.setenv("ANYWIDGET_HMR", "1")

    def gone():
        raise ImportError("no anywidget._util")

    monkeypatch.setattr(upstream, "file_contents_api", gone)
    assert upstream.module_text(f) == "x"
    assert "hot reload unavailable" in caplog.text


def test_no_other_module_imports_a_private_name_of_the_widget_libraries():
    root = Path(upstream.__file__).resolve().parents[1]
    out = subprocess.run(
        [
            "grep",
            "-rnE",
            r"(anywidget|ipywidgets|traitlets)[a-z._]*\._[a-z]",
            str(root),
            "--include=*.py",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    hits = [line for line in out.splitlines() if "/widgets/upstream.py:" not in line]
    assert hits == []


@pytest.mark.skipif(sys.platform == "win32", reason="grep")
def test_grep_pattern_finds_a_private_import(tmp_path: Path):
    (tmp_path / "x.py").write_text("from anywidget._util import try_file_contents\n")
    out = subprocess.run(
        ["grep", "-rnE", r"(anywidget|ipywidgets|traitlets)[a-z._]*\._[a-z]", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "x.py" in out
