"""Widgets: anywidget classes with traits and thin glue; no torch at import time."""

from .attention_view import AttentionView
from .attribution_text import AttributionText
from .base import Widget
from .neuron_dashboard import NeuronDashboard
from .neuron_explorer import NeuronExplorer
from .neuron_text import NeuronText
from .probe_chart import ProbeChart
from .robustness import Robustness

__all__ = [
    "AttentionView",
    "AttributionText",
    "NeuronDashboard",
    "NeuronExplorer",
    "NeuronText",
    "ProbeChart",
    "Robustness",
    "Widget",
]
