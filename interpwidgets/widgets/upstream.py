"""The one place that uses a private API of a library the widgets build on.

anywidget follows a front-end file as it changes (``ANYWIDGET_HMR=1``, for development) only
through its private ``anywidget._util.try_file_contents``; there is no public way to ask for
it once a class exists (its ``__init_subclass__`` does it only at class creation, and our
classes are created before the JavaScript is built). So:

* without ``ANYWIDGET_HMR=1`` (every user) the module is read as text: no private API;
* with it, :func:`module_text` uses ``try_file_contents`` — and falls back to plain text,
  with a warning, if anywidget no longer has it.

``tests/test_upstream.py`` fails loudly when that private function moves or changes shape,
so the warning is seen in the test run, not by a developer wondering why reloads stopped.
Nothing else in the package imports a private name of anywidget, ipywidgets or traitlets
(buffers are split by :func:`interpwidgets.codec.split_buffers`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("interpwidgets")


def hmr_enabled() -> bool:
    """Whether anywidget's hot reload is on (``ANYWIDGET_HMR=1``, as anywidget reads it)."""
    return os.getenv("ANYWIDGET_HMR") == "1"


def file_contents_api() -> Any:
    """anywidget's private ``try_file_contents`` (path → FileContents that follows the file)."""
    from anywidget._util import try_file_contents

    return try_file_contents


def module_text(path: Path) -> Any:
    """A front-end file's text for ``_esm``/``_css``: a ``str``, or under ``ANYWIDGET_HMR=1``
    anywidget's FileContents, which pushes each saved change to the open widgets."""
    if hmr_enabled():
        try:
            got = file_contents_api()(path)
        except (ImportError, AttributeError, TypeError) as exc:  # anywidget changed
            log.warning("interpwidgets: hot reload unavailable with this anywidget (%s)", exc)
        else:
            if got:
                return got
    return path.read_text(encoding="utf-8")
