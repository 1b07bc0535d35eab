"""TwoLayer.fold_curve and TwoLayer.phase_boundary against the CLI's JSON for the same
settings and against independent λ-traces (a point of the fold curve is a fold of the λ-branch
at that α; α_c separates α with an interior event from α without)."""

import numpy as np
import pytest

import actbif

# n = 200, m = 2: an S-shaped λ-branch (folds at λ ≈ 0.80 and 0.47) whose fold curve in α
# has a cusp inside the default window [1e-4, 1e-1].
WIDTH = 2
WINDOW = (2e-3, 8e-3)


@pytest.fixture(scope="module")
def data():
    return actbif.paper_data(n=200)


@pytest.fixture(scope="module")
def curve(data):
    x, y = data
    return actbif.TwoLayer(x, y, width=WIDTH).fold_curve(p_min=WINDOW[0], p_max=WINDOW[1])


@pytest.fixture(scope="module")
def full_curve(data):
    x, y = data
    return actbif.TwoLayer(x, y, width=WIDTH).fold_curve()


def _without(d, *keys):
    return {k: v for k, v in d.items() if k not in keys}


def test_fold_curve_matches_the_cli(curve, data, cli_json):
    x, y = data
    cli = cli_json(
        ["fold-curve", "--width", WIDTH, "--p-min", WINDOW[0], "--p-max", WINDOW[1]], x, y
    )
    py = curve.to_dict()
    assert _without(py, "seconds", "setting") == _without(cli, "seconds", "setting")
    assert _without(py["setting"], "data") == _without(cli["setting"], "data")
    assert curve.status == cli["status"] == "complete"


def test_default_window_matches_the_cli(full_curve, data, cli_json):
    x, y = data
    cli = cli_json(["fold-curve", "--width", WIDTH], x, y)
    assert _without(full_curve.to_dict(), "seconds", "setting") == _without(
        cli, "seconds", "setting"
    )
    assert full_curve.window == ((0.0, 1.0), (1e-4, 1e-1))
    kinds = [e["kind"] for e in full_curve.events]
    assert "cusp" in kinds


def test_fold_curve_arrays_and_window(curve):
    n = len(curve)
    assert n >= 10
    for a in (curve.lambdas, curve.ps, curve.arclengths, curve.g_mu, curve.g_aa):
        assert a.shape == (n,) and a.dtype == np.float64
    lo, hi = WINDOW
    assert curve.window == ((0.0, 1.0), WINDOW)
    assert np.all((curve.ps >= lo * (1 - 1e-9)) & (curve.ps <= hi * (1 + 1e-9)))
    # Both directions leave the window: the exits lie on its p boundary.
    exits = [e for e in curve.events if e["kind"] == "leaves_window"]
    assert len(exits) == 2
    for e in exits:
        assert min(abs(e["p"] - lo), abs(e["p"] - hi)) <= 1e-9 * hi or e["lambda"] in (0.0, 1.0)
    lam0, p0 = curve.start
    assert p0 == pytest.approx(actbif.TwoLayer.paper(WIDTH).alpha)


