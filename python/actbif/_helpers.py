"""Pure-Python helpers behind ``Branch.to_pandas`` and ``Branch.plot``."""

from __future__ import annotations

from typing import Any, Optional


def branch_to_pandas(branch: Any) -> Any:
    """One row per point: lambda, loss, grad_norm, morse_index, arclength, tangent_lambda,
    eig_0, eig_1, ... (the smallest Hessian eigenvalues, ascending)."""
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("Branch.to_pandas needs pandas: pip install pandas") from e
    cols = {
        "lambda": branch.lambdas,
        "loss": branch.losses,
        "grad_norm": branch.grad_norms,
        "morse_index": branch.morse_index,
        "arclength": branch.arclengths,
        "tangent_lambda": branch.tangent_lambdas,
    }
    eig = branch.eigenvalues
    for k in range(eig.shape[1]):
        cols[f"eig_{k}"] = eig[:, k]
    return pd.DataFrame(cols)


def plot_branch(branch: Any, ax: Optional[Any] = None, n_eigenvalues: int = 3) -> Any:
    """The smallest Hessian eigenvalues against λ along the branch, events marked."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(
            "Branch.plot needs matplotlib, which is not installed: pip install matplotlib"
        ) from e
    if ax is None:
        _, ax = plt.subplots()
    lam = branch.lambdas
    eig = branch.eigenvalues
    for k in range(min(n_eigenvalues, eig.shape[1])):
        ax.plot(lam, eig[:, k], lw=1.2, label=f"λ{k + 1}")
    ax.axhline(0.0, color="k", lw=0.6)
    for ev in branch.events:
        ax.axvline(ev.lambda_star, color="r", ls="--", lw=0.8)
        ax.annotate(ev.kind, (ev.lambda_star, 0.0), rotation=90, va="bottom", fontsize=8)
    ax.set_xlabel("λ")
    ax.set_ylabel("smallest Hessian eigenvalues")
    ax.set_title(f"{len(branch)} points, status {branch.status}")
    ax.legend()
    return ax
