"""Type stubs of the native module (Rust, PyO3)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._diagram import Diagram
from ._results import CoefficientsReport, FoldCurve, PhaseBoundary

import numpy as np
import numpy.typing as npt

__version__: str

F64 = npt.NDArray[np.float64]

class ContinuationError(RuntimeError):
    """A continuation that did not reach the end of its λ window."""

    status: str
    """Why: "stalled", "step_budget_exhausted", "branch_jump", "no_convergence"."""
    branch: Optional["Branch"]
    """The part traced so far, when there is one."""

def paper_data(seed: int = 77, n: int = 500) -> Tuple[F64, F64]:
    """The paper's teacher data (x (n, 5), y (n,)); x bit-identical to numpy's legacy
    RandomState(seed).randn(n, 5)."""

def digits_data() -> Tuple[F64, F64]:
    """The 8 × 8 handwritten digits (UCI, as shipped by scikit-learn): x (1797, 64) with each
    pixel standardised, y the standardised digit value."""

class TwoLayer:
    """f(x) = Σ_j v_j h(w_jᵀx, λ), L = ½E[(f − y)²] + α/2‖W‖², θ = vec(W) row-major."""

    def __init__(
        self,
        x: F64,
        y: F64,
        width: int,
        alpha: float = 4e-3,
        activation: str = "tanh",
        v: Optional[F64] = None,
        train_output: bool = False,
    ) -> None:
        """train_output=True trains v too (θ = [vec(W), v], α > 0, no v); then only the
        derivatives and ``diagram`` apply (the λ = 0 minimisers form a sphere)."""
    @staticmethod
    def paper(width: int) -> "TwoLayer":
        """The paper's Appendix B model (d = 5, N = 500, seed 77, α = 4e-3, tanh)."""
    @staticmethod
    def phase_boundary(widths: Sequence[int], per_decade: int = 20) -> "PhaseBoundary":
        """The exact phase boundary α_c(m) of the paper's model at each width ≥ 2 (see
        ``actbif phase-boundary``)."""
    @property
    def width(self) -> int: ...
    @property
    def input_dim(self) -> int: ...
    @property
    def n_params(self) -> int: ...
    @property
    def alpha(self) -> float: ...
    @property
    def activation(self) -> str: ...
    @property
    def train_output(self) -> bool: ...
    @property
    def v(self) -> Optional[F64]:
        """The fixed output weights; None with train_output=True."""
    def start_point(self) -> F64:
        """The λ = 0 minimum W0 as θ."""
    def diagram(
        self,
        starts: int = 0,
        starts_at: Optional[float] = None,
        deflation_at: Optional[Sequence[float]] = None,
        deflation_starts: int = 20,
        points: Optional[Any] = None,
        census_at: Optional[Sequence[float]] = None,
        lambda_min: float = 0.0,
        lambda_max: float = 1.0,
        max_seconds: Optional[float] = None,
        max_branches: int = 500,
        switch: bool = True,
        all_orbit_members: bool = False,
        seed: int = 1,
        test_x: Optional[Any] = None,
        test_y: Optional[Any] = None,
        checkpoint: Optional[str] = None,
    ) -> "Diagram":
        """The whole bifurcation diagram (see ``actbif diagram``); with train_output=True the
        branches from the λ = 0 sphere (``.start_manifold``, ``.selected_orbits``; starts,
        deflation_at, points and checkpoint are not supported). ``checkpoint``: a JSON path
        written after every branch; a later call with the same settings (max_seconds and
        max_branches may differ) continues it, or returns it when complete."""
    def fold_curve(
        self,
        param: str = "alpha",
        p_min: Optional[float] = None,
        p_max: Optional[float] = None,
        solver: str = "auto",
    ) -> "FoldCurve":
        """The fold curve in (λ, p) through the first fold of the λ-branch (see ``actbif
        fold-curve``); default window p ∈ [1e-4, 1e-1]; solver "auto", "dense" or
        "matrix-free"."""
    def coefficients(
        self, event: int = 0, method: str = "exact", progress: bool = False
    ) -> "CoefficientsReport":
        """The Lyapunov–Schmidt coefficients at an event of the branch traced by ``method``
        ("exact" or "paper"), checked against the branch (see ``actbif coefficients``)."""
    def trace(
        self,
        lambda_max: float = 1.0,
        solver: str = "auto",
        progress: bool = True,
        raise_on_failure: bool = True,
        max_steps: Optional[int] = None,
        max_seconds: Optional[float] = None,
    ) -> "Branch":
        """The critical branch from the λ = 0 minimum (pseudo-arclength continuation).
        solver: "auto", "dense" or "matrix-free". Raises ContinuationError on a stalled, interrupted or
        budget-limited trace (max_steps / max_seconds); ValueError when the λ = 0 minimum is
        not isolated (α = 0 with m ≥ 2)."""
    def loss(self, theta: F64, lam: float) -> float: ...
    def gradient(self, theta: F64, lam: float) -> F64: ...
    def hessian(self, theta: F64, lam: float) -> F64: ...
    def hvp(self, theta: F64, lam: float, u: F64) -> F64: ...
    def grad_lambda(self, theta: F64, lam: float) -> F64: ...
    def d3(self, theta: F64, lam: float, u: F64) -> float:
        """D³L[u, u, u]."""
    def d3_vec(self, theta: F64, lam: float, u: F64) -> F64:
        """D³L[u, u, ·]."""
    def d4(self, theta: F64, lam: float, u: F64) -> float:
        """D⁴L[u, u, u, u]."""

