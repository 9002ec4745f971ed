"""The README's Python blocks run as shown: in order, in one namespace, as notebook cells.

Each block is a cell: it runs as written, and its last expression is displayed as Jupyter
would. ``display`` is the one name the test supplies (IPython's, recorded), so a widget made
mid-cell that the README forgot to display is caught by the checks below. The TransformerLens
block loads gpt2 from the model hub, which this machine cannot reach: there the test hands
``from_pretrained`` a tiny random HookedTransformer of gpt2's depth and the MiniLM tokenizer,
and runs every other line as written.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    """The README's ```python blocks, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def run_cell(source: str, ns: dict, shown: list, lost: list) -> None:
    """Run ``source`` like a notebook cell, statement by statement.

    The last expression's value is shown, as Jupyter shows it; a widget or table that an
    earlier bare expression makes is lost (Jupyter shows nothing for it) and goes to ``lost``.
    """
    import ipywidgets
    import pandas as pd

    body = ast.parse(source).body
    for k, stmt in enumerate(body):
        if not isinstance(stmt, ast.Expr):
            exec(compile(ast.Module([stmt], type_ignores=[]), "<README>", "exec"), ns)
            continue
        value = eval(compile(ast.Expression(stmt.value), "<README>", "eval"), ns)
        if k == len(body) - 1:
            if value is not None:
                shown.append(value)
        elif isinstance(value, (ipywidgets.DOMWidget, pd.DataFrame)):
            lost.append(ast.unparse(stmt))


def _tiny_gpt2(folder: Path):
    """A random HookedTransformer of gpt2's depth with an offline word-level tokenizer (BOS
    ``<s>``, nothing else added), standing in for ``from_pretrained("gpt2")``."""
    tl = pytest.importorskip("transformer_lens")
    import tokenizers
    from tokenizers import models, pre_tokenizers, trainers
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    tk = tokenizers.Tokenizer(models.WordLevel(unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    specials = ["<pad>", "<s>", "</s>", "<unk>"]
    tk.train_from_iterator(
        ["The cat sat on the mat ."], trainers.WordLevelTrainer(special_tokens=specials)
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    ).save_pretrained(folder)  # TransformerLens reloads a tokenizer by its name_or_path
    tok = AutoTokenizer.from_pretrained(folder)
    cfg = tl.HookedTransformerConfig(
        n_layers=6, d_model=16, n_ctx=64, d_head=4, n_heads=4, d_mlp=64,
        d_vocab=len(tok), act_fn="gelu", seed=0,
    )  # fmt: skip
    return tl.HookedTransformer(cfg, tokenizer=tok)


def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch):
    pytest.importorskip("transformers")
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 8, "the README's python blocks were not found"

    shown: list = []
    lost: list = []
    import IPython.display

    def display(*objs, **kwargs):
        shown.extend(objs)

    monkeypatch.setattr(IPython.display, "display", display)  # `from IPython.display import…`
    ns: dict = {"display": display}  # a notebook's built-in
    for i, block in enumerate(blocks):
        if "HookedTransformer.from_pretrained" in block:
            tl = pytest.importorskip("transformer_lens")
            tiny = _tiny_gpt2(tmp_path / "gpt2-tokenizer")
            monkeypatch.setattr(
                tl.HookedTransformer, "from_pretrained", staticmethod(lambda *a, _m=tiny, **k: _m)
            )
        if "distributed" in block:
            pytest.importorskip("distributed")
        try:
            run_cell(block, ns, shown, lost)
        except Exception as e:  # name the block in the failure
            raise AssertionError(f"README python block {i + 1} failed:\n{block}") from e
        finally:
            if "client" in ns:  # the Dask block's cluster
                client = ns.pop("client")
                cluster = client.cluster
                client.close()
                cluster.close()
    assert not lost, f"made mid-cell and never displayed: {lost}"

    # what a person sees: the widgets and tables, in the README's order
    kinds = [type(v).__name__ for v in shown]
    for name in ("NeuronText", "NeuronExplorer", "NeuronDashboard", "AttentionView"):
        assert name in kinds, f"{name} is never displayed: {kinds}"
    assert isinstance(shown[0], pd.DataFrame) and "test_score" in shown[0].columns
    assert "AttributionText" in kinds
    # the observer's label is shown beside the widget and follows w.neuron = 7
    label = ns["seen"]
    assert any(v is label for v in shown) and label.value == "neuron 7"
    ns["w"].neuron = 3
    assert label.value == "neuron 3"
    assert (tmp_path / "cell.html").stat().st_size > 0 and (tmp_path / "scan").is_dir()
