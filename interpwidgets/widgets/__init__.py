"""Widgets: anywidget classes with traits and thin glue; no torch at import time."""

from .base import Widget
from .neuron_text import NeuronText

__all__ = ["NeuronText", "Widget"]
