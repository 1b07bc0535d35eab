"""The Python package against the CLI: the paper model m = 10 traced both ways."""

import json
import subprocess

import numpy as np
import pytest

import actbif

# Same crate, same data, same algorithm: λ* agrees to rounding (the 1e-12).
LAMBDA_TOL = 1e-12


@pytest.fixture(scope="module")
def cli_trace(actbif_bin, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "trace.json"
    subprocess.run(
        [actbif_bin, "trace", "--width", "10", "--out", str(out)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def py_branch():
    x, y = actbif.paper_data()
    return actbif.TwoLayer(x, y, width=10).trace(progress=False)


def test_events_match_the_cli(cli_trace, py_branch):
    cli_events = cli_trace["events"]
    assert len(cli_events) >= 1, "the paper model has a fold near λ = 0.75"
    assert len(py_branch.events) == len(cli_events)
    for ev, ref in zip(py_branch.events, cli_events):
        assert ev.kind == ref["kind"]
        assert abs(ev.lambda_star - ref["lambda"]) <= LAMBDA_TOL
        assert np.allclose(ev.kernel, ref["kernel"], rtol=0, atol=1e-10)
        assert np.allclose(ev.theta, ref["theta"], rtol=0, atol=1e-10)
    assert py_branch.events[0].kind == "fold"
    assert py_branch.status == cli_trace["status"]["reason"]


def test_to_json_matches_the_cli_schema(cli_trace, py_branch):
    mine = json.loads(py_branch.to_json())
    assert set(mine) == set(cli_trace)
    assert set(mine["points"][0]) == set(cli_trace["points"][0])
    assert set(mine["events"][0]) == set(cli_trace["events"][0])
    assert len(mine["points"]) == len(cli_trace["points"])
    assert len(mine["grid"]) == len(cli_trace["grid"])
    for a, b in zip(mine["events"], cli_trace["events"]):
        assert abs(a["lambda"] - b["lambda"]) <= LAMBDA_TOL
    # The numpy arrays are the JSON's columns.
    lam = np.array([p["lambda"] for p in mine["points"]])
    assert np.array_equal(lam, py_branch.lambdas)
    morse = np.array([p["morse_index"] for p in mine["points"]])
    assert np.array_equal(morse, py_branch.morse_index)


def test_branch_arrays_are_consistent(py_branch):
    n = len(py_branch)
    assert py_branch.lambdas.shape == (n,)
    assert py_branch.thetas.shape == (n, 50)
    assert py_branch.eigenvalues.shape[0] == n
    assert py_branch.morse_index.dtype == np.int64
    # Every point is a critical point: recompute ‖∇L‖ at a few recorded θ independently of
    # the recorded grad_norms.
    model = actbif.TwoLayer.paper(10)
    for i in (0, n // 2, n - 1):
        g = model.gradient(py_branch.thetas[i], float(py_branch.lambdas[i]))
        assert np.linalg.norm(g) <= 1e-11
    # The smallest recorded eigenvalue is the Hessian's (dense numpy eigensolver).
    i = n // 3
    h = model.hessian(py_branch.thetas[i], float(py_branch.lambdas[i]))
    assert abs(np.linalg.eigvalsh(h)[0] - py_branch.eigenvalues[i, 0]) <= 1e-12


def test_coefficients_match_the_cli(actbif_bin, py_branch, tmp_path):
    out = tmp_path / "coef.json"
    subprocess.run(
        [actbif_bin, "coefficients", "--width", "10", "--out", str(out)],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    ref = json.loads(out.read_text())
    c = py_branch.coefficients(0)
    assert c.classification == ref["classification"] == "fold"
    assert abs(c.lambda_star - ref["lambda_star"]) <= LAMBDA_TOL
    # Derived from the same point to rounding: relative 1e-8 covers the conditioning of the
    # bordered solves behind g_aµ and corrected g_aaa (|g_aaa| ~ 1e2).
    for mine, theirs in [
        (c.g_mu, ref["g_mu"]),
        (c.g_amu, ref["g_amu"]),
        (c.g_aa, ref["g_aa"]["ad"]),
        (c.g_aaa_raw, ref["g_aaa"]["ad"]),
        (c.g_aaa_corrected, ref["g_aaa_reduced"]),
    ]:
        assert abs(mine - theirs) <= 1e-8 * max(abs(theirs), 1e-12)
    terms = c.terms
    assert sum(terms["g_aa"].values()) == pytest.approx(c.g_aa, rel=1e-10)
    assert sum(terms["g_aaa_raw"].values()) == pytest.approx(c.g_aaa_raw, rel=1e-10)
    d = c.to_dict()
    assert d["g_mu"] == c.g_mu
    assert py_branch.coefficients(-1).lambda_star == py_branch.events[-1].lambda_star


def test_to_pandas(py_branch):
    pd = pytest.importorskip("pandas")
    df = py_branch.to_pandas()
    assert isinstance(df, pd.DataFrame)
    assert len(df) == len(py_branch)
    assert np.array_equal(df["lambda"].to_numpy(), py_branch.lambdas)
    assert "eig_0" in df.columns


def test_plot(py_branch):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    ax = py_branch.plot()
    assert len(ax.lines) >= 3
