"""Convert scikit-learn's copy of the UCI 8x8 handwritten digits to data/digits.csv.

Run once (the output is committed):

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python scripts/make_digits.py

Writes the raw data: 1797 rows, 64 integer pixel intensities (0..16, row-major 8x8) and the
digit label (0..9) last, no header. Standardisation and the regression target are applied
in Rust (`actbif::data::digits`), so the shipped file stays the untouched source data.
Prints the file's SHA-256 for data/README.md.
"""

import hashlib
import pathlib

import numpy as np
import sklearn
from sklearn.datasets import load_digits

out = pathlib.Path(__file__).resolve().parent.parent / "data" / "digits.csv"
d = load_digits()
x = d.data.astype(np.int64)
y = d.target.astype(np.int64)
assert x.shape == (1797, 64) and y.shape == (1797,)
assert np.all(d.data == x), "pixels must be integers"
lines = [",".join(str(v) for v in row) + f",{t}" for row, t in zip(x, y)]
out.write_text("\n".join(lines) + "\n")
digest = hashlib.sha256(out.read_bytes()).hexdigest()
print(f"sklearn {sklearn.__version__}: wrote {out} ({out.stat().st_size} bytes), sha256 {digest}")