class Mlp:
    """A fully connected network [d, n_1, …, 1] with h(·, λ) at every hidden layer, MSE plus
    α/2‖θ‖² on the trained layers; θ stacks the trained W_l (n_{l+1} × n_l) row-major in
    ascending l. Derivatives by one reverse pass with dual numbers riding on it."""

    def __init__(
        self,
        x: F64,
        y: F64,
        layers: List[int],
        trained: List[int] | str = [0],  # or "all"
        alpha: float = 4e-3,
        activation: str = "tanh",
        weights: Optional[List[F64]] = None,
    ) -> None: ...
    @property
    def layers(self) -> List[int]: ...
    @property
    def trained(self) -> List[int]: ...
    @property
    def n_params(self) -> int: ...
    @property
    def alpha(self) -> float: ...
    @property
    def activation(self) -> str: ...
    def layer_weights(self, theta: F64, layer: int) -> F64:
        """W_layer at θ (the slice of θ for a trained layer, else the frozen weights)."""
    def start_point(self) -> F64:
        """The λ = 0 minimum (one trained layer only; ValueError otherwise)."""
    def trace(
        self,
        lambda_max: float = 1.0,
        solver: str = "auto",
        progress: bool = True,
        raise_on_failure: bool = True,
        max_steps: Optional[int] = None,
        max_seconds: Optional[float] = None,
        theta0: Optional[F64] = None,
        lambda0: float = 0.0,
    ) -> "Branch":
        """The critical branch from the λ = 0 minimum, or from theta0 at lambda0 (needed with
        several trained layers); errors as TwoLayer.trace."""
    def loss(self, theta: F64, lam: float) -> float: ...
    def gradient(self, theta: F64, lam: float) -> F64: ...
    def hessian(self, theta: F64, lam: float) -> F64: ...
    def hvp(self, theta: F64, lam: float, u: F64) -> F64: ...
    def grad_lambda(self, theta: F64, lam: float) -> F64: ...
    def d3(self, theta: F64, lam: float, u: F64) -> float: ...
    def d3_vec(self, theta: F64, lam: float, u: F64) -> F64: ...
    def d4(self, theta: F64, lam: float, u: F64) -> float: ...

class Event:
    @property
    def kind(self) -> str:
        """"fold", "branch_point", "morse_change" or "eigenvalue_crossing"."""
    @property
    def lambda_star(self) -> float: ...
    @property
    def residual(self) -> float: ...
    @property
    def kernel(self) -> F64: ...
    @property
    def theta(self) -> F64: ...
    @property
    def eigenvalues(self) -> F64: ...
    @property
    def morse_before(self) -> int: ...
    @property
    def morse_after(self) -> int: ...
    @property
    def arclength(self) -> float: ...
    @property
    def located(self) -> bool: ...

class Coefficients:
    @property
    def lambda_star(self) -> float: ...
    @property
    def g_mu(self) -> float: ...
    @property
    def g_amu(self) -> float: ...
    @property
    def g_aa(self) -> float: ...
    @property
    def g_aaa_raw(self) -> float: ...
    @property
    def g_aaa_corrected(self) -> float: ...
    @property
    def ratio_aa_aaa(self) -> float: ...
    @property
    def classification(self) -> str: ...
    @property
    def criteria(self) -> str: ...
    @property
    def eigenvalues(self) -> Tuple[float, float]: ...
    @property
    def terms(self) -> Dict[str, Dict[str, float]]: ...
    @property
    def phi(self) -> F64: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def to_json(self) -> str: ...

class Branch:
    @property
    def lambdas(self) -> F64: ...
    @property
    def thetas(self) -> F64: ...
    @property
    def eigenvalues(self) -> F64: ...
    @property
    def grad_norms(self) -> F64: ...
    @property
    def losses(self) -> F64: ...
    @property
    def arclengths(self) -> F64: ...
    @property
    def tangent_lambdas(self) -> F64: ...
    @property
    def morse_index(self) -> npt.NDArray[np.int64]: ...
    @property
    def events(self) -> List[Event]: ...
    @property
    def status(self) -> str: ...
    @property
    def status_detail(self) -> Optional[str]: ...
    @property
    def max_grad_norm(self) -> float: ...
    @property
    def lambda_max(self) -> float: ...
    def __len__(self) -> int: ...
    def coefficients(self, i: int) -> Coefficients: ...
    def to_json(self, indent: Optional[int] = None) -> str: ...
    def to_pandas(self) -> Any: ...
    def plot(self, ax: Any = None, n_eigenvalues: int = 3) -> Any: ...

def check_derivatives_json(
    model: Union[TwoLayer, Mlp],
    lam: float = 0.5,
    seed: int = 0,
    theta: Optional[F64] = None,
    u: Optional[F64] = None,
) -> str:
    """The JSON of ``actbif check-derivatives --json`` (``--model mlp`` for an Mlp) on
    ``model`` (see ``actbif.check_derivatives``)."""
def run_config(config_json: str) -> Tuple[str, Optional[str]]: ...
def expand_grid(grid_json: str) -> str: ...
def config_id(config_json: str) -> str: ...
def finished_rows(out_dir: str) -> str: ...
