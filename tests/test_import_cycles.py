"""No two modules of the package import each other, directly or through others.

The graph is read from the source (``ast``), not by importing: an edge is any
``import``/``from … import`` of a package module, at module level or inside a function
(a lazy import is still a dependency), except under ``if TYPE_CHECKING:``. Importing a
module's own parent packages is not an edge (Python runs them first anyway).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "interpwidgets"


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return out


def _targets(module: str, is_pkg: bool, node: ast.AST, mods: dict) -> set[str]:
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_pkg else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return {f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target for a in node.names}


def import_graph() -> dict[str, set[str]]:
    """module → the package modules it imports."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for module, (path, is_pkg) in mods.items():
        edges: set[str] = set()

        def visit(nodes: list, module: str = module, is_pkg: bool = is_pkg, edges=edges) -> None:
            for node in nodes:
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    visit(node.orelse)
                    continue
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    edges.update(_targets(module, is_pkg, node, mods))
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        visit([child])

        visit(ast.parse(path.read_text(encoding="utf-8")).body)
        parents = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        graph[module] = {e for e in edges if e in mods and e != module and e not in parents}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    # a function-level import (Widget.save_html) and a module-level one
    assert "interpwidgets.export" in graph["interpwidgets.widgets.base"]
    assert "interpwidgets.trace.core" in graph["interpwidgets.widgets.neuron_text"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    graph = import_graph()
    found = cycles(graph)
    detail = "; ".join(
        " ⇄ ".join(c) + " (" + ", ".join(f"{m} → {sorted(graph[m] & set(c))}" for m in c) + ")"
        for c in found
    )
    assert not found, f"import cycles: {detail}"


def test_trace_and_models_do_not_import_the_zoo_or_widgets():
    graph = import_graph()
    for module, edges in graph.items():
        if module.startswith(("interpwidgets.trace", "interpwidgets.models")):
            bad = {e for e in edges if e.startswith(("interpwidgets.zoo", "interpwidgets.widgets"))}
            assert not bad, f"{module} imports {sorted(bad)}"


def test_only_the_adapters_look_at_a_model_s_type():
    """``trace``, ``attribute``, ``probe``, ``diagnosis`` and ``scan`` ask an adapter
    (``interpwidgets.models.adapter_for``); none of them tests a model's class itself."""
    import re

    pattern = re.compile(
        r"RECURRENT\b|CharTransformer\b|is_encoder_decoder|base_model_prefix|_is_hf\b"
        r"|\bisinstance\(m, (torch\.)?nn\.(LSTM|GRU|RNN|Embedding)"
    )
    users = ["trace/__init__.py", "attribution", "probing", "diagnosis", "scan"]
    found = []
    for entry in users:
        base = PACKAGE / entry
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(PACKAGE)}:{i}: {line.strip()}")
    assert not found, "model-type checks outside interpwidgets/models:\n" + "\n".join(found)
