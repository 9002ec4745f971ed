"""Diagnosing a model: robustness to perturbations, and two models compared on the same inputs.

``perturb`` makes deterministic (seeded) variants of a text; ``robustness`` runs a classifier
on each text and its variants and reports prediction and confidence changes with flips, per
perturbation (a :class:`RobustnessResult`, optionally with attributions before and after, viewed
with :class:`~interpwidgets.Robustness`); ``compare_models`` lists where two classifiers disagree; ``loss_trace`` puts
two character models' per-character loss (and its difference) into a :class:`Trace` so
:class:`~interpwidgets.NeuronText` colours where one predicts better than the other.

The parts: :mod:`.perturbations` (the perturbations and their lexicon), :mod:`.classify`
(batched predictions and the argument checks the diagnoses share), :mod:`.flips`
(:func:`robustness`: flips and confidence changes) and :mod:`.compare` (two models on the
same inputs).
"""

from .classify import _predict as _predict
from .compare import char_losses, compare_models, loss_trace
from .flips import RobustnessResult, robustness
from .perturbations import KINDS, lexicon, perturb

__all__ = [
    "KINDS",
    "RobustnessResult",
    "char_losses",
    "compare_models",
    "lexicon",
    "loss_trace",
    "perturb",
    "robustness",
]
