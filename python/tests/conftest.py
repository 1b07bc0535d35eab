"""Shared fixtures: the repository root, the `actbif` binary, a 2-process Dask cluster."""

import os
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def actbif_bin():
    """The CLI binary built from this tree (`cargo build --release` or `cargo test
    --release`). ACTBIF_BIN overrides; when it is set the binary must exist (CI sets it)."""
    env = os.environ.get("ACTBIF_BIN")
    if env:
        assert pathlib.Path(env).is_file(), f"ACTBIF_BIN={env} does not exist"
        return env
    cand = REPO / "target" / "release" / "actbif"
    if cand.is_file():
        return str(cand)
    found = shutil.which("actbif")
    if found:
        return found
    pytest.skip("no actbif binary: run `cargo build --release` at the repository root")


@pytest.fixture(scope="module")
def dask_client():
    """A real LocalCluster with 2 worker processes (not threads), one thread each."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
