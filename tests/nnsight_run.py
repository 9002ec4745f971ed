"""An nnsight run kept in a file (nnsight reads the source of its ``with`` blocks)."""

from __future__ import annotations


def cache_of(model, tokenizer, text):
    """nnsight's cache of every module output, and a few values saved the usual way."""
    import nnsight
    import torch

    wrapped = nnsight.NNsight(model)
    inputs = tokenizer(text, return_tensors="pt")
    with wrapped.trace(**inputs, output_attentions=True) as tracer:
        cache = tracer.cache()
        embeddings = wrapped.embeddings.output.save()  # in the order the model runs
        layer3 = wrapped.encoder.layer[3].output.save()
        out = wrapped.output.save()
    layer3 = layer3[0] if isinstance(layer3, tuple) else layer3
    saved = {
        "layer3": layer3[0].detach().numpy(),
        "embeddings": embeddings[0].detach().numpy(),
        "attentions": torch.stack([a[0] for a in out.attentions]).detach().numpy(),
    }
    return cache, saved
