"""TwoLayer.coefficients (the report of `actbif coefficients`) and actbif.check_derivatives
(`actbif check-derivatives`): the CLI's JSON for the same model, and the coefficients
recomputed from the model's own derivatives and numpy finite differences."""

import numpy as np
import pytest

import actbif

# n = 200, m = 2: two folds (λ ≈ 0.80, 0.47) on [0, 1].
WIDTH = 2


@pytest.fixture(scope="module")
def data():
    return actbif.paper_data(n=200)


@pytest.fixture(scope="module")
def model(data):
    x, y = data
    return actbif.TwoLayer(x, y, width=WIDTH)


@pytest.fixture(scope="module")
def report(model):
    return model.coefficients(0)


def _without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def test_coefficients_match_the_cli(report, data, cli_json):
    x, y = data
    cli = cli_json(["coefficients", "--width", WIDTH, "--event", "0"], x, y)
    py = report.to_dict()
    assert _without(py, "setting") == _without(cli, "setting")
    assert _without(py["setting"], "data") == _without(cli["setting"], "data")


def test_coefficients_from_the_models_derivatives(report, model):
    """g_µ = φᵀ∂λ∇L, g_aa = D³L[φ³], raw g_aaa = D⁴L[φ⁴] at (θ*, λ*), the last two also by
    central differences of lower-order derivatives; φ is the Hessian's eigenvector of the
    eigenvalue nearest 0 (numpy's eigh)."""
    th, lam, phi = report.theta, report.lambda_star, report.phi
    assert np.linalg.norm(phi) == pytest.approx(1.0, abs=1e-12)
    ev, vec = np.linalg.eigh(model.hessian(th, lam))
    k = int(np.argmin(np.abs(ev)))
    assert abs(ev[k]) <= 1e-6 * np.max(np.abs(ev))
    assert abs(vec[:, k] @ phi) == pytest.approx(1.0, abs=1e-8)
    assert report.eigenvalues[0] == pytest.approx(ev[k], abs=1e-9 * np.max(np.abs(ev)))
    assert np.linalg.norm(model.gradient(th, lam)) <= 1e-9
    assert report.g_mu == pytest.approx(phi @ model.grad_lambda(th, lam), rel=1e-10)
    h = 1e-4
    fd3 = (phi @ model.hvp(th + h * phi, lam, phi) - phi @ model.hvp(th - h * phi, lam, phi)) / (
        2 * h
    )
    assert report.g_aa == pytest.approx(fd3, rel=1e-6)
    fd4 = (model.d3(th + h * phi, lam, phi) - model.d3(th - h * phi, lam, phi)) / (2 * h)
    assert report.g_aaa_raw == pytest.approx(fd4, rel=1e-6)
    # A fold: g_µ ≠ 0 and g_aa ≠ 0 (the Morse index changes by one at it).
    assert report.classification == "fold"
    e = report.event
    assert abs(e["morse_after"] - e["morse_before"]) == 1
    assert "error" not in report.branch_check
    assert report.branch_check["max_rel_deviation"] < 0.5


def test_paper_method_matches_the_cli_and_the_exact_event(report, model, data, cli_json):
    x, y = data
    paper = model.coefficients(0, method="paper")
    cli = cli_json(["coefficients", "--width", WIDTH, "--method", "paper"], x, y)
    assert _without(paper.to_dict(), "setting") == _without(cli, "setting")
    assert paper.method == "paper"
    # The paper's grid point nearest its crossing is within a grid step of the exact λ*.
    assert abs(paper.lambda_star - report.lambda_star) <= 2e-2


def test_coefficients_bad_input(model, data):
    with pytest.raises(ValueError, match="event"):
        model.coefficients(7)
    with pytest.raises(ValueError, match="event"):
        model.coefficients(-1)
    with pytest.raises(ValueError, match="method"):
        model.coefficients(0, method="newton")
    with pytest.raises(ValueError, match="event"):
        model.coefficients(1, method="paper")


def test_check_derivatives_matches_the_cli(model, data, cli_json):
    x, y = data
    df = actbif.check_derivatives(model, lam=0.7, seed=3)
    cli = cli_json(
        ["check-derivatives", "--width", WIDTH, "--lambda", 0.7, "--seed", 3, "--json"],
        x,
        y,
        stdout=True,
    )
    for col, key in (("ad", "ad_rel_err"), ("closed_form", "closed_form_rel_err"),
                     ("fd", "fd_rel_err")):
        got = df[col].dropna().to_dict()
        assert got == pytest.approx(cli[key], rel=1e-12, abs=1e-300)
        assert set(got) == set(cli[key])
    assert df.attrs["max_rel_err_exact"] == pytest.approx(cli["max_rel_err_exact"], rel=1e-12)
    assert df.attrs["skipped"] == cli["skipped"]
    assert df.index.name == "quantity"


def test_check_derivatives_at_a_given_point(model):
    """At θ, u of our choosing the exact back-ends agree to rounding and finite differences
    to their truncation error; the gradient's FD error is recomputed with numpy."""
    rng = np.random.default_rng(5)
    theta = 0.3 * rng.standard_normal(model.n_params)
    u = rng.standard_normal(model.n_params)
    u /= np.linalg.norm(u)
    df = actbif.check_derivatives(model, lam=0.4, theta=theta, u=u)
    assert df["ad"].dropna().max() <= 1e-10
    assert df["closed_form"].dropna().max() <= 1e-10
    assert df["fd"].dropna().max() <= 1e-2
    assert df["fd"].dropna().min() > 0.0
    # A different point gives different FD errors (θ and u were used, not the seed's).
    other = actbif.check_derivatives(model, lam=0.4)
    assert not np.allclose(df["fd"].dropna(), other["fd"].dropna(), rtol=1e-6)


def test_check_derivatives_bad_input(model, data):
    x, y = data
    with pytest.raises(ValueError, match="lambda"):
        actbif.check_derivatives(model, lam=1.5)
    with pytest.raises(ValueError, match="theta"):
        actbif.check_derivatives(model, theta=np.zeros(3))
    with pytest.raises(ValueError, match="direction|u"):
        actbif.check_derivatives(model, u=np.zeros(model.n_params))
    with pytest.raises(TypeError, match="TwoLayer"):
        actbif.check_derivatives("not a model")
    trained = actbif.TwoLayer(x, y, width=2, train_output=True)
    with pytest.raises(ValueError, match="train_output"):
        actbif.check_derivatives(trained)
