"""paper_data against numpy's own legacy RandomState (the recipe of src/data.rs)."""

import numpy as np
import pytest

import actbif

W_LINEAR = np.array([1.0, 0.5, -0.3, 0.2, -0.1])
W_NONLINEAR = np.array([0.3, -0.7, 0.5, -0.2, 0.4])


def numpy_recipe(seed, n):
    rs = np.random.RandomState(seed)
    x = rs.randn(n, 5)
    eps = rs.randn(n)
    y = x @ W_LINEAR + 0.4 * np.tanh(1.5 * (x @ W_NONLINEAR)) + 0.05 * eps
    return x, y


@pytest.mark.parametrize("seed,n", [(77, 500), (0, 7), (4294967295, 33), (12345, 1)])
def test_paper_data_is_numpy_bit_for_bit(seed, n):
    x, y = actbif.paper_data(seed=seed, n=n)
    xr, yr = numpy_recipe(seed, n)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.shape == (n, 5) and y.shape == (n,)
    # x is drawn, not computed: identical bits.
    assert np.array_equal(x, xr)
    # y sums five products in an order numpy may associate differently: a few ulps of |y|
    # plus the sum of |terms| (at most ~10 magnitudes of order 3 each).
    scale = np.abs(xr) @ np.abs(W_LINEAR) + 0.4 + 0.05 * 4
    assert np.all(np.abs(y - yr) <= 8 * np.finfo(float).eps * scale)


def test_paper_data_defaults_are_the_papers():
    x, y = actbif.paper_data()
    xr, _ = numpy_recipe(77, 500)
    assert np.array_equal(x, xr)


@pytest.mark.parametrize("kw", [{"seed": -1}, {"seed": 2**32}, {"n": 0}, {"n": -5}])
def test_paper_data_rejects_bad_arguments(kw):
    with pytest.raises(ValueError):
        actbif.paper_data(**kw)
