"""The neuron ranking's elastic-net solver reaches scikit-learn's elastic-net optimum."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from interpwidgets.probing.enet import elastic_net_logistic


def _data(k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((400, 30))
    w = np.zeros((30, k))
    w[:4] = rng.standard_normal((4, k)) * 2  # four informative units, 26 noise
    y = (x @ w + rng.gumbel(size=(400, k))).argmax(1) if k > 1 else (x @ w[:, 0] > 0).astype(int)
    return x, y


@pytest.mark.parametrize("k", [1, 3])
def test_matches_sklearn_elastic_net(k):
    x, y = _data(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(solver="saga", l1_ratio=0.5, C=0.1, max_iter=20000, tol=1e-9)
        ref.fit(x, y)
    coef, intercept = elastic_net_logistic(x, y, C=0.1, l1_ratio=0.5)
    assert coef.shape == ref.coef_.shape and intercept.shape == ref.intercept_.shape
    np.testing.assert_allclose(coef, ref.coef_, atol=2e-3)
    np.testing.assert_allclose(intercept, ref.intercept_, atol=2e-3)
    # the L1 part zeroes the same units, and the four informative ones lead the ranking
    assert ((np.abs(coef) > 1e-3) == (np.abs(ref.coef_) > 1e-3)).all()
    assert set(np.argsort(-np.abs(coef).sum(0))[:4]) == {0, 1, 2, 3}


def test_bad_inputs():
    x, y = _data(1)
    with pytest.raises(ValueError, match="single class"):
        elastic_net_logistic(x, np.zeros(len(x)))
    with pytest.raises(ValueError, match="x: expected shape"):
        elastic_net_logistic(x[:10], y)
    with pytest.raises(ValueError, match="l1_ratio"):
        elastic_net_logistic(x, y, l1_ratio=2.0)
