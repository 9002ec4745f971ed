"""The exported page carries the widget's module as an inline ``<script type="module">``
(parsed with the page, no blob: import), allowed by its hash in the page's CSP; a bundle that
cannot be inlined is stored in #iw-data and imported from a blob: URL as before."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import numpy as np

import interpwidgets as iw
from interpwidgets import export
from interpwidgets.widgets.assets import bundle

SCRIPTS = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)


def _widget():
    rng = np.random.default_rng(0)
    att = rng.random((2, 2, 5, 5)).astype(np.float32)
    att /= att.sum(-1, keepdims=True)
    return iw.AttentionView(att, tokens=list("abcde"), view="model")


def _csp_scripts(page: str) -> list[str]:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    return re.search(r"script-src ([^;]+);", csp).group(1).split()


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_module_is_inlined_before_the_shim_and_allowed_by_its_hash():
    w = _widget()
    page = w.to_html()
    scripts = SCRIPTS.findall(page)
    assert [a.strip() for a, _ in scripts] == [
        'type="application/json" id="iw-data"',
        'type="module" id="iw-module"',
        'type="module"',
    ]
    data = json.loads(scripts[0][1])
    assert "esm" not in data  # not stored twice
    module, shim = scripts[1][1], scripts[2][1]
    source = bundle(w._bundle).read_text(encoding="utf-8")
    # the bundle up to its export statement, which now hands the exports to the shim
    head = source[: source.rindex("export{")]
    assert module.startswith(head) and "export{" not in module[len(head) :]
    assert re.fullmatch(
        r"globalThis\.__iwWidget=\{[^{}]*\"default\":[\w$]+[^{}]*\};\n", module[len(head) :]
    )
    assert _csp_scripts(page) == [_sha(shim), _sha(module)]  # no blob: left


def test_inline_module_rewrites_the_export_statement_or_refuses():
    assert export.inline_module("let a=1,b=2;export{a as default,b};") == (
        'let a=1,b=2;globalThis.__iwWidget={"default":a,"b":b};\n'
    )
    assert export.inline_module("let a=1;export default a;") is None  # not esbuild's form
    for bad in ("</script>", "<!--", "<SCRIPT", "\r"):
        assert export.inline_module(f'let a="{bad}";export{{a as default}};') is None


def test_a_bundle_that_cannot_be_inlined_is_stored_and_imported_from_a_blob(monkeypatch):
    monkeypatch.setattr(export, "inline_module", lambda esm: None)
    page = _widget().to_html()
    scripts = SCRIPTS.findall(page)
    assert len(scripts) == 2 and "esm" in json.loads(scripts[0][1])
    assert _csp_scripts(page)[-1] == "blob:"
