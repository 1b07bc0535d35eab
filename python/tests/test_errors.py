"""Every bad input is a ValueError naming the problem (IndexError for an event index);
continuation failures are ContinuationError with a status."""

import numpy as np
import pytest

import actbif


@pytest.fixture(scope="module")
def data():
    return actbif.paper_data(seed=5, n=40)


@pytest.fixture(scope="module")
def model(data):
    x, y = data
    return actbif.TwoLayer(x, y, width=2)


def with_nan(a, idx):
    b = a.copy()
    b[idx] = np.nan
    return b


@pytest.mark.parametrize(
    "make,word",
    [
        (lambda x, y: dict(x=x.astype(np.float32), y=y, width=2), "float64"),
        (lambda x, y: dict(x=x.astype(np.int64), y=y, width=2), "float64"),
        (lambda x, y: dict(x=x.tolist(), y=y, width=2), "numpy array"),
        (lambda x, y: dict(x=x[:, 0].copy(), y=y, width=2), "2-dimensional"),
        (lambda x, y: dict(x=x, y=y[:, None].copy(), width=2), "1-dimensional"),
        (lambda x, y: dict(x=x, y=y[:-1].copy(), width=2), "targets y"),
        (lambda x, y: dict(x=with_nan(x, (3, 1)), y=y, width=2), "non-finite"),
        (lambda x, y: dict(x=x, y=np.where(np.arange(len(y)) == 2, np.inf, y), width=2), "non-finite"),
        (lambda x, y: dict(x=x[:0].copy(), y=y[:0].copy(), width=2), "N ≥ 1"),
        (lambda x, y: dict(x=x, y=y, width=0), "width"),
        (lambda x, y: dict(x=x, y=y, width=-3), "width"),
        (lambda x, y: dict(x=x, y=y, width=2, alpha=-1e-3), "alpha"),
        (lambda x, y: dict(x=x, y=y, width=2, alpha=float("nan")), "alpha"),
        (lambda x, y: dict(x=x, y=y, width=2, activation="relu"), "relu"),
        (lambda x, y: dict(x=x, y=y, width=2, v=np.ones(3)), "v must have 2 entries"),
        (lambda x, y: dict(x=x, y=y, width=2, v=np.array([1.0, np.nan])), "v has a non-finite"),
        (lambda x, y: dict(x=x, y=y, width=2, v=np.ones(2, dtype=np.float32)), "float64"),
    ],
)
def test_bad_model_inputs(data, make, word):
    with pytest.raises(ValueError, match=word):
        actbif.TwoLayer(**make(*data))


@pytest.mark.parametrize("method", ["loss", "gradient", "hessian", "grad_lambda"])
def test_bad_theta(model, method):
    n = model.n_params
    f = getattr(model, method)
    with pytest.raises(ValueError, match=f"{n} entries"):
        f(np.zeros(n + 1), 0.5)
    with pytest.raises(ValueError, match="float64"):
        f(np.zeros(n, dtype=np.float32), 0.5)
    with pytest.raises(ValueError, match="non-finite"):
        f(with_nan(np.zeros(n), 1), 0.5)
    with pytest.raises(ValueError, match="1-dimensional"):
        f(np.zeros((n, 1)), 0.5)
    with pytest.raises(ValueError, match="lam"):
        f(np.zeros(n), float("nan"))


@pytest.mark.parametrize("method", ["hvp", "d3", "d3_vec", "d4"])
def test_bad_direction(model, method):
    n = model.n_params
    f = getattr(model, method)
    with pytest.raises(ValueError, match="u must have"):
        f(np.zeros(n), 0.5, np.ones(n - 1))
    with pytest.raises(ValueError, match="u has a non-finite"):
        f(np.zeros(n), 0.5, with_nan(np.ones(n), 0))


@pytest.mark.parametrize(
    "kw,word",
    [
        ({"lambda_max": 0.0}, "lambda-max"),
        ({"lambda_max": float("nan")}, "lambda-max"),
        ({"solver": "cholesky"}, "unknown solver"),
    ],
)
def test_bad_trace_arguments(model, kw, word):
    with pytest.raises(ValueError, match=word):
        model.trace(progress=False, **kw)


def test_event_index_out_of_range(model):
    branch = model.trace(progress=False)
    n = len(branch.events)
    with pytest.raises(IndexError):
        branch.coefficients(n)
    with pytest.raises(IndexError):
        branch.coefficients(-n - 1)


def test_non_isolated_start_is_a_value_error():
    # α = 0 with fewer samples than inputs: Σ is singular, so the λ = 0 minimum is not
    # isolated; the trace refuses to start instead of reporting spurious events.
    x, y = actbif.paper_data(seed=1, n=2)
    m = actbif.TwoLayer(x, y, width=2, alpha=0.0)
    with pytest.raises(ValueError, match="not isolated"):
        m.trace(progress=False)


def test_continuation_failure_is_a_continuation_error():
    # A step budget far too small for the branch: the trace stops early with that status.
    x, y = actbif.paper_data()
    m = actbif.TwoLayer(x, y, width=3)
    with pytest.raises(actbif.ContinuationError) as info:
        m.trace(progress=False, max_steps=2)
    assert isinstance(info.value, RuntimeError)
    assert info.value.status == "step_budget_exhausted"
    partial = info.value.branch
    assert isinstance(partial, actbif.Branch) and partial.status == "step_budget_exhausted"
    # Without raising, the same branch comes back.
    b = m.trace(progress=False, raise_on_failure=False, max_steps=2)
    assert b.status == "step_budget_exhausted" and len(b) == len(partial)
    with pytest.raises(ValueError, match="max_steps"):
        m.trace(progress=False, max_steps=0)


@pytest.mark.parametrize(
    "grid,word",
    [
        ({"alpha": [1e-3]}, "width"),
        ({"width": [2], "activation": ["relu"]}, "relu"),
        ({"width": []}, "no configurations"),
        ({"width": [2], "colour": [1]}, "colour"),
        ({"width": [2], "solver": ["cholesky"]}, "unknown solver"),
        ([{"width": 2, "alpha": -1.0}], "alpha"),
    ],
)
def test_bad_grids(grid, word):
    with pytest.raises(ValueError, match=word):
        actbif.sweep(grid)