@pytest.mark.parametrize("which", ["curve", "full_curve"])
def test_fold_curve_points_are_folds_of_the_lambda_branch(which, request, data):
    """Independent check: at α = p of a curve point, the λ-branch (ordinary continuation)
    has a fold at that point's λ."""
    curve = request.getfixturevalue(which)
    x, y = data
    order = np.argsort(curve.arclengths)
    picks = order[[len(order) // 5, len(order) // 2, (4 * len(order)) // 5]]
    cusps = [e["p"] for e in curve.events if e["kind"] == "cusp"]
    checked = 0
    for i in picks:
        lam, p = curve.lambdas[i], curve.ps[i]
        # Near a cusp the two folds are too close for a default λ-trace to resolve.
        if not 0.02 < lam < 0.98 or any(abs(p - c) < 0.2 * c for c in cusps):
            continue
        checked += 1
        b = actbif.TwoLayer(x, y, width=WIDTH, alpha=p).trace(progress=False)
        folds = [e.lambda_star for e in b.events if e.kind == "fold"]
        assert folds, f"no fold at α = {p}"
        assert min(abs(f - lam) for f in folds) <= 1e-6, (lam, folds)
    assert checked >= 2


def test_fold_curve_plot(curve):
    pytest.importorskip("matplotlib")
    ax = curve.plot()
    assert ax.get_yscale() == "log"
    assert len(ax.lines) >= 1


def test_fold_curve_bad_input(data):
    x, y = data
    m = actbif.TwoLayer(x, y, width=WIDTH)
    with pytest.raises(ValueError, match="beta"):
        m.fold_curve(param="beta")
    with pytest.raises(ValueError):
        m.fold_curve(p_min=1e-2, p_max=1e-3)
    with pytest.raises(ValueError, match="finite"):
        m.fold_curve(p_min=float("nan"))
    trained = actbif.TwoLayer(x, y, width=2, train_output=True)
    with pytest.raises(ValueError, match="train_output"):
        trained.fold_curve()
    with pytest.raises(ValueError, match="matrix-free"):
        m.fold_curve(solver="sparse")


def test_fold_curve_matrix_free_matches_the_dense_curve(curve, data):
    """The matrix-free backend's curve against the dense one: the same events (λ to 1e-9,
    α to 1e-12 relative: both are located to ≈ 1e-12 residual on a well-conditioned system
    at n = 4; measured 2e-11 / 1e-14 at m = 10) and the same status."""
    x, y = data
    free = actbif.TwoLayer(x, y, width=WIDTH).fold_curve(
        p_min=WINDOW[0], p_max=WINDOW[1], solver="matrix-free"
    )
    assert free.status == curve.status == "complete"
    assert [e["kind"] for e in free.events] == [e["kind"] for e in curve.events]
    for a, b in zip(free.events, curve.events):
        assert abs(a["lambda"] - b["lambda"]) <= 1e-9
        assert abs(a["p"] - b["p"]) <= 1e-12 * b["p"]


@pytest.fixture(scope="module")
def boundary():
    return actbif.TwoLayer.phase_boundary([3], per_decade=1)


def test_phase_boundary_matches_the_cli(boundary, cli_json):
    cli = cli_json(["phase-boundary", "--widths", "3", "--per-decade", "1"])
    py = boundary.to_dict()
    strip = lambda r: _without(r, "seconds")  # noqa: E731
    assert [strip(r) for r in py["rows"]] == [strip(r) for r in cli["rows"]]
    assert _without(py, "rows", "seconds") == _without(cli, "rows", "seconds")
    rows = boundary.rows
    assert list(rows["m"]) == [3]
    assert set(rows.columns) >= {"m", "alpha_c", "mechanism", "verified"}


def test_phase_boundary_separates_traces_with_and_without_events(boundary):
    """Independent check: λ-traces of the m = 3 paper model just below α_c have an interior
    event, just above none."""
    r = boundary.width(3)
    alpha_c = r["alpha_c"]
    assert alpha_c is not None and bool(boundary.rows["verified"][0])
    x, y = actbif.paper_data()

    def has_event(alpha):
        b = actbif.TwoLayer(x, y, width=3, alpha=alpha).trace(progress=False)
        return any(0.0 < e.lambda_star < 1.0 for e in b.events)

    assert has_event(alpha_c * (1 - 1e-3))
    assert not has_event(alpha_c * (1 + 1e-3))


def test_phase_boundary_plot(boundary):
    pytest.importorskip("matplotlib")
    ax = boundary.plot()
    xs, ys = ax.lines[0].get_data()
    assert xs[0] == 3 and ys[0] == pytest.approx(3 * boundary.width(3)["alpha_c"])


def test_phase_boundary_bad_input():
    with pytest.raises(ValueError, match="widths"):
        actbif.TwoLayer.phase_boundary([1])
    with pytest.raises(ValueError, match="widths"):
        actbif.TwoLayer.phase_boundary([-3])
    with pytest.raises(ValueError, match="per_decade"):
        actbif.TwoLayer.phase_boundary([3], per_decade=0)
    with pytest.raises(ValueError, match="widths"):
        actbif.TwoLayer.phase_boundary([])


def test_plots_without_matplotlib_raise_a_clear_import_error(curve, boundary, monkeypatch):
    """Branch.plot, Diagram.plot, FoldCurve.plot and PhaseBoundary.plot name the missing
    package."""
    import sys

    branch = actbif.TwoLayer.paper(2).trace(progress=False)
    x, y = actbif.paper_data(n=50)
    diagram = actbif.TwoLayer(x, y, width=2, v=np.array([1.0, 1.0])).diagram(lambda_max=0.2)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for obj in (branch, diagram, curve, boundary):
        with pytest.raises(ImportError, match="pip install matplotlib"):
            obj.plot()
