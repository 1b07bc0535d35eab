"""TwoLayer.diagram: the B.4 pitchfork diagram from Python, its census as a DataFrame, and
bad input as ValueError."""

import numpy as np
import pytest

import actbif


def _toy():
    """The paper's data with two equal units (Z2 symmetry): branch points on the symmetric
    branch and seven critical points at λ = 1."""
    x, y = actbif.paper_data()
    return actbif.TwoLayer(x, y, width=2, v=np.array([1.0, 1.0]))


def test_diagram_census_is_a_dataframe_checked_by_morse():
    model = _toy()
    d = model.diagram(census_at=[1.0])
    assert d.status == "complete"
    assert d.branches[0]["origin"]["kind"] == "lambda0"
    c = d.census(1.0)
    s = d.census_summary(1.0)
    # Independent checks: every census point is critical (the model's own gradient) and the
    # Morse sum is recomputed from the rows, not read off the summary.
    for theta in c["theta"]:
        assert np.linalg.norm(model.gradient(np.array(theta), 1.0)) <= 1e-10
    counts = {}
    for k, size in zip(c["morse_index"], c["orbit_size"]):
        counts[k] = counts.get(k, 0) + size
    euler = sum((-1) ** k * n for k, n in counts.items())
    assert euler == s["euler_sum"]
    assert s["complete_by_morse"] == (euler == 1)
    # The Hessian's own eigenvalues give each row's Morse index.
    for theta, k in zip(c["theta"], c["morse_index"]):
        ev = np.linalg.eigvalsh(model.hessian(np.array(theta), 1.0))
        assert int((ev < 0).sum()) == k
    with pytest.raises(KeyError):
        d.census(0.5)


def test_deflation_from_python_finds_points_off_the_start_branch():
    model = _toy()
    d = model.diagram(switch=False, deflation_at=[1.0])
    kinds = [b["origin"]["kind"] for b in d.branches]
    assert kinds[0] == "lambda0" and "deflation" in kinds
    # Deflation without switching and switching without deflation: independent routes to
    # the same census at λ = 1.
    sw = model.diagram()
    assert d.census_summary(1.0)["counts_by_index"] == sw.census_summary(1.0)["counts_by_index"]
    ev = sw.events()
    assert set(ev.columns) >= {"branch", "kind", "lambda", "kernel_dim"}
    assert (ev["kind"] == "branch_point").any()


def test_diagram_bad_input_is_a_value_error():
    model = _toy()
    with pytest.raises(ValueError, match="census_at"):
        model.diagram(census_at=[1.5])
    with pytest.raises(ValueError, match="user point"):
        model.diagram(points=np.zeros(3))
    with pytest.raises(ValueError):
        model.diagram(test_x=np.zeros((3, 1)))
