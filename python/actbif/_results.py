"""Pure-Python wrappers of the JSON reports the CLI writes, returned by ``TwoLayer.fold_curve``
(``FoldCurve``), ``TwoLayer.phase_boundary`` (``PhaseBoundary``), ``TwoLayer.coefficients``
(``CoefficientsReport``), and ``actbif.check_derivatives`` (a pandas DataFrame).

Each wrapper keeps the parsed JSON (``to_dict()``, ``to_json()``: the same shape as the
corresponding ``actbif`` subcommand writes, see docs/schema.md) and exposes its parts as
attributes, numpy arrays and DataFrames.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import numpy as np


class _Report:
    """A JSON report: ``to_dict()`` and ``to_json()``."""

    def __init__(self, text: str) -> None:
        self._raw: Dict[str, Any] = json.loads(text)

    def to_dict(self) -> Dict[str, Any]:
        """The report as a dict (a copy)."""
        return json.loads(json.dumps(self._raw))

    def to_json(self, indent: Optional[int] = None) -> str:
        """The report as JSON (the shape of the corresponding ``actbif`` subcommand)."""
        return json.dumps(self._raw, indent=indent)


def _column(rows: List[Dict[str, Any]], key: str) -> np.ndarray:
    return np.array([r[key] for r in rows], dtype=np.float64)


class FoldCurve(_Report):
    """The fold curve in (λ, p) through the first fold of a λ-branch (``actbif fold-curve``).

    ``lambdas``, ``ps``: the curve's points in order along it (signed ``arclengths``, negative
    on the decreasing-p side); ``events``: cusps, g_µ = 0 points and window exits (dicts as in
    the JSON); ``status``: ``complete`` when both directions left the window or the curve
    closed.

    >>> import actbif
    >>> x, y = actbif.paper_data(n=200)
    >>> c = actbif.TwoLayer(x, y, width=2).fold_curve(p_min=2e-3, p_max=8e-3)
    >>> c.status, c.parameter, [e["kind"] for e in c.events]
    ('complete', 'alpha', ['leaves_window', 'leaves_window'])
    >>> bool(((c.ps >= 2e-3 * (1 - 1e-9)) & (c.ps <= 8e-3 * (1 + 1e-9))).all())
    True
    """

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the computation."""
        return self._raw["seconds"]

    @property
    def parameter(self) -> str:
        """Name of p (``alpha``)."""
        return self._raw["parameter"]

    @property
    def status(self) -> str:
        """``complete`` or ``incomplete``."""
        return self._raw["status"]

    @property
    def start(self) -> tuple:
        """(λ, p) of the λ-branch's fold the curve starts from."""
        return tuple(self._raw["start"])

    @property
    def window(self) -> tuple:
        """((λ_min, λ_max), (p_min, p_max))."""
        return tuple(tuple(w) for w in self._raw["window"])

    @property
    def points(self) -> List[Dict[str, Any]]:
        """Every point as in the JSON (lambda, p, kernel_eigenvalue, g_mu, g_aa, ...)."""
        return self._raw["points"]

    @property
    def lambdas(self) -> np.ndarray:
        """λ at each point."""
        return _column(self.points, "lambda")

    @property
    def ps(self) -> np.ndarray:
        """p at each point."""
        return _column(self.points, "p")

    @property
    def arclengths(self) -> np.ndarray:
        """Signed arclength from the start at each point."""
        return _column(self.points, "arclength")

    @property
    def g_mu(self) -> np.ndarray:
        """g_µ = φᵀ∂λ∇L at each point (φ oriented continuously along the curve)."""
        return _column(self.points, "g_mu")

    @property
    def g_aa(self) -> np.ndarray:
        """g_aa = D³L[φ, φ, φ] at each point."""
        return _column(self.points, "g_aa")

    @property
    def events(self) -> List[Dict[str, Any]]:
        """Cusps, g_µ = 0 points and window exits, in order along the curve."""
        return self._raw["events"]

    @property
    def ends(self) -> List[tuple]:
        """How each direction ended: (direction, end)."""
        return [tuple(e) for e in self._raw["ends"]]

    def to_pandas(self) -> Any:
        """One row per point (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.points)

    def plot(self, ax: Optional[Any] = None) -> Any:
        """p against λ along the curve (log p), events marked; returns the matplotlib Axes."""
        ax = _axes(ax, "FoldCurve.plot")
        ax.plot(self.lambdas, self.ps, lw=1.2)
        for e in self.events:
            ax.plot([e["lambda"]], [e["p"]], "o", ms=4)
            ax.annotate(e["kind"], (e["lambda"], e["p"]), fontsize=8)
        ax.set_yscale("log")
        ax.set_xlabel("λ")
        ax.set_ylabel(self.parameter)
        ax.set_title(f"fold curve, {len(self.points)} points, status {self.status}")
        return ax

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        return (
            f"FoldCurve({len(self.points)} points, {len(self.events)} events, "
            f"status={self.status!r})"
        )


class PhaseBoundary(_Report):
    """The exact phase boundary α_c(m) of the paper's model (``actbif phase-boundary``).

    ``rows``: one row per width (DataFrame: m, alpha_c, mechanism, lambda_at_boundary,
    verified, alpha_c_first_order, n_ranges, seconds); ``width(m)``: that width's full row
    (ranges, scan) as in the JSON.

    >>> import actbif
    >>> pb = actbif.TwoLayer.phase_boundary([3], per_decade=1)
    >>> list(pb.rows.columns[:4])
    ['m', 'alpha_c', 'mechanism', 'lambda_at_boundary']
    >>> int(pb.rows["m"][0]), pb.alpha_window
    (3, (0.0001, 0.1))
    """

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the computation."""
        return self._raw["seconds"]

    @property
    def alpha_window(self) -> tuple:
        """The scanned α window."""
        return tuple(self._raw["alpha_window"])

    @property
    def per_decade(self) -> int:
        """Scan points per decade of α."""
        return self._raw["per_decade"]

    @property
    def verify_rel(self) -> float:
        """Relative offset of the verification traces."""
        return self._raw["verify_rel"]

    @property
    def paper_k(self) -> float:
        """The paper's K (α·m* = |K|)."""
        return self._raw["paper_k"]

    @property
    def widths(self) -> List[int]:
        """The widths, in order."""
        return [r["m"] for r in self._raw["rows"]]

    def width(self, m: int) -> Dict[str, Any]:
        """The row of width ``m`` as in the JSON (ranges, scan, ...); KeyError if absent."""
        for r in self._raw["rows"]:
            if r["m"] == m:
                return r
        raise KeyError(f"no width {m}; computed: {self.widths}")

    @property
    def rows(self) -> Any:
        """One row per width as a DataFrame (needs pandas); α_c is NaN without events."""
        import pandas as pd

        cols = ["m", "alpha_c", "mechanism", "lambda_at_boundary", "verified",
                "alpha_c_first_order", "n_ranges", "seconds"]
        rows = [
            {
                "m": r["m"],
                "alpha_c": np.nan if r["alpha_c"] is None else r["alpha_c"],
                "mechanism": r["mechanism"],
                "lambda_at_boundary": (
                    np.nan if r["lambda_at_boundary"] is None else r["lambda_at_boundary"]
                ),
                "verified": r["verified"],
                "alpha_c_first_order": (
                    np.nan if r["alpha_c_first_order"] is None else r["alpha_c_first_order"]
                ),
                "n_ranges": len(r["ranges"]),
                "seconds": r["seconds"],
            }
            for r in self._raw["rows"]
        ]
        return pd.DataFrame(rows, columns=cols)

    def plot(self, ax: Optional[Any] = None) -> Any:
        """α_c·m against m (verified boundaries filled, others open), with the paper's |K|
        as a line; returns the matplotlib Axes."""
        ax = _axes(ax, "PhaseBoundary.plot")
        for r in self._raw["rows"]:
            if r["alpha_c"] is None:
                continue
            fill = "C0" if r["verified"] else "none"
            ax.plot([r["m"]], [r["alpha_c"] * r["m"]], "o", mec="C0", mfc=fill)
        ax.axhline(abs(self.paper_k), color="0.5", ls="--", lw=0.8, label="|K| (paper)")
        ax.set_xlabel("m")
        ax.set_ylabel("α_c · m")
        ax.set_title(f"phase boundary, {self.per_decade} α per decade")
        ax.legend()
        return ax

    def __repr__(self) -> str:
        return f"PhaseBoundary(widths={self.widths}, per_decade={self.per_decade})"


