"""interpwidgets: Jupyter widgets that show what happens inside neural language models.

import interpwidgets as iw
lm = iw.zoo.char_lstm()
tr = iw.trace(lm, text)
iw.find_neurons(tr, "in_string")
iw.NeuronText(tr, layer="rnn.1.c", neuron=7)
"""

from . import circuitsvis, codec, course, diagnosis, features, i18n, models, zoo
from .attribution import Attribution, attribute
from .dropin import head_view, model_view
from .evaluation import evaluate_explanations
from .i18n import locale
from .neurons import find_neurons, gate_saturation, match_spans
from .probing import ProbingTask, lstm_vs_transformer, probe
from .scan import Scan, scan
from .trace import Trace, trace
from .widgets import (
    AttentionView,
    AttributionText,
    NeuronDashboard,
    NeuronExplorer,
    NeuronText,
    ProbeChart,
    Robustness,
)
from .widgets.base import presentation
from .widgets.fallback import static_fallback

__version__ = "0.1.0"

__all__ = [
    "AttentionView",
    "Attribution",
    "AttributionText",
    "NeuronDashboard",
    "NeuronExplorer",
    "NeuronText",
    "ProbeChart",
    "ProbingTask",
    "Robustness",
    "Scan",
    "Trace",
    "attribute",
    "circuitsvis",
    "codec",
    "course",
    "diagnosis",
    "evaluate_explanations",
    "features",
    "find_neurons",
    "gate_saturation",
    "locale",
    "lstm_vs_transformer",
    "head_view",
    "i18n",
    "match_spans",
    "model_view",
    "models",
    "presentation",
    "static_fallback",
    "probe",
    "scan",
    "trace",
    "zoo",
]
