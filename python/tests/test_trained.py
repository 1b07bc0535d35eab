"""TwoLayer(..., train_output=True): both layers trained. Its derivatives against numpy finite
differences, its diagram against `actbif diagram --train-output` on the same data, and the
selected orbits checked from the model itself: minimisers at λ = 0 with the F = ∂λL and Morse
indices the diagram reports, and the Euler characteristic of the sphere recomputed here."""

import numpy as np
import pytest

import actbif

WIDTH = 2
LAMBDA_MAX = 0.3


@pytest.fixture(scope="module")
def data():
    return actbif.paper_data(n=100)


@pytest.fixture(scope="module")
def model(data):
    x, y = data
    return actbif.TwoLayer(x, y, width=WIDTH, train_output=True)


@pytest.fixture(scope="module")
def diagram(model):
    return model.diagram(lambda_max=LAMBDA_MAX)


def test_parameters_and_gradient(model, data):
    x, y = data
    d = x.shape[1]
    assert model.train_output and model.v is None
    assert model.n_params == WIDTH * (d + 1)
    rng = np.random.default_rng(1)
    th = 0.5 * rng.standard_normal(model.n_params)
    lam = 0.6
    # The loss by hand: θ = [vec(W) row-major, v], h(z) = (1 − λ)z + λ tanh z.
    w, v = th[: WIDTH * d].reshape(WIDTH, d), th[WIDTH * d:]
    z = x @ w.T
    f = ((1 - lam) * z + lam * np.tanh(z)) @ v
    loss = 0.5 * np.mean((f - y) ** 2) + 0.5 * model.alpha * (th @ th)
    assert model.loss(th, lam) == pytest.approx(loss, rel=1e-12)
    eps = 1e-6
    fd = np.array([(model.loss(th + eps * e, lam) - model.loss(th - eps * e, lam)) / (2 * eps)
                   for e in np.eye(model.n_params)])
    assert np.allclose(model.gradient(th, lam), fd, rtol=1e-6, atol=1e-9)


def test_diagram_matches_the_cli(diagram, data, cli_json):
    x, y = data
    cli = cli_json(
        ["diagram", "--train-output", "--width", WIDTH, "--lambda-max", LAMBDA_MAX], x, y
    )
    py = diagram.to_dict()
    assert py["start_manifold"] == cli["start_manifold"]
    assert py["selected_orbits"] == cli["selected_orbits"]
    assert [c["counts_by_index"] for c in py["census"]] == [
        c["counts_by_index"] for c in cli["census"]]
    assert len(py["branches"]) == len(cli["branches"])
    assert diagram.status == cli["status"]


def test_selected_orbits_from_the_model(diagram, model):
    orbits = diagram.selected_orbits
    assert orbits
    m = WIDTH
    sm = diagram.start_manifold
    assert sm["dimension"] == m - 1
    # χ(S^{m−1}) = 1 + (−1)^{m−1}; Σ size·(−1)^k over the orbits must equal it.
    chi = 1 + (-1) ** (m - 1)
    total = sum(o["size"] * (-1) ** o["morse_on_manifold"] for o in orbits)
    assert sm["euler_check"]["chi"] == chi
    assert total == chi == sm["euler_check"]["sum"] and sm["euler_check"]["complete"]
    losses = []
    for o in orbits:
        th = np.array(o["theta"])
        # A critical point at λ = 0 (a minimiser: the loss is the same on the whole sphere).
        assert np.linalg.norm(model.gradient(th, 0.0)) <= 1e-8
        assert np.linalg.eigvalsh(model.hessian(th, 0.0)).min() >= -1e-8
        losses.append(model.loss(th, 0.0))
        # F = ∂λL at λ = 0 by a central difference in λ.
        h = 1e-5
        f = (model.loss(th, h) - model.loss(th, -h)) / (2 * h)
        assert o["F"] == pytest.approx(f, rel=1e-6, abs=1e-12)
    assert np.ptp(losses) <= 1e-10 * max(1.0, abs(losses[0]))
    # Its branch starts at λ0 = 1e-3 at the critical point Newton (numpy, from the sphere
    # point) reaches there, with the reported loss and Morse index.
    lam0 = 1e-3
    by_id = {b["id"]: b for b in diagram.branches}
    for o in orbits:
        assert o["branch"] is not None
        th = np.array(o["theta"])
        for _ in range(50):
            g = model.gradient(th, lam0)
            if np.linalg.norm(g) <= 1e-12:
                break
            th = th - np.linalg.solve(model.hessian(th, lam0), g)
        assert np.linalg.norm(model.gradient(th, lam0)) <= 1e-10
        k = int((np.linalg.eigvalsh(model.hessian(th, lam0)) < 0).sum())
        assert k == o["morse_index"]
        b = by_id[o["branch"]]
        first = min(b["points"], key=lambda p: abs(p["lambda"] - lam0))
        assert first["lambda"] == pytest.approx(lam0, abs=1e-12)
        assert first["loss"] == pytest.approx(model.loss(th, lam0), rel=1e-10)
        assert first["morse_index"] == k


def test_trained_diagram_plots(diagram):
    pytest.importorskip("matplotlib")
    ax = diagram.plot()
    assert ax.get_xlabel() == "λ"


def test_trained_bad_input(data, model):
    x, y = data
    with pytest.raises(ValueError, match="v"):
        actbif.TwoLayer(x, y, width=2, train_output=True, v=np.ones(2))
    with pytest.raises(ValueError, match="α > 0"):
        actbif.TwoLayer(x, y, width=2, alpha=0.0, train_output=True)
    for call in (model.trace, model.start_point, model.coefficients):
        with pytest.raises(ValueError, match="train_output"):
            call()
    with pytest.raises(ValueError, match="starts"):
        model.diagram(starts=2)
    with pytest.raises(ValueError, match="points"):
        model.diagram(points=np.zeros(model.n_params))