class CoefficientsReport(_Report):
    """The Lyapunov–Schmidt coefficients at an event of a traced branch, with the normal form
    checked against the branch (``actbif coefficients``).

    The coefficients are attributes (``lambda_star``, ``g_mu``, ``g_amu``, ``g_aa``,
    ``g_aaa_raw``, ``g_aaa_corrected``, ``ratio_aa_aaa``, ``classification``); ``event`` and
    ``branch_check`` are the JSON's dicts (``branch_check`` has ``error`` when it could not be
    made); ``phi``, ``theta``: numpy arrays.

    >>> import actbif
    >>> r = actbif.TwoLayer.paper(10).coefficients(0)
    >>> r.method, r.classification, round(r.lambda_star, 4)
    ('exact', 'fold', 0.7501)
    """

    def _get(self, key: str) -> Any:
        return self._raw[key]

    method = property(lambda self: self._get("method"), doc="``exact`` or ``paper``.")
    event_index = property(lambda self: self._get("event_index"), doc="Index of the event.")
    event = property(lambda self: self._get("event"), doc="The event as in the JSON.")
    lambda_star = property(lambda self: self._get("lambda_star"), doc="λ*.")
    eig_ratio = property(lambda self: self._get("eig_ratio"), doc="|λ1 / λ2| at the event.")
    g_mu = property(lambda self: self._get("g_mu"), doc="g_µ = φᵀ∂λ∇L.")
    g_amu = property(lambda self: self._get("g_amu"), doc="g_aµ.")
    g_aa = property(lambda self: self._get("g_aa")["ad"], doc="g_aa = D³L[φ³] (exact AD).")
    g_aaa_raw = property(lambda self: self._get("g_aaa")["ad"], doc="D⁴L[φ⁴] (exact AD).")
    g_aaa_corrected = property(
        lambda self: self._get("g_aaa_reduced"), doc="D⁴L[φ⁴] + 3D³L[φ, φ, ψ20]."
    )
    ratio_aa_aaa = property(lambda self: self._get("ratio_aa_aaa"), doc="|g_aa / g_aaa|.")
    classification = property(
        lambda self: self._get("classification"),
        doc="fold, transcritical, pitchfork or degenerate.",
    )
    criteria = property(lambda self: self._get("criteria"), doc="The criteria, in words.")
    branch_check = property(
        lambda self: self._get("branch_check"),
        doc="Normal form against the traced branch (or ``{'error': ...}``).",
    )
    setting = property(lambda self: self._get("setting"), doc="The model setting.")

    @property
    def eigenvalues(self) -> tuple:
        """(λ1, λ2): the Hessian eigenvalue nearest 0 and the next."""
        return (self._raw["lambda1"], self._raw["lambda2"])

    @property
    def phi(self) -> np.ndarray:
        """The kernel vector φ used."""
        return np.array(self._raw["phi"], dtype=np.float64)

    @property
    def theta(self) -> np.ndarray:
        """θ* of the event."""
        return np.array(self._raw["event"]["theta"], dtype=np.float64)

    def __repr__(self) -> str:
        return (
            f"CoefficientsReport(method={self.method!r}, event={self.event_index}, "
            f"lambda_star={self.lambda_star}, classification={self.classification!r})"
        )


