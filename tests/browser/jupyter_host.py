"""A real Jupyter server for the browser tests: JupyterLab or Notebook 7, offline, thrown away.

``start(base, app="lab" | "notebook", settings={...})`` is a context manager that runs the
server on 127.0.0.1 with a throw-away root, runtime, config, settings, workspace and data
directory under ``base``; news, update checks and the PyPI extension manager are off, so
neither the server nor its page reaches any other host (the page guard would fail the test).
As root it needs ``--allow-root``; the token and XSRF check are off (nothing but the test can
reach 127.0.0.1:port while it runs). At exit the server and the kernels it started are
stopped (the process group: SIGTERM, then SIGKILL).

The notebook helpers (``cell``, ``run_cell``, ``output_text``, ``describe``) work on both
front-ends: Notebook 7 is built from JupyterLab's notebook components.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: JupyterLab plugin settings every server gets (plugin id → values).
BASE_SETTINGS: dict[str, dict[str, Any]] = {
    # JupyterLab's own fetches: news and update checks (notification plugin).
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "doNotDisturbMode": False,
        "fetchNews": "false",
    },
    # Start the notebook's own kernel without asking: under load, Lab can show "Select Kernel"
    # even for a notebook whose metadata names its kernelspec (seen here about 1 run in 6).
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
}
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass
class Server:
    url: str
    root: Path
    log: Path
    app: str

    def notebook_url(self, name: str) -> str:
        """The page that opens notebook ``name`` (a path under ``root``)."""
        if self.app == "lab":
            return f"{self.url}/lab/tree/{name}"
        return f"{self.url}/notebooks/{name}"

    def api(self, path: str, method: str = "GET", body: Any = None) -> Any:
        """A call to the server's REST API (``/api/...``), ``body`` sent as JSON: the decoded
        JSON reply, or None."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            reply = r.read()
        return json.loads(reply) if reply else None

    def start_kernel(self, name: str, timeout: float = 90) -> str:
        """Start the kernel notebook ``name`` gets when it is opened (a session for its path, as
        the page would make one) and wait until the kernel answers; the kernel's id.

        A page that opens the notebook afterwards connects to this session and its running
        kernel instead of starting one.
        """
        from jupyter_client import BlockingKernelClient

        session = self.api(
            "/api/sessions",
            "POST",
            {
                "path": name,
                "name": Path(name).name,
                "type": "notebook",
                "kernel": {"name": KERNELSPEC["name"]},
            },
        )
        kernel_id = session["kernel"]["id"]
        client = BlockingKernelClient(
            connection_file=str(self.root.parent / "runtime" / f"kernel-{kernel_id}.json")
        )
        client.load_connection_file()
        client.start_channels(iopub=False, stdin=False, hb=False)
        try:
            # The kernel is up when it answers a kernel_info request (asked again each second:
            # jupyter_client's wait_for_ready takes a heartbeat not heard yet for a dead kernel).
            deadline = time.monotonic() + timeout
            while True:
                msg_id = client.kernel_info()
                with contextlib.suppress(queue.Empty):
                    while True:
                        reply = client.get_shell_msg(timeout=1)
                        if reply["parent_header"].get("msg_id") == msg_id:
                            return kernel_id
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"kernel {kernel_id} did not answer within {timeout:.0f} s"
                    )
        finally:
            client.stop_channels()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_notebook(path: Path, sources: Sequence[str], kernelspec: bool = True) -> None:
    """A notebook of code cells; with its ``kernelspec`` (else Lab asks "Select Kernel")."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    if kernelspec:
        nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))


def _write_settings(settings_dir: Path, settings: dict[str, dict[str, Any]]) -> None:
    for plugin_id, values in settings.items():
        extension, plugin = plugin_id.split(":")
        folder = settings_dir.joinpath(*extension.split("/"))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))


@contextlib.contextmanager
def start(
    base: Path,
    app: str = "lab",
    settings: dict[str, dict[str, Any]] | None = None,
    timeout: float = 90,
) -> Iterator[Server]:
    """Run ``jupyter lab`` (``app="lab"``) or ``jupyter notebook`` (``"notebook"``) under ``base``."""
    if app not in ("lab", "notebook"):
        raise ValueError(f"app: expected 'lab' or 'notebook', got {app!r}")
    root = base / "root"
    root.mkdir()
    for d in ("runtime", "config", "settings", "workspaces", "ipython", "data"):
        (base / d).mkdir()
    _write_settings(base / "settings", {**BASE_SETTINGS, **(settings or {})})

    port = free_port()
    env = dict(os.environ)
    env.update(
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
        JUPYTER_DATA_DIR=str(base / "data"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("JUPYTER_TOKEN", None)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab" if app == "lab" else "notebook",
        "--no-browser",
        "--allow-root",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        # Notebook 7 loads JupyterLab's server extension too: the same switches apply.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    name = "jupyter lab" if app == "lab" else "jupyter notebook"
    log_path = base / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def tail() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}:\n{tail()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{name} did not answer within {timeout:.0f} s:\n{tail()}", pytrace=False
                )
            time.sleep(0.5)
        yield Server(url=url, root=root, log=log_path, app=app)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


# -- the data the host tests show ------------------------------------------------------------
#: The text of the NeuronText cells; neuron k of ``rnn.0.h`` is sin(i·(k+1)/3) at character i,
#: ``rnn.1.h`` is −2 × the units of ``rnn.0.h`` in reverse order.
TEXT = "def f(x):\n    return 'hi' + x  # ok\n"
TRACE_SETUP = f"""\
import numpy as np
import interpwidgets as iw
text = {TEXT!r}
i = np.arange(len(text), dtype=np.float32)[:, None]
arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
tr = iw.Trace.from_arrays(text, {{"rnn.0.h": arr, "rnn.1.h": -2 * arr[:, ::-1]}})"""


def column(neuron: int, layer: str = "rnn.0.h") -> Any:
    """The values :data:`TRACE_SETUP` puts in ``layer``'s unit ``neuron``, one per character."""
    import numpy as np

    i = np.arange(len(TEXT), dtype=np.float32)[:, None]
    arr = np.sin(i * (np.arange(8, dtype=np.float32)[None, :] + 1) / 3)
    return (-2 * arr[:, ::-1] if layer == "rnn.1.h" else arr)[:, neuron]


