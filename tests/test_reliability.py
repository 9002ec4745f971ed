"""Issue 16: lone surrogates over the wire, traces that own their arrays, save_html's file
semantics (mode, symlinks, long names, error paths, killed writes), the export CSP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import interpwidgets as iw


def _widget(title: str = "t") -> iw.NeuronText:
    tr = iw.Trace.from_arrays("abc", {"a": np.arange(3.0)})
    return iw.NeuronText(tr, title=title)


# -- lone surrogates in a browser request ------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        {"type": "request", "id": "\ud800", "body": {"kind": "column"}},
        {"type": "request", "id": 7, "body": {"layer": "a\udcff"}},
    ],
)
def test_a_request_with_a_lone_surrogate_gets_a_reply_that_can_be_sent(content):
    from jupyter_client.session import json_packer

    w = _widget()
    sent = []
    w.send = lambda msg, buffers=None: sent.append(msg)
    w._on_custom_msg(w, content, [])
    assert len(sent) == 1 and sent[0]["type"] == "reply" and sent[0]["ok"] is False
    assert "lone surrogate" in sent[0]["error"]
    json_packer(sent[0])  # what the kernel does with it: must not raise


def test_a_refused_trait_keeps_its_old_value():
    w = _widget("ok")
    with pytest.raises(ValueError, match="^title: contains a lone surrogate"):
        w.title = "x\ud800"
    assert w.title == "ok"
    w.save_html  # noqa: B018 - the widget still exports
    assert "ok" in w.to_html()


# -- traces own their arrays -------------------------------------------------------------------
def test_trace_copies_a_float32_array_the_caller_keeps():
    h = np.zeros((3, 2), np.float32)
    tr = iw.Trace.from_arrays("abc", {"a": h}, attention=np.full((1, 1, 3, 3), 1 / 3, np.float32))
    h[0, 0] = np.inf
    assert np.isfinite(tr.activations["a"]).all()


def test_trace_copies_a_cpu_tensor_and_attention():
    torch = pytest.importorskip("torch")
    t = torch.zeros(3, 2)
    att = torch.full((1, 1, 3, 3), 1 / 3)
    tr = iw.Trace.from_arrays("abc", {"a": t}, attention=att)
    t[1, 1] = float("inf")
    att[0, 0, 0, 0] = 5.0
    assert np.isfinite(tr.activations["a"]).all()
    assert tr.attention.max() < 1


def test_a_view_of_the_callers_array_is_copied_and_fresh_arrays_are_not():
    big = np.zeros((3, 4), np.float32)
    tr = iw.Trace.from_arrays("abc", {"a": big[:, :2]})
    big[:] = 7
    assert (tr.activations["a"] == 0).all()
    frozen = np.zeros((3, 2), np.float32)
    frozen.flags.writeable = False  # handed over: no copy needed
    assert iw.Trace.from_arrays("abc", {"a": frozen}).activations["a"] is frozen


# -- save_html -------------------------------------------------------------------------------
def test_overwriting_keeps_the_files_mode(tmp_path):
    p = tmp_path / "page.html"
    p.write_text("old")
    p.chmod(0o600)
    _widget().save_html(p)
    assert (p.stat().st_mode & 0o777) == 0o600
    assert "<!DOCTYPE html>" in p.read_text(encoding="utf-8")


def test_a_new_file_gets_the_umask_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        _widget().save_html(tmp_path / "new.html")
    finally:
        os.umask(umask)
    assert ((tmp_path / "new.html").stat().st_mode & 0o777) == 0o644


def test_a_symlink_is_written_through_and_kept(tmp_path):
    target = tmp_path / "real.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    assert _widget().save_html(link) == link
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert "<!DOCTYPE html>" in target.read_text(encoding="utf-8")


def test_a_symlink_to_a_directory_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "l.html").symlink_to(tmp_path / "d")
    with pytest.raises(IsADirectoryError, match="^path: .* is a directory"):
        _widget().save_html(tmp_path / "l.html")


def test_a_245_byte_file_name_works(tmp_path):
    name = "a" * 240 + ".html"
    assert len(name.encode()) == 245
    _widget().save_html(tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    d = tmp_path / "ro"
    d.mkdir()
    d.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as info:
            _widget().save_html(d / "x.html")
    finally:
        d.chmod(0o700)
    assert str(d / "x.html") in str(info.value) and ".iwtmp" not in str(info.value)


def test_errors_name_the_users_path_when_the_rename_fails(tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError) as info:
        _widget().save_html(tmp_path / "x.html")
    assert "x.html" in str(info.value) and "tmp" not in str(info.value).replace(str(tmp_path), "")
    assert list(tmp_path.iterdir()) == []


def test_a_killed_write_leaves_no_temporary_file_after_the_next_save(tmp_path):
    target = tmp_path / "page.html"
    code = f"""
import os, sys, time, numpy as np, interpwidgets as iw
real = os.replace
def hang(src, dst):
    print("writing", flush=True)
    time.sleep(60)
os.replace = hang
tr = iw.Trace.from_arrays("abc", {{"a": np.arange(3.0)}})
iw.NeuronText(tr).save_html({str(target)!r})
"""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith("."), left  # the killed write's temp file
    time.sleep(0.05)
    _widget().save_html(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_the_export_csp_forbids_forms_and_base():
    html = _widget().to_html()
    csp = html.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    assert "form-action 'none'" in csp and "base-uri 'none'" in csp


# -- NeuronExplorer's rank cache (issue 16 item 4) ----------------------------------------------
def _explorer():
    text = "def f(x):\n    return 'hi' + x\n" * 3
    rng = np.random.default_rng(0)
    tr = iw.Trace.from_arrays(text, {"rnn.0.h": rng.normal(size=(len(text), 6))})
    return iw.NeuronExplorer(tr)


def _request(w, body):
    sent = []
    w.send = lambda msg, buffers=None: sent.append(msg)
    w._on_custom_msg(w, {"type": "request", "id": 1, "body": body}, [])
    return sent[0]


def test_rank_cache_is_keyed_on_what_decides_the_answer_and_bounded():
    from interpwidgets.widgets.neuron_explorer import RANK_CACHE_SIZE

    w = _explorer()
    w._rank_cache.clear()
    feature = w.features[0]
    for i in range(50):  # extra fields do not make new entries
        _request(w, {"kind": "rank", "feature": feature, "junk": i})
    assert len(w._rank_cache) == 1
    n = len(w.text)
    for i in range(2000):  # many different span queries: the cache stays bounded
        reply = _request(
            w, {"kind": "rank", "spans": [[i % (n - 1), i % (n - 1) + 1]], "threshold": 0.1 + i}
        )
        assert reply["ok"], reply
    assert len(w._rank_cache) <= RANK_CACHE_SIZE


def test_failed_rankings_are_not_cached_and_echoes_are_capped():
    import json

    w = _explorer()
    w._rank_cache.clear()
    huge = "x" * 1_000_000
    for i in range(20):
        reply = _request(w, {"kind": "rank", "feature": huge + str(i)})
        assert len(json.dumps(reply)) < 2000, len(json.dumps(reply))
        assert "is not a known feature" in json.dumps(reply)
    reply = _request(w, {"kind": "nope" + huge})
    assert reply["ok"] is False and len(reply["error"]) < 500
    assert len(w._rank_cache) == 0
    with pytest.raises(KeyError) as info:
        w.feature = huge
    assert len(str(info.value)) < 2000
