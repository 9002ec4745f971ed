"""Where the built front-end files live, and the canonical key of an on-demand request.

Shared by the widget base class and the HTML export (which must not import each other's
modules both ways); imports nothing of the package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent.parent / "static"


def bundle(name: str) -> Path:
    """Path of a built front-end file in ``interpwidgets/static``; a clear error if missing."""
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the JavaScript front-end is not built. Build it with "
            "`npm install && npm run build` in js/, or reinstall with `pip install -e .`"
        )
    return path


def request_key(body: Any) -> str:
    """The canonical text of a request body (same as ``stableStringify`` in codec.ts)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