# -- the notebook page, as a person uses it ---------------------------------------------------
def open_notebook(page: Any, server: Server, name: str, cells: int, timeout: float) -> None:
    """Open notebook ``name``, wait for its last of ``cells`` cells and an idle kernel."""
    from playwright.sync_api import expect

    page.set_default_timeout(timeout)
    page.goto(server.notebook_url(name))
    expect(cell(page, cells - 1)).to_be_visible(timeout=timeout)
    wait_kernel_idle(page, timeout)


def cell(page: Any, k: int) -> Any:
    return page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").nth(k)


def run_cell(page: Any, k: int) -> None:
    """Click into cell ``k``'s editor (as a person would) and press Shift+Enter.

    If the prompt does not change (``[ ]:`` → ``[*]:``/``[n]:``) the key press went nowhere
    (seen here now and then while Lab settles focus); a person would press it again, once.
    """
    from playwright.sync_api import expect

    c = cell(page, k)
    prompt = c.locator(".jp-InputArea-prompt")
    before = prompt.inner_text()
    for attempt in range(2):
        c.locator(".jp-InputArea-editor .cm-content").click()
        # Lab binds Shift+Enter to "run" only once the notebook is in edit mode on this cell.
        expect(c).to_have_class(re.compile(r"\bjp-mod-active\b"), timeout=10_000)
        expect(page.locator(".jp-Notebook.jp-mod-editMode")).to_have_count(1, timeout=10_000)
        expect(c.locator(".cm-editor.cm-focused")).to_have_count(1, timeout=10_000)
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(before, timeout=15_000)
            return
        except AssertionError:
            source = c.locator(".cm-content").inner_text()
            print(
                f"\ncell {k}: Shift+Enter attempt {attempt + 1} did not start the cell; source {source[-40:]!r}"
            )
    raise AssertionError(f"cell {k} did not run after two Shift+Enter presses (prompt {before!r})")


def output_text(page: Any, k: int) -> str:
    return cell(page, k).locator(".jp-OutputArea").inner_text()


#: True when the notebook's toolbar names a kernel and its execution indicator says idle. The
#: indicator alone is not enough: JupyterLab 4.6 draws it "idle" while the status bar still says
#: "No Kernel | Initializing" (about 1.5 s, seen here); Run All clicked then runs nothing.
KERNEL_READY = """() => {
    const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
    const name = document.querySelector('.jp-NotebookPanel .jp-KernelName, .jp-NotebookPanel .jp-Toolbar-kernelName');
    const label = name ? name.textContent.trim() : '';
    return !!ind && ind.getAttribute('data-status') === 'idle' && label !== '' && label !== 'No Kernel';
}"""


def wait_kernel_idle(page: Any, timeout: float) -> None:
    """Wait, as a person would, until the kernel is up (the toolbar names it and it is idle);
    no "Select Kernel" dialog on the way."""
    from playwright.sync_api import expect

    page.wait_for_function(KERNEL_READY, timeout=timeout)
    expect(page.locator(".jp-Dialog")).to_have_count(0, timeout=5_000)


def describe(page: Any, server: Server, shot_name: str = "failure.png") -> str:
    """What a person would look at when the widget does not show: outputs, dialogs, server log."""
    parts = []
    with contextlib.suppress(Exception):  # read at once: a markdown cell has no output to wait for
        outputs = page.evaluate(
            """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => {
                const o = c.querySelector('.jp-OutputArea');
                return o ? o.innerText : null;
            })"""
        )
        for k, text in enumerate(outputs):
            if text is not None:
                parts.append(f"cell {k} output: {text[:800]!r}")
    with contextlib.suppress(Exception):
        parts.append(f"dialogs: {page.locator('.jp-Dialog').all_inner_texts()!r}")
    with contextlib.suppress(Exception):
        parts.append(
            f"kernel status: {page.locator('.jp-Notebook-ExecutionIndicator').get_attribute('data-status')!r}"
        )
    with contextlib.suppress(Exception):
        shot = server.root.parent / shot_name
        page.screenshot(path=str(shot), full_page=True)
        parts.append(f"screenshot: {shot}")
    log = server.log.read_text(errors="replace")[-3000:]
    return "\n".join(parts) + "\n--- server log (tail) ---\n" + log
