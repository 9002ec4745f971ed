"""interpwidgets: Jupyter widgets that show what happens inside neural language models.

import interpwidgets as iw
lm = iw.zoo.char_lstm()
tr = iw.trace(lm, text)
iw.find_neurons(tr, "in_string")
iw.NeuronText(tr, layer="rnn.1.c", neuron=7)
"""

from . import codec, features, zoo
from .neurons import find_neurons, match_spans
from .trace import Trace, trace
from .widgets import NeuronText

__version__ = "0.1.0"

__all__ = [
    "NeuronText",
    "Trace",
    "codec",
    "features",
    "find_neurons",
    "match_spans",
    "trace",
    "zoo",
]
