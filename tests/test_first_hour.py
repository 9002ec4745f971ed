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
