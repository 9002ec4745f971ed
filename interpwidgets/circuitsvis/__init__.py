"""Drop-in replacements for CircuitsVis 1.43 (``import interpwidgets.circuitsvis as cv``).

``cv.attention.attention_heads``, ``cv.attention.attention_patterns``,
``cv.attention.attention_pattern``, ``cv.tokens.colored_tokens`` and
``cv.activations.text_neuron_activations`` take circuitsvis's arguments (names, order,
defaults, and the same tensors, arrays or nested lists) and return a :class:`RenderedHTML`:
shown in a notebook as a live widget (:class:`~interpwidgets.AttentionView` or
:class:`~interpwidgets.NeuronText`), and ``str()`` of it is one self-contained HTML page that
opens with no network (binary data, no CDN). See ``docs/widgets/circuitsvis.md``.
"""

from . import activations, attention, tokens
from .render import RenderedHTML

__all__ = ["RenderedHTML", "activations", "attention", "tokens"]
