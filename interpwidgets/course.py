"""Exercise checks for the course notebooks: the answer is checked, the solution stays out of view.

Each notebook ends with exercises. The student stores an answer and runs a check cell::

    iw.course.check("01-comment-neuron", answer, trace=tr)

which shows ``✓ Correct`` / ``✗ Not quite`` / ``Not answered yet`` with a hint, never the
solution. The worked solutions are in ``notebooks/en/answers.ipynb`` (in Chinese:
``notebooks/zh/answers.ipynb``); :func:`solution` computes one (the answers notebook and the
tests use it). Solutions are computed from the shipped models, deterministically, so every
student's correct answer matches. Questions, hints and verdicts follow
:func:`interpwidgets.locale`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .i18n import t


@dataclass(frozen=True)
class Exercise:
    """One exercise: its notebook, what context it needs, how it is solved.

    Its question and hint are in the catalogue (``course.<name>.question`` / ``.hint``, see
    :mod:`interpwidgets.i18n`), in the language of :func:`interpwidgets.locale`; ``fields`` fills
    in their ``{placeholders}``.
    """

    name: str
    notebook: str
    needs: tuple[str, ...]
    solve: Callable[..., Any]
    normalise: Callable[[Any], Any] = lambda a: a
    fields: tuple[tuple[str, Any], ...] = ()

    @property
    def question(self) -> str:
        return t(f"course.{self.name}.question", **dict(self.fields))

    @property
    def hint(self) -> str:
        return t(f"course.{self.name}.hint", **dict(self.fields))


class Verdict:
    """The outcome of :func:`check`: true when correct; shows as a one-line message."""

    def __init__(self, ok: bool | None, message: str) -> None:
        self.ok = ok
        self.message = message

    def __bool__(self) -> bool:
        return bool(self.ok)

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        import html

        colour = {True: "#1a7f37", False: "#b42318", None: "#59636e"}[self.ok]
        return f'<span style="color:{colour};font-weight:600">{html.escape(self.message)}</span>'


# -- solutions ---------------------------------------------------------------------------
def _comment_neuron(trace: Any) -> tuple[str, int]:
    from .neurons import find_neurons

    cells = [n for n in trace.names if n.endswith((".h", ".c"))]
    best = find_neurons(trace, "in_comment", layers=cells).iloc[0]
    return (str(best.layer), int(best.neuron))


def _sep_head(trace: Any) -> tuple[int, int]:
    import numpy as np

    from .attention import head_summary

    sep = head_summary(trace.attention, trace.tokens)["to_sep"]
    layer, head = np.unravel_index(sep.argmax(), sep.shape)
    return (int(layer), int(head))


@lru_cache(maxsize=1)
def _selective_comment_layer() -> str:
    from .probing import probe
    from .zoo import char_lstm

    table = probe(char_lstm(), "in_comment", progress=False).table
    return str(table.sort_values("selectivity", ascending=False).iloc[0].layer)


NEGATED = "The soundtrack was not funny."


@lru_cache(maxsize=1)
def _negated_top_word() -> str:
    from .attribution import attribute
    from .zoo import sentiment

    clf, tok = sentiment()
    t = attribute(clf, NEGATED, tok).table()
    return str(t[~t.special].sort_values("score", ascending=False).iloc[0].token)


REVIEWS = 24
#: perturbations that should leave a review's sentiment as it was
PRESERVING = ("char_noise", "word_dropout", "synonym", "shuffle")


@lru_cache(maxsize=1)
def _most_fragile_kind() -> str:
    from .diagnosis import robustness
    from .zoo import sentiment
    from .zoo.sentiment_data import splits

    clf, tok = sentiment()
    texts = [e.text for e in splits()["test"][:REVIEWS]]
    summary, _details = robustness(clf, tok, texts, kinds=PRESERVING, seed=0)
    return str(summary.sort_values("flip_rate", ascending=False).iloc[0].kind)


def _better_model(trace: Any) -> str:
    import numpy as np

    diff = np.asarray(trace.activations["loss.diff"], dtype=np.float64)
    return "lstm" if np.nanmean(diff) < 0 else "transformer"


def _pair(a: Any) -> tuple:
    return tuple(
        int(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in a
    )


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise("01-comment-neuron", "01_neurons", ("trace",), _comment_neuron, _pair),
        Exercise("02-sep-head", "02_attention", ("trace",), _sep_head, _pair),
        Exercise("03-comment-layer", "03_probing", (), _selective_comment_layer, str),
        Exercise(
            "04-negated-word",
            "04_explaining_predictions",
            (),
            _negated_top_word,
            lambda a: str(a).strip().lower(),
            (("negated", repr(NEGATED)),),
        ),
        Exercise(
            "05-fragile-kind",
            "05_diagnosis",
            (),
            _most_fragile_kind,
            lambda a: str(a).strip().lower(),
            (("reviews", REVIEWS), ("kinds", PRESERVING)),
        ),
        Exercise(
            "05-better-model",
            "05_diagnosis",
            ("trace",),
            _better_model,
            lambda a: str(a).strip().lower(),
        ),
    )
}


def _exercise(name: Any) -> Exercise:
    if name not in EXERCISES:
        raise KeyError(f"exercise: expected one of {sorted(EXERCISES)}, got {name!r}")
    return EXERCISES[name]


def _context(ex: Exercise, name: str, context: dict[str, Any]) -> dict[str, Any]:
    missing = [k for k in ex.needs if k not in context]
    extra = [k for k in context if k not in ex.needs]
    if missing or extra:
        raise TypeError(
            f"{name}: expected keyword arguments {list(ex.needs)}, "
            f"got {sorted(context)} (missing {missing}, unexpected {extra})"
        )
    return context


def solution(name: str, **context: Any) -> Any:
    """The answer to exercise ``name`` (for teachers and the answers notebook)."""
    ex = _exercise(name)
    return ex.normalise(ex.solve(**_context(ex, name, context)))


def check(name: str, answer: Any, **context: Any) -> Verdict:
    """Check a student's ``answer`` to exercise ``name`` without showing the solution.

    ``context`` holds the notebook objects the exercise is about (e.g. ``trace=tr``).
    Returns a :class:`Verdict`: true when correct; in a notebook it shows as one line.
    """
    ex = _exercise(name)
    ctx = _context(ex, name, context)
    if answer is None:
        return Verdict(None, t("course.not_answered", hint=ex.hint))
    try:
        given = ex.normalise(answer)
    except (TypeError, ValueError):
        return Verdict(False, t("course.wrong_kind", answer=repr(answer), question=ex.question))
    if given == ex.normalise(ex.solve(**ctx)):
        return Verdict(True, t("course.correct"))
    return Verdict(False, t("course.not_quite", hint=ex.hint))
