"""Probing classifiers with control tasks (Conneau et al. 2018; Hewitt & Liang 2019).

``probe(model, task)`` extracts one representation per example from every layer, trains a
seeded logistic-regression probe per layer, and reports held-out accuracy next to the
accuracy of the same probe on a *control task* (labels assigned at random per word or
character type, Hewitt & Liang) — their difference is the probe's selectivity — and the
majority-class baseline. An elastic-net probe ranks the neurons each layer's probe relies on
(as NeuroX does). ``lstm_vs_transformer()`` probes the shipped models side by side.

Tasks need no download (:mod:`.tasks`): sentence tasks (``sentence_length``,
``word_content``, ``bigram_shift``) are built from English sentences in the standard
library's docstrings; character tasks come from :mod:`interpwidgets.features` on held-out
Python code.
"""

from .compare import Comparison, lstm_vs_transformer
from .fit import ProbeResult, fit_layer, probe, representations
from .tasks import (
    CHAR_TASKS,
    SENTENCE_TASKS,
    ProbingTask,
    char_task,
    control_labels,
    docstring_sentences,
    sentence_task,
)

__all__ = [
    "CHAR_TASKS",
    "SENTENCE_TASKS",
    "Comparison",
    "ProbeResult",
    "ProbingTask",
    "char_task",
    "control_labels",
    "docstring_sentences",
    "fit_layer",
    "lstm_vs_transformer",
    "probe",
    "representations",
    "sentence_task",
]
