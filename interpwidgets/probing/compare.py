"""LSTM vs Transformer in one call: the shipped models probed layer by layer on the same tasks.

Peters et al. (2018) and Tang et al. (2018) compared recurrent and self-attention encoders by
probing each layer. :func:`lstm_vs_transformer` does that for the embedded models: the
char-LSTM and the char-Transformer on the same character-level tasks (same texts, same
splits, same control labels), and MiniLM on the sentence-level tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .fit import ProbeResult, probe
from .tasks import CHAR_TASKS, SENTENCE_TASKS, char_task, sentence_task

LSTM, TRANSFORMER, MINILM = "char-LSTM", "char-Transformer", "MiniLM"


@dataclass
class Comparison:
    """Probe results per task, one per model: ``comparison["bracket_depth"]`` is the list of
    :class:`ProbeResult` to hand to :class:`~interpwidgets.ProbeChart` (one series each)."""

    results: dict[str, list[ProbeResult]]

    def __getitem__(self, task: str) -> list[ProbeResult]:
        if task not in self.results:
            raise KeyError(f"task: expected one of {list(self.results)}, got {task!r}")
        return self.results[task]

    @property
    def tasks(self) -> list[str]:
        return list(self.results)

    @property
    def table(self):
        """Every layer of every model on every task (pandas): ``task``, ``model``, ``layer``,
        ``depth`` (0 = first probed layer, 1 = last), then :func:`probe`'s columns (accuracy
        and its SE, control accuracy, selectivity, both majority baselines, split sizes)."""
        import pandas as pd

        frames = []
        for task, results in self.results.items():
            for r in results:
                t = r.table.copy()
                t.insert(0, "model", r.model)
                t.insert(0, "task", task)
                t.insert(3, "depth", [i / max(len(t) - 1, 1) for i in range(len(t))])
                frames.append(t)
        return pd.concat(frames, ignore_index=True)

    def best(self):
        """Per task and model, the layer whose probe is most accurate (with its SE, control
        accuracy and both majority baselines) and the most selective layer (with its
        selectivity ± SE): the summary table of the comparison."""
        t = self.table
        rows = []
        for (task, model), g in t.groupby(["task", "model"], sort=False):
            acc = g.loc[g.accuracy.idxmax()]
            sel = g.loc[g.selectivity.idxmax()] if g.selectivity.notna().any() else acc
            rows.append(
                {
                    "task": task,
                    "model": model,
                    "best_layer": acc.layer,
                    "accuracy": acc.accuracy,
                    "accuracy_se": acc.accuracy_se,
                    "control_accuracy": acc.control_accuracy,
                    "majority": acc.majority,
                    "control_majority": acc.control_majority,
                    "most_selective_layer": sel.layer,
                    "selectivity": sel.selectivity,
                    "selectivity_se": sel.selectivity_se,
                    "n_test": acc.n_test,
                }
            )
        import pandas as pd

        return pd.DataFrame(rows)

    def figure(self, metric_columns: int = 3):
        """One panel per task (accuracy solid, control dashed, selectivity dotted per model)."""
        import matplotlib.pyplot as plt

        from ..figures import probe_figure

        n = len(self.results)
        cols = min(metric_columns, n)
        rows = -(-n // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
        for ax, (task, results) in zip(axes.flat, self.results.items(), strict=False):
            probe_figure(results, [r.model for r in results], ax=ax)
            ax.set_title(task)
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        fig.tight_layout()
        return fig


def _names(value: Any, allowed: Sequence[str], name: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name}: expected a list of task names, got {type(value).__name__}")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise ValueError(f"{name}: expected names from {allowed}, got {bad}")
    return list(value)


def lstm_vs_transformer(
    char_tasks: Sequence[str] = ("in_string", "bracket_depth", "column"),
    sentence_tasks: Sequence[str] = SENTENCE_TASKS,
    n_texts: int = 60,
    n_sentences: int = 10_000,
    kind: str = "logistic",
    seed: int = 0,
    progress: bool = True,
) -> Comparison:
    """Probe the shipped char-LSTM and char-Transformer on ``char_tasks`` (the same
    ``n_texts`` held-out code pieces of 400 characters for both, split by piece) and MiniLM
    on ``sentence_tasks`` (``n_sentences`` WordNet sentences, split by sentence), every layer,
    with control tasks and standard errors. No download; with the defaults a few minutes on
    a laptop CPU the first time (MiniLM on 10,000 sentences per task), seconds once the
    representations are cached (:func:`~interpwidgets.probing.cache_dir`).

    Returns a :class:`Comparison`: ``.table`` (every layer), ``.best()`` (one row per task
    and model), ``.figure()``, and ``comparison[task]`` for ``iw.ProbeChart``.
    """
    from tqdm.auto import tqdm

    from .. import zoo

    char_tasks = _names(char_tasks, CHAR_TASKS, "char_tasks")
    sentence_tasks = _names(sentence_tasks, SENTENCE_TASKS, "sentence_tasks")
    if not char_tasks and not sentence_tasks:
        raise ValueError("char_tasks, sentence_tasks: expected at least one task")
    for name, value in (("n_texts", n_texts), ("n_sentences", n_sentences)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise ValueError(f"{name}: expected an int ≥ 2, got {value!r}")
    jobs: list[tuple[str, str]] = [(t, m) for t in char_tasks for m in (LSTM, TRANSFORMER)]
    jobs += [(t, MINILM) for t in sentence_tasks]
    models: dict[str, tuple[Any, Any]] = {}

    def model(name: str) -> tuple[Any, Any]:
        if name not in models:
            models[name] = (
                (zoo.char_lstm(), None)
                if name == LSTM
                else (zoo.char_transformer(), None)
                if name == TRANSFORMER
                else zoo.minilm()
            )
        return models[name]

    tasks: dict[str, Any] = {}
    results: dict[str, list[ProbeResult]] = {}
    for task, name in tqdm(jobs, desc="lstm_vs_transformer", disable=not progress):
        if task not in tasks:  # one task object, so every model sees the same texts and labels
            tasks[task] = (
                char_task(task, n_texts=n_texts, seed=seed)
                if task in CHAR_TASKS
                else sentence_task(task, n=n_sentences, seed=seed)
            )
        m, tok = model(name)
        r = probe(m, tasks[task], tok, kind=kind, seed=seed, progress=False)
        r.model = name
        results.setdefault(task, []).append(r)
    return Comparison(results)
