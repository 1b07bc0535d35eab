"""actbif.check_derivatives on an actbif.Mlp: the CLI's `check-derivatives --model mlp` report
at the same random point, and the derivatives it vouches for against numpy central
differences of lower-order ones."""

import numpy as np
import pytest

import actbif

LAM = 0.7
SEED = 3
QUANTITIES = {"gradient", "hessian_vec", "grad_lambda", "d3_vec", "d3", "d4"}
# Central differences with h = 1e-5 on O(1) quantities: truncation and rounding both ~1e-11,
# so 1e-7 relative passes a correct derivative and fails a wrong one.
H = 1e-5
RTOL = 1e-7


def rel(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(np.ravel(b)), 1e-300)


@pytest.fixture(scope="module")
def data():
    return actbif.paper_data(seed=4, n=40)


@pytest.mark.parametrize(
    "layers, trained, cli_trained",
    [([5, 3, 1], None, "0"), ([5, 4, 3, 1], "all", "all"), ([5, 4, 3, 1], [0, 2], "0,2")],
)
def test_matches_the_cli(data, cli_json, layers, trained, cli_trained):
    x, y = data
    model = actbif.Mlp(x, y, layers=layers, trained=trained)
    df = actbif.check_derivatives(model, lam=LAM, seed=SEED)
    cli = cli_json(
        ["check-derivatives", "--model", "mlp", "--layers", ",".join(map(str, layers)),
         "--trained", cli_trained, "--lambda", LAM, "--seed", SEED, "--json"],
        x,
        y,
        stdout=True,
    )
    assert list(df.columns) == ["ad", "closed_form", "fd"]
    assert df.index.name == "quantity"
    for col, key in (("ad", "ad_rel_err"), ("fd", "fd_rel_err")):
        got = df[col].dropna().to_dict()
        assert set(got) == set(cli[key])
        # The same θ and u as the CLI: the same numbers, not merely small ones.
        assert got == pytest.approx(cli[key], rel=1e-12, abs=1e-300)
    assert df["closed_form"].isna().all()
    assert set(df.index) == QUANTITIES
    assert df.attrs["skipped"] == cli["skipped"]
    assert df.attrs["layers"] == layers
    assert df.attrs["trained"] == cli["setting"]["trained"]
    assert df.attrs["dim"] == cli["setting"]["n_params"] == model.n_params
    assert df.attrs["max_rel_err_exact"] == pytest.approx(max(cli["ad_rel_err"].values()))


def test_a_different_seed_is_a_different_point(data):
    x, y = data
    model = actbif.Mlp(x, y, layers=[5, 3, 1], trained="all")
    a = actbif.check_derivatives(model, lam=LAM, seed=SEED)
    b = actbif.check_derivatives(model, lam=LAM, seed=SEED + 1)
    assert not np.allclose(a["fd"], b["fd"], rtol=1e-6)


def test_at_a_given_point_against_numpy_central_differences(data):
    """At θ, u of our choosing the check passes (AD to rounding, FD to truncation), and every
    derivative it compared is confirmed by numpy central differences of lower-order ones."""
    x, y = data
    model = actbif.Mlp(x, y, layers=[5, 4, 3, 1], trained="all", alpha=1e-2)
    n = model.n_params
    rng = np.random.default_rng(7)
    theta = rng.standard_normal(n)
    u = rng.standard_normal(n)
    u /= np.linalg.norm(u)
    df = actbif.check_derivatives(model, lam=0.4, theta=theta, u=u)
    assert set(df.index) == QUANTITIES
    assert df["ad"].max() <= 1e-10
    assert 0.0 < df["fd"].min() and df["fd"].max() <= 1e-4

    lam, e = 0.4, np.eye(n)
    g = model.gradient(theta, lam)
    fd_g = np.array([(model.loss(theta + H * e[k], lam) - model.loss(theta - H * e[k], lam))
                     / (2 * H) for k in range(n)])
    assert rel(g, fd_g) <= RTOL
    fd_hu = (model.gradient(theta + H * u, lam) - model.gradient(theta - H * u, lam)) / (2 * H)
    assert rel(model.hvp(theta, lam, u), fd_hu) <= RTOL
    fd_gl = (model.gradient(theta, lam + H) - model.gradient(theta, lam - H)) / (2 * H)
    assert rel(model.grad_lambda(theta, lam), fd_gl) <= RTOL
    quad = lambda t: u @ model.hvp(t, lam, u)
    fd_d3v = np.array([(quad(theta + H * e[k]) - quad(theta - H * e[k])) / (2 * H)
                       for k in range(n)])
    assert rel(model.d3_vec(theta, lam, u), fd_d3v) <= RTOL
    fd_d3 = (quad(theta + H * u) - quad(theta - H * u)) / (2 * H)
    assert abs(model.d3(theta, lam, u) - fd_d3) <= RTOL * max(1.0, abs(fd_d3))
    fd_d4 = (model.d3(theta + H * u, lam, u) - model.d3(theta - H * u, lam, u)) / (2 * H)
    assert abs(model.d4(theta, lam, u) - fd_d4) <= RTOL * max(1.0, abs(fd_d4))

    # θ and u were used, not the seed's point.
    other = actbif.check_derivatives(model, lam=0.4)
    assert not np.allclose(df["fd"], other["fd"], rtol=1e-6)


def test_bad_input(data):
    x, y = data
    model = actbif.Mlp(x, y, layers=[5, 3, 1])
    with pytest.raises(ValueError, match="lambda"):
        actbif.check_derivatives(model, lam=-0.1)
    with pytest.raises(ValueError, match="theta"):
        actbif.check_derivatives(model, theta=np.zeros(model.n_params + 1))
    with pytest.raises(ValueError, match="direction|u"):
        actbif.check_derivatives(model, u=np.zeros(model.n_params))
    with pytest.raises(ValueError, match="finite"):
        actbif.check_derivatives(model, u=np.full(model.n_params, np.nan))
