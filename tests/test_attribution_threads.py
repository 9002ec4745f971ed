"""``iw.attribute`` from several threads on one model: every result equals its serial run, and
forwards of the model outside the call (another thread's) are not touched by its hook."""

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("captum")

import interpwidgets as iw  # noqa: E402


def _model():
    from interpwidgets.zoo.char_rnn import CharRNN

    torch.manual_seed(0)
    return CharRNN(hidden_size=16, num_layers=1, embedding_dim=8, cell="lstm").eval()


TEXTS = ["def f(x):\n    return x\n", "ab", "print('hello, world')", "x = [1, 2, 3]"]


@pytest.mark.parametrize("method", ["integrated_gradients", "saliency", "lime"])
def test_concurrent_calls_equal_serial_runs(method):
    model = _model()
    kw = dict(method=method, n_steps=8, n_samples=20)
    serial = {t: iw.attribute(model, t, **kw) for t in TEXTS}
    results: list[tuple[str, object]] = []
    errors: list[BaseException] = []

    def run(text):
        try:
            for _ in range(3):
                results.append((text, iw.attribute(model, text, **kw)))
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in TEXTS * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 3 * len(threads)
    for text, got in results:
        want = serial[text]
        assert got.text == text
        np.testing.assert_allclose(got.probs, want.probs, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(got.scores, want.scores, rtol=1e-4, atol=1e-6)


def test_other_forwards_of_the_model_are_untouched_during_a_call():
    model = _model()
    ids = torch.tensor([[3, 4, 5, 6, 7]])
    with torch.no_grad():
        want = model(ids)[0].clone()
    stop = threading.Event()
    bad: list[str] = []

    def forwards():
        while not stop.is_set():
            try:
                with torch.no_grad():
                    got = model(ids)[0]
                if got.shape != want.shape or not torch.allclose(got, want, atol=1e-6):
                    bad.append("different output")
            except Exception as exc:  # noqa: BLE001
                bad.append(f"{type(exc).__name__}: {exc}")

    t = threading.Thread(target=forwards)
    t.start()
    try:
        for _ in range(3):
            iw.attribute(model, "a longer text than the other forward's", n_steps=32)
    finally:
        stop.set()
        t.join()
    assert not bad, bad[:3]
