"""B.5 width scaling through Dask: λ* of the first event against the width m, next to the
first-order prediction λ* ≈ α / |λ1′(0)| with λ1′(0) ≈ K/m.

    python examples/width_sweep.py [--out DIR] [--scheduler ADDRESS] [--plot FILE]

Without --scheduler a LocalCluster of worker processes is started; with it, the sweep runs on
an existing cluster (e.g. one started by dask-jobqueue on Slurm/PBS). Rerunning with the same
--out resumes. The paper's widths: m = 3, 5, 8, 10, 15, 20, 30, 50, 75, 100 (m = 100 takes a
few minutes; pass --max-width to stop earlier).
"""

import argparse

import actbif

PAPER_WIDTHS = [3, 5, 8, 10, 15, 20, 30, 50, 75, 100]
ALPHA = 4e-3
# The paper's width constant K (exact fit λ1′(0) = K/m + K2/m², README B.5): m* = |K|/α.
K = -0.0705


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="width_sweep", help="output folder (resumable)")
    ap.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    ap.add_argument("--max-width", type=int, default=100)
    ap.add_argument("--plot", default="width_sweep.png", help="figure file ('' for none)")
    args = ap.parse_args()

    client = None
    if args.scheduler:
        from dask.distributed import Client

        client = Client(args.scheduler)
    widths = [m for m in PAPER_WIDTHS if m <= args.max_width]
    df = actbif.sweep({"width": widths, "alpha": [ALPHA]}, client=client, out=args.out)
    cols = ["width", "status", "first_event_kind", "lambda_star", "classification", "seconds"]
    print(df[cols].to_string(index=False))
    last = df[df["lambda_star"].notna()]["width"].max()
    print(f"interior events up to m = {last}; first-order theory: m* = |K|/α = {abs(K) / ALPHA:.1f}")

    if args.plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed: no figure")
            return
        fig, ax = plt.subplots(figsize=(6, 4))
        ev = df[df["lambda_star"].notna()]
        ax.plot(ev["width"], ev["lambda_star"], "o-", label="exact λ* (first event)")
        ax.plot(df["width"], ALPHA * df["width"] / abs(K), "--", label="α m / |K| (first order)")
        ax.axvline(abs(K) / ALPHA, color="gray", lw=0.8, label="m* = |K|/α")
        ax.set_xscale("log")
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("width m")
        ax.set_ylabel("λ*")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
