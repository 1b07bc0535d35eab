"""actbif: exact bifurcation analysis of neural-network loss landscapes under the activation
homotopy h(z, λ) = (1 − λ)z + λσ(z).

The native module (``actbif._actbif``, Rust via PyO3) provides the model, its exact
derivatives, pseudo-arclength continuation and normal forms; this package re-exports it and
adds pandas/matplotlib helpers and Dask sweeps.

>>> import actbif
>>> x, y = actbif.paper_data()                    # the paper's teacher data (seed 77, N = 500)
>>> model = actbif.TwoLayer(x, y, width=10)       # α = 4e-3, tanh
>>> branch = model.trace(progress=False)
>>> ev = branch.events[0]
>>> ev.kind, round(ev.lambda_star, 4)
('fold', 0.7501)
"""

from ._actbif import (
    Branch,
    Coefficients,
    ContinuationError,
    Event,
    Mlp,
    TwoLayer,
    __version__,
    digits_data,
    paper_data,
)
from ._diagram import Diagram
from ._results import CoefficientsReport, FoldCurve, PhaseBoundary, check_derivatives
from ._sweep import run_config, sweep

__all__ = [
    "Branch",
    "Coefficients",
    "CoefficientsReport",
    "ContinuationError",
    "Diagram",
    "Event",
    "FoldCurve",
    "Mlp",
    "PhaseBoundary",
    "TwoLayer",
    "__version__",
    "check_derivatives",
    "digits_data",
    "paper_data",
    "run_config",
    "sweep",
]
