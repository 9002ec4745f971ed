"""Compute: model + text → :class:`Trace`. Never imports widgets or the zoo."""

from __future__ import annotations

from typing import Any

from ..models import adapter_for
from ..sae import add_features
from .core import Trace
from .decoder import Decoder


def trace(
    model: Any, text: str, tokenizer: Any = None, *, sae: Any = None, **options: Any
) -> Trace:
    """Run ``model`` on ``text`` and record what it computed, as a :class:`Trace`.

    The model's adapter (:func:`interpwidgets.models.adapter_for`) decides how:

    * character models built around ``torch.nn.LSTM``/``GRU``/``RNN`` (embedding →
      recurrent → linear), such as ``iw.zoo.char_lstm()`` — options in
      :func:`interpwidgets.trace.rnn.trace_rnn` (``vocab``, ``unk_index``, ``chunk_size``,
      ``gates``, ``top_k``, ``progress``, ``dtype``, ``spill``);
    * the character Transformer ``iw.zoo.char_transformer()``
      (:func:`interpwidgets.trace.transformer.trace_char_transformer`);
    * any Hugging Face encoder, decoder or encoder-decoder with its ``tokenizer``
      (:func:`interpwidgets.trace.hf.trace_hf`: tokens with offsets, attention, hidden states;
      ``decoder_text=`` for encoder-decoders fills ``trace.decoder``);
    * a TransformerLens ``HookedTransformer`` (every hook of ``run_with_cache`` under its hook
      name, attention from ``hook_pattern``;
      :meth:`interpwidgets.models.transformer_lens.HookedAdapter.trace`);
    * an nnsight-wrapped Hugging Face model (``tokenizer=`` as for the model it wraps: the
      same trace, run through nnsight).

    Long texts of the character models: ``dtype="float16"`` halves the arrays and
    ``spill`` decides where they live (``"auto"``: memory up to 1 GiB, then memory-mapped
    files in a temporary directory; ``False``; ``True``; a directory). Their size is estimated
    before the model runs, and a trace that would not fit raises then, naming the argument to
    change (:mod:`interpwidgets.trace.store`).

    ``sae``: a sparse autoencoder (or a list of them) whose features are added as the layer
    ``"<layer>.sae"`` (:func:`interpwidgets.sae.add_features`).
    """
    return add_features(adapter_for(model, tokenizer).trace(text, **options), sae)


__all__ = ["Decoder", "Trace", "trace"]
