"""actbif.sweep on a real LocalCluster with 2 worker processes: results, failures as rows,
resume, and a worker killed mid-sweep."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

import actbif

pytest.importorskip("pandas")
pytest.importorskip("dask.distributed")

OK_STATUSES = {"reached_lambda_max", "reached_lambda_min"}
# 8 small configurations: N = 100 keeps each trace well under a second.
SMALL = {"width": [2, 3, 4, 6], "alpha": [4e-3, 1e-3], "n_samples": [100], "data_seed": [11]}


def test_sweep_of_8_configs(dask_client, tmp_path):
    df = actbif.sweep(SMALL, client=dask_client, out=tmp_path)
    assert len(df) == 8
    for col in ["width", "alpha", "activation", "status", "first_event_kind", "lambda_star",
                "seconds", "error"]:
        assert col in df.columns
    assert df["error"].isna().all(), df["error"].tolist()
    assert set(df["status"]) <= OK_STATUSES
    assert list(df["width"]) == [2, 2, 3, 3, 4, 4, 6, 6]
    # Each row against a direct trace through the model API (not through Dask).
    x, y = actbif.paper_data(seed=11, n=100)
    for _, r in df.iloc[[0, 5, 7]].iterrows():
        b = actbif.TwoLayer(x, y, width=int(r["width"]), alpha=float(r["alpha"])).trace(
            progress=False
        )
        if b.events:
            assert r["first_event_kind"] == b.events[0].kind
            assert r["lambda_star"] == b.events[0].lambda_star
        else:
            assert r["first_event_kind"] is None or np.isnan(r["lambda_star"])
    # The folder: 8 rows and 8 branches, each branch the JSON of `actbif trace`.
    lines = (tmp_path / "rows.jsonl").read_text().splitlines()
    assert len(lines) == 8
    for line in lines:
        row = json.loads(line)
        branch = json.loads((tmp_path / f"{row['config_id']}.json").read_text())
        assert {"setting", "points", "events", "status", "grid"} <= set(branch)
        if row["lambda_star"] is not None:
            assert branch["events"][0]["lambda"] == row["lambda_star"]


def test_a_failing_configuration_is_a_row(dask_client):
    # α = 0 with N = 2 < d: no isolated λ = 0 minimum, so that configuration is refused.
    grid = [{"width": 2, "alpha": 0.0, "n_samples": 2}, {"width": 2, "n_samples": 50}]
    df = actbif.sweep(grid, client=dask_client)
    assert len(df) == 2
    assert df["status"][0] == "error" and "not isolated" in df["error"][0]
    assert df["error"][1] is None or df["error"].isna()[1]


def test_resume_skips_finished_configs(dask_client, tmp_path):
    first = {"width": [2, 3], "n_samples": [80]}
    actbif.sweep(first, client=dask_client, out=tmp_path)
    rows = tmp_path / "rows.jsonl"
    assert len(rows.read_text().splitlines()) == 2
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.glob("m*.json")}
    # A superset: only the 2 new configurations run.
    df = actbif.sweep({"width": [2, 3, 4, 5], "n_samples": [80]}, client=dask_client, out=tmp_path)
    assert len(df) == 4 and df["error"].isna().all()
    assert len(rows.read_text().splitlines()) == 4
    for name, t in stamps.items():
        assert (tmp_path / name).stat().st_mtime_ns == t, f"{name} was rewritten"
    # A lost branch file makes its configuration unfinished: it runs again.
    victim = sorted(stamps)[0]
    (tmp_path / victim).unlink()
    df2 = actbif.sweep({"width": [2, 3, 4, 5], "n_samples": [80]}, client=dask_client, out=tmp_path)
    assert (tmp_path / victim).exists()
    assert len(rows.read_text().splitlines()) == 5
    assert df2["lambda_star"].equals(df["lambda_star"])


def test_the_cli_can_resume_a_python_folder(actbif_bin, tmp_path, dask_client):
    import subprocess

    actbif.sweep({"width": [2], "n_samples": [60]}, client=dask_client, out=tmp_path)
    grid = tmp_path / "grid.toml"
    grid.write_text("width = [2, 3]\nn_samples = 60\n")
    p = subprocess.run(
        [actbif_bin, "sweep", str(grid), "--out", str(tmp_path)], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    assert "1 run, 1 already finished" in p.stderr
    assert len((tmp_path / "rows.jsonl").read_text().splitlines()) == 2


def test_killed_worker_mid_sweep(tmp_path):
    """SIGKILL one worker process while it runs a task: Dask reschedules the task on a
    (restarted) worker and the sweep completes with every row."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        # Widths 8-15 on the paper data: each task takes about a second or more.
        grid = {"width": [8, 9, 10, 11, 12, 13, 14, 15]}
        result = {}
        t = threading.Thread(
            target=lambda: result.setdefault("df", actbif.sweep(grid, client=client, out=tmp_path))
        )
        t.start()
        killed = None
        deadline = time.time() + 60
        while killed is None and time.time() < deadline:
            busy = {w: ts for w, ts in client.processing().items() if ts}
            if busy:
                addr = next(iter(busy))
                pid = client.run(os.getpid, workers=[addr])[addr]
                os.kill(pid, signal.SIGKILL)
                killed = (addr, pid)
            else:
                time.sleep(0.05)
        assert killed is not None, "no task was ever processing"
        t.join(timeout=240)
        assert not t.is_alive(), "sweep did not finish"
        df = result["df"]
        assert len(df) == 8
        assert df["error"].isna().all(), df["error"].tolist()
        pids_now = set(client.run(os.getpid).values())
        assert killed[1] not in pids_now
    finally:
        client.close()
        cluster.close()
