"""What a person meets in the first hour: quiet model loads, progress where waits are long."""

from __future__ import annotations

import pytest

import interpwidgets as iw


@pytest.mark.parametrize("load", ["minilm", "sentiment"])
def test_zoo_loads_print_no_library_bars_and_restore_settings(load, capfd):
    pytest.importorskip("transformers")
    from transformers.utils import logging

    for enabled in (True, False):
        (logging.enable_progress_bar if enabled else logging.disable_progress_bar)()
        logging.set_verbosity_warning()
        getattr(iw.zoo, load)()
        err = capfd.readouterr().err
        assert "Loading weights" not in err and "%|" not in err, err
        assert logging.is_progress_bar_enabled() is enabled  # the user's setting, restored
        assert logging.get_verbosity() == logging.WARNING
    logging.enable_progress_bar()


def test_token_labels_come_from_the_text_where_the_tokenizer_lost_it():
    import numpy as np

    from interpwidgets.models.base import token_labels

    text = "café 电 The naïve"
    tokens = ["[CLS]", "ca", "##fe", "[UNK]", "the", "naive", "[SEP]"]
    offsets = np.array([[0, 0], [0, 2], [2, 4], [5, 6], [7, 10], [11, 16], [0, 0]])
    special = np.array([1, 0, 0, 0, 0, 0, 1], dtype=bool)
    got = token_labels(tokens, offsets, special, text, "[UNK]")
    # unknown → the character; accents restored (the piece keeps its ##); case kept as read
    assert got == ["[CLS]", "ca", "##fé", "电", "the", "naïve", "[SEP]"]


def test_minilm_trace_and_attribution_show_cjk_and_accents():
    pytest.importorskip("transformers")
    enc, tok = iw.zoo.minilm()
    tr = iw.trace(enc, "我爱电脑 Café", tokenizer=tok)
    assert tr.tokens == ["[CLS]", "我", "爱", "电", "脑", "Café", "[SEP]"]
    clf, tok = iw.zoo.sentiment()
    a = iw.attribute(clf, "电脑 café", tok, method="saliency")
    assert a.tokens == ["[CLS]", "电", "脑", "café", "[SEP]"]
