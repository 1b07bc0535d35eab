"""Sweeps on Dask: one task per configuration on a ``dask.distributed.Client`` (a local
cluster of worker processes when none is given), each running the native ``run_config``.

Rows follow the schema of ``actbif sweep`` (Rust ``experiments::sweep::SweepRow``), and an
output folder has the same layout: ``rows.jsonl`` (one JSON row per line, appended) and one
``<config_id>.json`` branch per configuration (the JSON of ``actbif trace``). Rerunning with the
same folder skips finished configurations; either tool can resume the other's folder.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _actbif

ROWS_FILE = "rows.jsonl"

#: Columns first in the returned DataFrame (the rest of the row schema follows).
LEADING_COLUMNS = [
    "width",
    "alpha",
    "activation",
    "data_seed",
    "solver",
    "status",
    "first_event_kind",
    "lambda_star",
    "g_mu",
    "g_aa",
    "g_aaa",
    "seconds",
    "error",
]

Grid = Union[Mapping[str, Any], Sequence[Mapping[str, Any]]]


def expand_grid(grid: Grid) -> List[Dict[str, Any]]:
    """The validated configurations of a grid: a dict of lists (Cartesian product; a scalar
    counts as a one-element list) or a list of configuration dicts. Keys: width (required),
    alpha, activation, data_seed, n_samples, solver, lambda_max. Raises ValueError."""
    if isinstance(grid, Mapping):
        payload: Any = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in grid.items()}
    else:
        payload = [dict(c) for c in grid]
    return json.loads(_actbif.expand_grid(json.dumps(payload)))


def run_config(config: Mapping[str, Any]) -> Tuple[Dict[str, Any], Optional[str]]:
    """Runs one configuration in this process: (row dict, branch JSON or None). A failing
    configuration is a row with ``error`` set, not an exception."""
    row, branch = _actbif.run_config(json.dumps(dict(config)))
    return json.loads(row), branch


def _task(config_json: str) -> Tuple[str, Optional[str]]:
    """What a Dask worker runs (JSON in, JSON out: nothing to pickle but strings)."""
    return _actbif.run_config(config_json)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp.{os.getpid()}.{uuid.uuid4().hex[:8]}")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _record(out: Optional[Path], row: Dict[str, Any], branch: Optional[str]) -> None:
    """Branch first, then the row: a recorded row always has its branch."""
    if out is None:
        return
    if branch is not None:
        _write_atomic(out / f"{row['config_id']}.json", branch + "\n")
    with open(out / ROWS_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(row) + "\n")
        f.flush()


def _error_row(config: Mapping[str, Any], error: str) -> Dict[str, Any]:
    """A row for a task that Dask could not complete (e.g. its workers kept dying)."""
    row: Dict[str, Any] = {k: None for k in LEADING_COLUMNS}
    row.update(dict(config))
    row.update(
        config_id=_actbif.config_id(json.dumps(dict(config))),
        status="error",
        n_events=0,
        seconds=0.0,
        error=error,
    )
    return row


def _dataframe(rows: Iterable[Dict[str, Any]]) -> Any:
    import pandas as pd

    df = pd.DataFrame(list(rows))
    rest = [c for c in df.columns if c not in LEADING_COLUMNS]
    for c in LEADING_COLUMNS:
        if c not in df.columns:
            df[c] = None
    return df[LEADING_COLUMNS + rest]


def sweep(
    grid: Grid,
    client: Any = None,
    out: Union[str, os.PathLike, None] = None,
    retries: int = 2,
) -> Any:
    """Runs every configuration of ``grid`` as one Dask task and returns a pandas DataFrame,
    one row per configuration in grid order (columns: width, alpha, activation, data_seed,
    solver, status, first_event_kind, lambda_star, g_mu, g_aa, g_aaa, seconds, error, then
    config_id, n_samples, lambda_max, status_detail, n_events, classification, g_aaa_raw).

    client: a ``dask.distributed.Client`` (e.g. from dask-jobqueue for Slurm/PBS); None
    starts a LocalCluster of worker processes (one thread each) for this call.
    out: folder for ``rows.jsonl`` and the per-configuration branch JSON; configurations
    already finished there are not run again. A task whose worker dies is rescheduled by
    Dask; one that still fails becomes a row with ``error``.
    """
    configs = expand_grid(grid)
    ids = [_actbif.config_id(json.dumps(c)) for c in configs]
    out_dir = Path(out) if out is not None else None
    done: Dict[str, Dict[str, Any]] = {}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        done = json.loads(_actbif.finished_rows(str(out_dir)))
    todo = [(i, c) for i, c in zip(ids, configs) if i not in done]
    rows = dict(done)
    if todo:
        rows.update(_run_on_dask(todo, client, out_dir, retries))
    return _dataframe(rows[i] for i in ids)


def _run_on_dask(
    todo: List[Tuple[str, Dict[str, Any]]],
    client: Any,
    out: Optional[Path],
    retries: int,
) -> Dict[str, Dict[str, Any]]:
    from dask.distributed import Client, LocalCluster, as_completed

    own = None
    if client is None:
        own = Client(LocalCluster(processes=True, threads_per_worker=1))
        client = own
    try:
        tag = uuid.uuid4().hex[:8]
        meta = {}
        futures = []
        for cid, c in todo:
            f = client.submit(
                _task, json.dumps(c), key=f"actbif-{cid}-{tag}", retries=retries, pure=False
            )
            meta[f.key] = (cid, c)
            futures.append(f)
        rows: Dict[str, Dict[str, Any]] = {}
        for fut in as_completed(futures):
            cid, c = meta[fut.key]
            try:
                row_json, branch = fut.result()
                row = json.loads(row_json)
            except Exception as e:  # the task itself failed on Dask (not the computation)
                row, branch = _error_row(c, f"dask: {type(e).__name__}: {e}"), None
            _record(out, row, branch)
            rows[cid] = row
        return rows
    finally:
        if own is not None:
            cluster = own.cluster
            own.close()
            cluster.close()