def check_derivatives(
    model: Any,
    lam: float = 0.5,
    seed: int = 0,
    theta: Optional[np.ndarray] = None,
    u: Optional[np.ndarray] = None,
) -> Any:
    """The derivative cross-check of ``actbif check-derivatives`` on ``model`` (an
    ``actbif.TwoLayer`` with fixed output weights, or an ``actbif.Mlp`` as ``--model mlp``,
    any ``trained`` layers) at λ = ``lam``, as a pandas DataFrame: one row per quantity,
    columns ``ad`` (structured vs generic AD), ``closed_form`` (vs the paper's closed forms;
    all NaN for an Mlp, which has none) and ``fd`` (vs finite differences), each a relative
    error (NaN where not compared). θ and the unit direction u are drawn from ``seed`` exactly
    as the CLI draws them unless given. ``df.attrs`` holds ``max_rel_err_exact``, ``skipped``,
    ``lambda`` and ``dim``, plus ``width`` (TwoLayer) or ``layers`` and ``trained`` (Mlp).

    >>> import actbif
    >>> x, y = actbif.paper_data(n=100)
    >>> df = actbif.check_derivatives(actbif.TwoLayer(x, y, width=3))
    >>> bool(df.loc["gradient", "ad"] < 1e-12), df.attrs["max_rel_err_exact"] < 1e-10
    (True, True)
    >>> df = actbif.check_derivatives(actbif.Mlp(x, y, layers=[5, 3, 1], trained="all"))
    >>> bool(df["ad"].max() < 1e-10), bool(df["closed_form"].isna().all())
    (True, True)
    """
    import pandas as pd

    from . import _actbif

    if not isinstance(model, (_actbif.TwoLayer, _actbif.Mlp)):
        raise TypeError(
            f"check_derivatives takes an actbif.TwoLayer or actbif.Mlp, got {type(model).__name__}"
        )
    c = json.loads(_actbif.check_derivatives_json(model, lam, seed, theta, u))
    parts = {
        "ad": c["ad_rel_err"],
        "closed_form": c.get("closed_form_rel_err", {}),
        "fd": c["fd_rel_err"],
    }
    names = sorted(set().union(*parts.values()))
    df = pd.DataFrame(
        {k: [v.get(q, np.nan) for q in names] for k, v in parts.items()},
        index=pd.Index(names, name="quantity"),
    )
    for key in ("skipped", "lambda"):
        df.attrs[key] = c[key]
    if "setting" in c:  # Mlp: the exact comparison is against generic AD only
        s = c["setting"]
        ad = list(c["ad_rel_err"].values())
        df.attrs["max_rel_err_exact"] = max(ad) if ad else float("nan")
        df.attrs["dim"] = s["n_params"]
        df.attrs["layers"] = s["layers"]
        df.attrs["trained"] = s["trained"]
    else:
        for key in ("max_rel_err_exact", "width", "dim"):
            df.attrs[key] = c[key]
    return df


def _axes(ax: Optional[Any], what: str) -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(f"{what} needs matplotlib, which is not installed: "
                          "pip install matplotlib") from e
    if ax is None:
        _, ax = plt.subplots()
    return ax
