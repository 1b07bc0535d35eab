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


def test_diagram_checkpoint_resumes_to_the_uninterrupted_diagram(tmp_path):
    """Budgeted calls on one checkpoint, each continuing the last, end in the diagram of one
    uninterrupted call: the same branches (their ends and events in λ to 1e-8: both traces
    locate events to ≈ 1e-12) and the same census counts."""
    x, y = actbif.paper_data()
    model = actbif.TwoLayer(x, y, width=10)
    kw = dict(starts=5, census_at=[1.0])
    whole = model.diagram(**kw)
    path = tmp_path / "m10.json"
    for calls in range(1, 40):
        d = model.diagram(max_seconds=0.7, checkpoint=str(path), **kw)
        if d.status == "complete":
            break
        assert d.status == "time_budget_exhausted"
    assert d.status == "complete"
    assert calls > 1, "the budget never stopped a call: nothing was resumed"

    def ends(diagram):
        out = []
        for b in diagram.branches:
            lams = [p["lambda"] for p in b["points"]]
            out.append(
                (min(lams), max(lams), [e["lambda"] for e in b["events"]], b["origin"]["kind"])
            )
        return sorted(out, key=lambda t: (t[0], t[1]))

    a, b = ends(whole), ends(d)
    assert len(a) == len(b)
    for (lo1, hi1, ev1, k1), (lo2, hi2, ev2, k2) in zip(a, b):
        assert abs(lo1 - lo2) <= 1e-8 and abs(hi1 - hi2) <= 1e-8
        assert len(ev1) == len(ev2)
        assert all(abs(u - v) <= 1e-8 for u, v in zip(ev1, ev2))
    s1, s2 = whole.census_summary(1.0), d.census_summary(1.0)
    assert s1["euler_sum"] == s2["euler_sum"]
    assert len(whole.census(1.0)) == len(d.census(1.0))
    # A complete checkpoint is returned as it is; one of another run is refused.
    again = model.diagram(checkpoint=str(path), **kw)
    assert again.to_dict() == d.to_dict()
    with pytest.raises(ValueError, match="seed"):
        model.diagram(checkpoint=str(path), seed=7, **kw)


def test_diagram_checkpoint_bad_input(tmp_path):
    x, y = actbif.paper_data()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError):
        actbif.TwoLayer(x, y, width=3).diagram(checkpoint=str(bad))
    trained = actbif.TwoLayer(x, y, width=2, train_output=True)
    with pytest.raises(ValueError, match="checkpoint"):
        trained.diagram(checkpoint=str(tmp_path / "t.json"))
