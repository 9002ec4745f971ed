"""Self-contained HTML for any widget: bundle, state and on-demand data inlined.

The page needs no network and no Jupyter: a small shim (``js/src/shared/shim.ts``) implements the
model interface anywidget front-ends use and answers their data requests from a store
saved in the page. The page layout is described in ``docs/protocol.md``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codec import pack, split_buffers
from .i18n import t
from .strings import check_unicode

if TYPE_CHECKING:
    from .widgets.base import Widget

#: the page's ``lang`` attribute per widget locale (``zh-Hans`` picks Simplified Chinese glyphs)
LANG_TAGS = {"en": "en", "zh": "zh-Hans"}

_PRIVATE = {
    "_esm",
    "_css",
    "_anywidget_id",
    "_dom_classes",
    "_replies",  # the page holds its own store
    "layout",
    "tabbable",
    "tooltip",
}


def _json_for_script(obj: Any) -> str:
    """JSON safe to place inside ``<script type="application/json">``.

    The escapes are applied piece by piece (each entry of the page's dicts and lists, three
    levels down) and the pieces joined once, so a character to escape in a small string copies
    that string, not the whole page (``str.replace`` returns a string with no match as it is).
    """
    pieces: list[str] = []
    _json_pieces(obj, 3, pieces)
    return "".join(pieces)


def _json_pieces(obj: Any, depth: int, out: list[str]) -> None:
    if depth and isinstance(obj, dict) and obj:
        out.append("{")
        for i, (k, v) in enumerate(obj.items()):
            out.append(("," if i else "") + _escape(json.dumps(str(k), ensure_ascii=False)) + ":")
            _json_pieces(v, depth - 1, out)
        out.append("}")
    elif depth and isinstance(obj, (list, tuple)) and obj:
        out.append("[")
        for i, v in enumerate(obj):
            if i:
                out.append(",")
            _json_pieces(v, depth - 1, out)
        out.append("]")
    else:
        out.append(
            _escape(json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False))
        )


def _escape(text: str) -> str:
    """``text`` with the characters that could end the script element or the line escaped."""
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def page_data(widget: Widget, compress: bool = True, esm: bool = True) -> dict[str, Any]:
    """Everything the exported page holds, as one JSON-able dict.

    Each buffer (and the widget's module, ``esm``) is stored by :func:`codec.pack`: deflated
    when ``compress`` is true and that makes it smaller, else base64 of the raw bytes. With
    ``esm=False`` the module is left out (:func:`to_html` places it in a script of its own).
    """
    from .widgets.assets import bundle, request_key

    state = {
        k: v
        for k, v in widget.get_state().items()
        if k not in _PRIVATE and not k.startswith("_model") and not k.startswith("_view")
    }
    state.update(widget._export_state())
    state, paths, buffers = split_buffers(state)
    store = {}
    for body in widget._export_requests():
        reply, rbuf = widget._reply(body)
        store[request_key(body)] = {**reply, "buffers": [pack(b, compress) for b in rbuf]}
    data: dict[str, Any] = {}
    if esm:
        data["esm"] = pack(bundle(widget._bundle).read_bytes(), compress)
    return {
        **data,
        "state": state,
        "buffer_paths": paths,
        "buffers": [pack(b, compress) for b in buffers],
        "store": store,
        "missing": widget._export_missing(),
    }


#: the statement esbuild ends a bundle with: ``export{He as AttentionView,$s as default};``
_EXPORTS = re.compile(r"export\s*\{([^{}]*)\}\s*;?\s*$")
#: what the shim reads the inlined module's exports from (js/src/shared/shim.ts: INLINED)
_INLINED = "__iwWidget"


def inline_module(esm: str) -> str | None:
    """The widget's bundle as the text of an inline ``<script type="module">``: its closing
    ``export{…}`` becomes ``globalThis.__iwWidget = {…}``, where the page's shim (the next
    module script, so run after it) takes the widget from. None when the bundle does not end
    with one export statement or holds text that could end or confuse the script element;
    the page then stores the module in #iw-data and the shim imports it from a blob: URL.

    Inline, the module is parsed with the page: no inflating, no blob: request to the browser
    process and back before the widget can render.
    """
    m = _EXPORTS.search(esm)
    low = esm.lower()
    # (the CSP hash is of the text as parsed: the parser would rewrite a CR or a NUL)
    if not m or any(bad in low for bad in ("</script", "<!--", "<script", "\r", "\x00")):
        return None
    props = []
    for item in m.group(1).split(","):
        local, _, exported = item.strip().partition(" as ")
        local, exported = local.strip(), (exported.strip() or local.strip())
        if not re.fullmatch(r"[\w$]+", local) or not re.fullmatch(r"[\w$]+", exported):
            return None
        props.append(f"{json.dumps(exported)}:{local}")
    return esm[: m.start()] + f"globalThis.{_INLINED}={{{','.join(props)}}};\n"


def to_html(widget: Widget, title: str | None = None, compress: bool = True) -> str:
    """The widget as one HTML page that opens offline (see :func:`save_html`)."""
    from .widgets.assets import bundle, css_name

    shim = bundle("shim.js").read_text(encoding="utf-8")
    if "</script" in shim.lower():  # pragma: no cover - guarded by the build
        raise RuntimeError("shim.js contains '</script' and cannot be inlined")
    css = bundle(css_name(widget._bundle)).read_text(encoding="utf-8").replace("</", "<\\/")
    module = inline_module(bundle(widget._bundle).read_text(encoding="utf-8"))
    hashes = " ".join(f"'sha256-{_digest(s)}'" for s in (shim, module) if s is not None)
    csp = (
        "default-src 'none'; "
        # blob: only for a module stored in #iw-data (a bundle that cannot be inlined)
        f"script-src {hashes}{'' if module is not None else ' blob:'}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; "
        # neither falls back to default-src: a form or a <base> would otherwise be allowed
        "form-action 'none'; base-uri 'none'"
    )
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: expected a str or None, got {type(title).__name__}")
    if title is not None:
        check_unicode(title, "title")
    if not isinstance(compress, bool):
        raise TypeError(f"compress: expected True or False, got {type(compress).__name__}")
    title = title or t("page.title", widget.locale, widget=type(widget).__name__)
    data = _json_for_script(page_data(widget, compress=compress, esm=module is None))
    # the widget's module runs before the shim (module scripts run in document order)
    inlined = "" if module is None else f'<script type="module" id="iw-module">{module}</script>\n'

    return (
        f'<!DOCTYPE html>\n<html lang="{LANG_TAGS[widget.locale]}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp, quote=False)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>:root{color-scheme:light dark;}"
        "body{margin:16px;font-family:system-ui,-apple-system,'Segoe UI',"
        # Chinese text: the CJK face each system ships, before the generic fallback
        "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif;}"
        "</style>\n"
        f"<style>{css}</style>\n</head>\n<body>\n"
        '<div id="iw-root"></div>\n'
        f'<script type="application/json" id="iw-data">{data}</script>\n'
        f"{inlined}"
        f'<script type="module">{shim}</script>\n'
        "</body>\n</html>\n"
    )


def _digest(script: str) -> str:
    """The CSP hash of an inline script's text."""
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def save_html(
    widget: Widget, path: str | os.PathLike[str], title: str | None = None, compress: bool = True
) -> Path:
    """Write ``widget`` to ``path`` as one self-contained HTML file; returns the path.

    With ``compress`` (the default) the page's binary buffers are deflated and the browser
    inflates them with its native ``DecompressionStream`` (Chrome/Edge 80, Firefox 113,
    Safari 16.4 and later); ``compress=False`` writes them raw, for older browsers.

    The page is written to a temporary file beside ``path`` and renamed into place, so a
    reader never sees half a page. Overwriting a file keeps its permission bits (a new file
    gets ``0o666`` less the umask). A symbolic link at ``path`` is written through: its
    target is replaced and the link kept. An existing directory at ``path`` is refused.
    Errors name ``path`` as given; a temporary file left by a write that was killed is
    removed by the next save to the same path.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path: expected a str or os.PathLike file name such as 'view.html', got {type(path).__name__}"
        )
    given = path = Path(path)
    check_unicode(str(path), "path")
    if path.is_dir():
        raise IsADirectoryError(
            f"path: {str(path)!r} is a directory; expected a file name such as 'view.html'"
        )
    if path.is_symlink():  # write through the link, deliberately: the link stays a link
        path = Path(os.path.realpath(path))
        if path.is_dir():
            raise IsADirectoryError(
                f"path: {str(given)!r} links to the directory {str(path)!r}; expected a file"
            )
    if not path.parent.exists():
        raise FileNotFoundError(f"path: the folder {str(path.parent)!r} does not exist")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: expected a str or None, got {type(title).__name__}")
    page = to_html(widget, title=title, compress=compress).encode("utf-8")
    _write_atomic(path, page, given)
    return given


#: temporary files are ``.<hash of the name>.<pid>.<random>.iwtmp`` beside the page: short,
#: so a 255-byte file name still fits, and recognisable, so the next save removes those a
#: killed process left behind.
_TMP_SUFFIX = ".iwtmp"


def _tmp_stem(path: Path) -> str:
    return "." + hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16] + "."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove_stale(path: Path) -> None:
    """Remove temporary files of ``path`` whose writing process no longer runs."""
    stem = _tmp_stem(path)
    for stale in path.parent.glob(stem + "*" + _TMP_SUFFIX):
        pid = stale.name[len(stem) :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            stale.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes, given: Path) -> None:
    """Write ``data`` to ``path`` by a temporary file renamed into place; errors name ``given``."""
    prefix = f"{_tmp_stem(path)}{os.getpid()}."
    _remove_stale(path)
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
    except OSError:
        mode = None
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_TMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise type(exc)(
            exc.errno, f"path: could not write {str(given)!r}: {exc.strerror}"
        ) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
