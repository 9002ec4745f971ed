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


def css_name(bundle_name: str) -> str:
    """The stylesheet built beside a widget's module: ``neuron_text.js`` → ``neuron_text.css``
    (the palette, the shared rules and that widget's own; js/build.mjs writes them)."""
    stem, dot, ext = bundle_name.rpartition(".")
    if not dot or ext != "js" or not stem:
        raise ValueError(
            f"bundle_name: expected a widget module such as 'neuron_text.js', got {bundle_name!r}"
        )
    return f"{stem}.css"


def request_key(body: Any) -> str:
    """The canonical text of a request body (same as ``stableStringify`` in codec.ts)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def b64_len(n: int) -> int:
    """Length of the base64 text of ``n`` bytes."""
    return 4 * ((int(n) + 2) // 3)


def stored_nbytes(data: dict[str, Any], body: Any = None) -> int:
    """Bytes the reply ``data`` (as sent: arrays encoded, see ``Widget._wire_reply``) takes in an exported page's store: the one place that decides
    what export budgets count.

    That is its request key (when ``body`` is given), the reply envelope and JSON, and each
    buffer as base64 — uncompressed, so an upper bound (deflate only ever shrinks a buffer).
    Each stored reply costs about 200 bytes beyond its arrays; a page of many small replies
    is mostly that.
    """
    from ..codec import split_buffers

    skeleton, paths, buffers = split_buffers(data)
    entry = {"ok": True, "data": skeleton, "buffer_paths": paths, "buffers": [""] * len(buffers)}
    size = len(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode())
    size += sum(b64_len(memoryview(b).nbytes) for b in buffers)
    if body is not None:
        size += len(json.dumps(request_key(body), ensure_ascii=False).encode()) + 2
    return size
