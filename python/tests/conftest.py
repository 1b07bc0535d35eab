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


@pytest.fixture(scope="session")
def cli_json(actbif_bin, tmp_path_factory):
    """run(args, x=None, y=None, stdout=False) → the parsed JSON the CLI writes for `args`
    (via --out, or on stdout with stdout=True); with (x, y) given, `--data <file>` points at
    them saved as a .npy pair. Exit codes 0 and 3 (incomplete) are accepted."""
    import json
    import subprocess

    import numpy as np

    def run(args, x=None, y=None, stdout=False):
        d = tmp_path_factory.mktemp("cli")
        args = [str(a) for a in args]
        if x is not None:
            np.save(d / "data_x.npy", x)
            np.save(d / "data_y.npy", y)
            args += ["--data", str(d / "data_x.npy")]
        out = d / "out.json"
        extra = [] if stdout else ["--out", str(out)]
        p = subprocess.run([actbif_bin, *args, *extra], capture_output=True, text=True)
        assert p.returncode in (0, 3), p.stderr
        return json.loads(p.stdout if stdout else out.read_text())

    return run
