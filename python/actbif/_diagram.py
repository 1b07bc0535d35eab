"""``actbif.Diagram``: a whole bifurcation diagram (the JSON of ``actbif diagram``) with its
branches and per-λ censuses as pandas DataFrames."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional


class Diagram:
    """The result of ``TwoLayer.diagram(...)``.

    ``branches``: one dict per branch (``id``, ``origin``, ``points``, ``events``, ``status``,
    ``ends``, ``birth_lambda``, ``orbit``, …) exactly as in the JSON; ``census(lam)``: the
    critical points at a census λ as a DataFrame; ``status``, ``seeds``, ``symmetry``.

    >>> import actbif
    >>> x, y = actbif.paper_data()
    >>> import numpy as np
    >>> m = actbif.TwoLayer(x, y, width=2, v=np.array([1.0, 1.0]))
    >>> d = m.diagram(census_at=[1.0])
    >>> d.status
    'complete'
    >>> c = d.census(1.0)
    >>> list(c.columns[:4])
    ['branch', 'morse_index', 'orbit_size', 'loss']
    """

    def __init__(self, text: str) -> None:
        self._raw: Dict[str, Any] = json.loads(text)

    @property
    def status(self) -> str:
        """``complete``, or why the run stopped early (``time_budget_exhausted``, …)."""
        return self._raw["status"]

    @property
    def branches(self) -> List[Dict[str, Any]]:
        """Every branch, as in the JSON."""
        return self._raw["branches"]

    @property
    def seeds(self) -> List[Dict[str, Any]]:
        """Every seed from training, deflation and the user, with its outcome."""
        return self._raw["seeds"]

    @property
    def symmetry(self) -> str:
        """The symmetry group used to recognise orbits."""
        return self._raw["symmetry"]

    @property
    def start_manifold(self) -> Optional[Dict[str, Any]]:
        """Both layers trained (``TwoLayer(..., train_output=True)``): the λ = 0 critical
        manifold, a sphere: ``dimension`` (m − 1), ``kernel_dim_at_lambda0`` (equal to the
        dimension when the sphere is non-degenerate) and ``euler_check`` (``sum`` of
        (−1)^morse_on_manifold over the selected orbits with their sizes, the sphere's ``chi``,
        ``complete``). None for fixed output weights.

        >>> import actbif
        >>> x, y = actbif.paper_data(n=100)
        >>> d = actbif.TwoLayer(x, y, width=2, train_output=True).diagram(lambda_max=0.3)
        >>> d.start_manifold["dimension"], d.start_manifold["euler_check"]["complete"]
        (1, True)
        """
        return self._raw.get("start_manifold")

    @property
    def selected_orbits(self) -> Optional[List[Dict[str, Any]]]:
        """Both layers trained: the points of the λ = 0 sphere that continue into λ > 0, one
        dict per orbit (``size``, ``active_units``, ``F`` = ∂λL there, ``morse_on_manifold``,
        ``morse_index`` in the full space at the first λ, ``theta`` on the sphere, ``branch``:
        the id of the branch it starts, None when Newton did not converge from it). None for
        fixed output weights."""
        return self._raw.get("selected_orbits")

    @property
    def census_lambdas(self) -> List[float]:
        """λ values with a census."""
        return [c["lambda"] for c in self._raw["census"]]

    def census_summary(self, lam: float) -> Dict[str, Any]:
        """Counts of the census at ``lam``: ``counts_by_index``, ``total``, ``euler_sum``,
        ``complete_by_morse``."""
        c = self._find(lam)
        keys = ("lambda", "counts_by_index", "total", "parity", "euler_sum", "complete_by_morse")
        return {k: c[k] for k in keys}

    def census(self, lam: float) -> Any:
        """The census at ``lam`` as a DataFrame: one row per orbit of critical points
        (``branch``, ``morse_index``, ``orbit_size``, ``loss``, ``test_loss``, ``grad_norm``,
        ``birth_lambda``, ``theta``). KeyError when no census was computed at ``lam``."""
        import pandas as pd

        rows = [
            {
                "branch": p["branch"],
                "morse_index": p["morse_index"],
                "orbit_size": p["orbit_size"],
                "loss": p["loss"],
                "test_loss": p.get("test_loss"),
                "grad_norm": p["grad_norm"],
                "birth_lambda": p.get("birth_lambda"),
                "theta": p["theta"],
            }
            for p in self._find(lam)["points"]
        ]
        cols = ["branch", "morse_index", "orbit_size", "loss", "test_loss", "grad_norm",
                "birth_lambda", "theta"]
        return pd.DataFrame(rows, columns=cols)

    def events(self) -> Any:
        """Every event of every branch as a DataFrame (``branch``, ``kind``, ``lambda``,
        ``kernel_dim``, ``morse_before``, ``morse_after``, ``switched_branches``,
        ``switch_status``)."""
        import pandas as pd

        rows = [
            {
                "branch": b["id"],
                "kind": e["kind"],
                "lambda": e["lambda"],
                "kernel_dim": e["kernel_dim"],
                "morse_before": e["morse_before"],
                "morse_after": e["morse_after"],
                "switched_branches": e["switched_branches"],
                "switch_status": e["switch_status"],
            }
            for b in self.branches
            for e in b["events"]
        ]
        cols = ["branch", "kind", "lambda", "kernel_dim", "morse_before", "morse_after",
                "switched_branches", "switch_status"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> Dict[str, Any]:
        """The diagram as a dict (a copy of the parsed JSON)."""
        return json.loads(json.dumps(self._raw))

    def to_json(self) -> str:
        """The diagram's JSON (the same shape as ``actbif diagram --out``)."""
        return json.dumps(self._raw)

    def plot(self, ax: Optional[Any] = None) -> Any:
        """Loss against λ for every branch, points coloured by Morse index (needs matplotlib);
        returns the matplotlib Axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as e:
            raise ImportError(
                "Diagram.plot needs matplotlib, which is not installed: pip install matplotlib"
            ) from e
        if ax is None:
            _, ax = plt.subplots()
        kmax = max((p["morse_index"] for b in self.branches for p in b["points"]), default=0)
        cmap = plt.get_cmap("viridis", kmax + 1)
        for b in self.branches:
            lam = [p["lambda"] for p in b["points"]]
            loss = [p["loss"] for p in b["points"]]
            idx = [p["morse_index"] for p in b["points"]]
            ax.plot(lam, loss, color="0.8", lw=0.6, zorder=1)
            ax.scatter(lam, loss, c=idx, cmap=cmap, vmin=-0.5, vmax=kmax + 0.5, s=4, zorder=2)
        ax.set_xlabel("λ")
        ax.set_ylabel("loss")
        ax.set_title(f"{len(self.branches)} branches, status {self.status}")
        return ax

    def _find(self, lam: float) -> Dict[str, Any]:
        for c in self._raw["census"]:
            if abs(c["lambda"] - lam) <= 1e-12 * max(1.0, abs(lam)):
                return c
        raise KeyError(f"no census at λ = {lam}; computed at {self.census_lambdas}")

    def __len__(self) -> int:
        return len(self.branches)

    def __repr__(self) -> str:
        return f"Diagram({len(self.branches)} branches, status={self.status!r})"
