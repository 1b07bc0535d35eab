//! Data sets: bit-exact numpy stream (against a committed numpy fixture), file loading round
//! trips, and every bad-input case mapped to its error variant.

use actbif::data::{
    load, load_npy_pair, paper_teacher, save_csv, save_npy, toy, Dataset, NumpyRng, PAPER_D,
    PAPER_N, PAPER_NOISE, PAPER_SEED, PAPER_W_LINEAR, PAPER_W_NONLINEAR, TOY_N, TOY_NOISE,
    TOY_SEED,
};
use actbif::Error;
use ndarray::{array, Array1, Array2, Array3, ShapeBuilder};
use ndarray_npy::WriteNpyExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// ---------------------------------------------------------------------------------------
// numpy fixture (scripts/make_numpy_fixture.py)
// ---------------------------------------------------------------------------------------

fn fixture() -> Value {
    let text = include_str!("fixtures/numpy_stream.json");
    serde_json::from_str(text).expect("fixture is valid JSON")
}

/// Floats are stored as Python repr strings; `str::parse` is correctly rounded, so this is
/// the exact f64 numpy produced.
fn num(v: &Value) -> f64 {
    v.as_str()
        .expect("fixture floats are strings")
        .parse()
        .expect("fixture float parses")
}

fn vec1(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

fn vec2(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().expect("array").iter().map(vec1).collect()
}

fn assert_bits_eq(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(
            g.to_bits(),
            w.to_bits(),
            "{what}[{k}]: got {g:e}, numpy {w:e}"
        );
    }
}

#[test]
fn randn_matches_numpy_bit_for_bit() {
    let f = fixture();
    let want = vec1(&f["randn_seed77"]);
    let mut rng = NumpyRng::new(77);
    let got: Vec<f64> = (0..want.len()).map(|_| rng.gaussian()).collect();
    assert_bits_eq(&got, &want, "randn(seed 77)");
    // The array helpers consume the same stream.
    let got = NumpyRng::new(77).randn(want.len()).to_vec();
    assert_bits_eq(&got, &want, "randn(n)");
}

#[test]
fn random_sample_matches_numpy_bit_for_bit() {
    let f = fixture();
    let want = vec1(&f["random_sample_seed77"]);
    let mut rng = NumpyRng::new(77);
    let got: Vec<f64> = (0..want.len()).map(|_| rng.uniform()).collect();
    assert_bits_eq(&got, &want, "random_sample(seed 77)");
    for (seed, vals) in f["random_sample_by_seed"].as_object().expect("object") {
        let want = vec1(vals);
        let mut rng = NumpyRng::new(seed.parse().expect("seed"));
        let got: Vec<f64> = (0..want.len()).map(|_| rng.uniform()).collect();
        assert_bits_eq(&got, &want, &format!("random_sample(seed {seed})"));
    }
}

#[test]
fn cached_gaussian_survives_uniform_draw_like_numpy() {
    let m = &fixture()["mixed_seed77"];
    let mut rng = NumpyRng::new(77);
    let got = [
        rng.gaussian(),
        rng.uniform(),
        rng.gaussian(),
        rng.gaussian(),
    ];
    let want = [
        num(&m["randn_1"]),
        num(&m["uniform"]),
        num(&m["randn_2"]),
        num(&m["randn_3"]),
    ];
    assert_bits_eq(&got, &want, "randn, random_sample, randn, randn");
}

fn rows(a: &Array2<f64>, range: std::ops::Range<usize>) -> Vec<Vec<f64>> {
    range.map(|i| a.row(i).to_vec()).collect()
}

fn assert_rows_bits_eq(got: Vec<Vec<f64>>, want: Vec<Vec<f64>>, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: rows");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_bits_eq(g, w, &format!("{what} row {i}"));
    }
}

#[test]
fn paper_teacher_matches_numpy() {
    let f = &fixture()["paper"];
    assert_eq!(f["seed"].as_u64(), Some(PAPER_SEED as u64));
    assert_eq!(f["n"].as_u64(), Some(PAPER_N as u64));
    let d = paper_teacher(PAPER_SEED, PAPER_N);
    assert_eq!(d.x.dim(), (PAPER_N, PAPER_D));
    // X is the first N·d draws: bit-exact.
    assert_rows_bits_eq(rows(&d.x, 0..5), vec2(&f["x_head"]), "paper X head");
    assert_rows_bits_eq(
        rows(&d.x, PAPER_N - 5..PAPER_N),
        vec2(&f["x_tail"]),
        "paper X tail",
    );
    // ε follows X in the stream: bit-exact.
    let mut rng = NumpyRng::new(PAPER_SEED);
    let _ = rng.randn2(PAPER_N, PAPER_D);
    let eps = rng.randn(PAPER_N);
    assert_bits_eq(&eps.to_vec()[..5], &vec1(&f["eps_head"]), "paper eps head");
    // y: numpy's matrix–vector products may associate the 5-term sums differently (and its
    // tanh may be a SIMD variant), so agreement is to rounding: a 5-term dot product has
    // forward error ≤ 5ε·Σ|x_i w_i|; the tanh term damps its argument error by 0.4·1.5.
    let check_y = |i: usize, want: f64| {
        let x = d.x.row(i);
        let s_l: f64 = x
            .iter()
            .zip(PAPER_W_LINEAR)
            .map(|(a, b)| (a * b).abs())
            .sum();
        let s_nl: f64 = x
            .iter()
            .zip(PAPER_W_NONLINEAR)
            .map(|(a, b)| (a * b).abs())
            .sum();
        let tol = 8.0 * f64::EPSILON * (s_l + s_nl + 0.4 + PAPER_NOISE * eps[i].abs() + 1.0);
        assert!(
            (d.y[i] - want).abs() <= tol,
            "paper y[{i}] = {:e}, numpy {want:e}, tol {tol:e}",
            d.y[i]
        );
    };
    for (k, w) in vec1(&f["y_head"]).into_iter().enumerate() {
        check_y(k, w);
    }
    for (k, w) in vec1(&f["y_tail"]).into_iter().enumerate() {
        check_y(PAPER_N - 5 + k, w);
    }
}

#[test]
fn toy_matches_numpy() {
    let f = &fixture()["toy"];
    assert_eq!(f["seed"].as_u64(), Some(TOY_SEED as u64));
    assert_eq!(f["n"].as_u64(), Some(TOY_N as u64));
    let d = toy(TOY_SEED, TOY_N);
    assert_eq!(d.x.dim(), (TOY_N, 1));
    assert_rows_bits_eq(rows(&d.x, 0..5), vec2(&f["x_head"]), "toy x head");
    assert_rows_bits_eq(
        rows(&d.x, TOY_N - 5..TOY_N),
        vec2(&f["x_tail"]),
        "toy x tail",
    );
    let mut rng = NumpyRng::new(TOY_SEED);
    let _ = rng.randn2(TOY_N, 1);
    let eps = rng.randn(TOY_N);
    assert_bits_eq(&eps.to_vec()[..5], &vec1(&f["eps_head"]), "toy eps head");
    // y = tanh(1.5x) + 0.02ε: only tanh may differ (≤ a few ulp between libm and numpy SIMD).
    let want: Vec<(usize, f64)> = vec1(&f["y_head"])
        .into_iter()
        .enumerate()
        .chain(
            vec1(&f["y_tail"])
                .into_iter()
                .enumerate()
                .map(|(k, v)| (TOY_N - 5 + k, v)),
        )
        .collect();
    for (i, w) in want {
        let tol = 4.0 * f64::EPSILON * (1.0 + TOY_NOISE * eps[i].abs());
        assert!(
            (d.y[i] - w).abs() <= tol,
            "toy y[{i}] = {:e}, numpy {w:e}",
            d.y[i]
        );
    }
}

#[test]
fn gaussian_stream_has_standard_normal_moments() {
    // Independent sanity check of the polar method: mean 0, variance 1 within 5 standard
    // errors for 200 000 draws (s.e. of the mean 0.0022, of the variance 0.0032).
    let mut rng = NumpyRng::new(12345);
    let n = 200_000;
    let v: Vec<f64> = (0..n).map(|_| rng.gaussian()).collect();
    let mean = v.iter().sum::<f64>() / n as f64;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
    assert!(mean.abs() < 5.0 * (1.0 / n as f64).sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(),
        "var {var}"
    );
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique path in the temp dir (pid + counter), so parallel tests never collide.
fn tmp(name: &str) -> PathBuf {
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("actbif_data_{}_{k}_{name}", std::process::id()))
}

fn write(path: &PathBuf, text: &str) {
    std::fs::write(path, text).expect("write temp file");
}

fn write_npy<A: WriteNpyExt>(path: &PathBuf, a: &A) {
    let mut bytes = Vec::new();
    a.write_npy(&mut bytes).expect("encode npy");
    std::fs::write(path, bytes).expect("write temp npy");
}

fn sample() -> Dataset {
    // Awkward values (tiny, huge, negative zero, non-terminating decimals) for round trips;
    // huge within the moment limit (|x| ≲ 1e77, see `overflowing_moments_are_refused`).
    Dataset::new(
        array![
            [0.1, -2.5e-300, 1.0 / 3.0],
            [1e70, -0.0, std::f64::consts::PI],
            [-7.0, 123456.789, 2f64.sqrt()],
            [f64::MIN_POSITIVE, 5e-324, -1e-7]
        ],
        array![1.0, -1.0 / 7.0, 0.0, 6.02214076e23],
    )
    .expect("valid data")
}

fn assert_same(a: &Dataset, b: &Dataset) {
    assert_eq!(a.x.dim(), b.x.dim());
    assert_bits_eq(
        &a.x.iter().copied().collect::<Vec<_>>(),
        &b.x.iter().copied().collect::<Vec<_>>(),
        "x",
    );
    assert_bits_eq(&a.y.to_vec(), &b.y.to_vec(), "y");
}

#[test]
fn csv_round_trip_is_exact() {
    let p = tmp("rt.csv");
    let d = sample();
    save_csv(&p, &d).expect("save csv");
    let text = std::fs::read_to_string(&p).expect("read back");
    assert!(text.starts_with("x0,x1,x2,y\n"), "header: {text}");
    assert_same(&load(&p).expect("load csv"), &d);
    let _ = std::fs::remove_file(p);
}

#[test]
fn npy_round_trip_is_exact() {
    let p = tmp("rt.npy");
    let d = sample();
    save_npy(&p, &d).expect("save npy");
    assert_same(&load(&p).expect("load npy"), &d);
    let _ = std::fs::remove_file(p);
}

#[test]
fn paper_data_round_trips_through_both_formats() {
    let d = paper_teacher(PAPER_SEED, PAPER_N);
    for name in ["paper.csv", "paper.npy"] {
        let p = tmp(name);
        if name.ends_with(".csv") {
            save_csv(&p, &d).expect("save");
        } else {
            save_npy(&p, &d).expect("save");
        }
        assert_same(&load(&p).expect("load"), &d);
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn csv_header_comments_blank_lines_and_spaces() {
    let p = tmp("hdr.csv");
    write(
        &p,
        "# made by np.savetxt\n a , b , target \n\n1, 2, 3\n 4,5,6 \n\n",
    );
    let d = load(&p).expect("load");
    assert_eq!(d.x, array![[1.0, 2.0], [4.0, 5.0]]);
    assert_eq!(d.y, array![3.0, 6.0]);
    // Without a header the first line is data; exponents and signs parse.
    let q = tmp("nohdr.CSV");
    write(&q, "1e-3,-2\n+4.5,0\n");
    let d = load(&q).expect("load");
    assert_eq!(d.x, array![[1e-3], [4.5]]);
    assert_eq!(d.y, array![-2.0, 0.0]);
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(q);
}

#[test]
fn npy_pair_convention_and_dtypes() {
    let x = array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let y = array![0.5, -0.5, 1.5];
    let base = tmp("pair");
    let xp = PathBuf::from(format!("{}_x.npy", base.display()));
    let yp = PathBuf::from(format!("{}_y.npy", base.display()));
    write_npy(&xp, &x);
    write_npy(&yp, &y);
    let d = load(&xp).expect("pair via load");
    assert_eq!((d.x.clone(), d.y.clone()), (x.clone(), y.clone()));
    let d = load_npy_pair(&xp, &yp).expect("explicit pair");
    assert_eq!(d.x, x);
    // y stored as (N, 1) and x in Fortran order are accepted too.
    let xf = Array2::from_shape_vec((3, 2).f(), vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]).unwrap();
    assert!(!xf.is_standard_layout());
    write_npy(&xp, &xf);
    write_npy(&yp, &y.clone().insert_axis(ndarray::Axis(1)));
    let d = load(&xp).expect("fortran x, column y");
    assert_eq!((d.x, d.y), (x.clone(), y.clone()));
    // f4 and i8 data are converted.
    let single = tmp("f32.npy");
    write_npy(&single, &array![[1.5f32, 2.0], [0.25, -1.0]]);
    let d = load(&single).expect("f4");
    assert_eq!((d.x, d.y), (array![[1.5], [0.25]], array![2.0, -1.0]));
    write_npy(&single, &array![[1i64, 2], [3, 4]]);
    let d = load(&single).expect("i8");
    assert_eq!((d.x, d.y), (array![[1.0], [3.0]], array![2.0, 4.0]));
    for p in [xp, yp, single] {
        let _ = std::fs::remove_file(p);
    }
}

// ---------------------------------------------------------------------------------------
// Bad inputs: the right variant, naming the file, never a panic
// ---------------------------------------------------------------------------------------

fn expect_err(path: &Path) -> Error {
    match load(path) {
        Ok(d) => panic!("`{}` loaded unexpectedly: {d:?}", path.display()),
        Err(e) => e,
    }
}

fn names_file(e: &Error, path: &Path) {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        e.to_string().contains(&name),
        "message `{e}` should name `{name}`"
    );
}

#[test]
fn missing_file_is_io_error() {
    for name in ["missing.csv", "missing.npy", "missing_x.npy"] {
        let p = tmp(name);
        let e = expect_err(&p);
        assert!(matches!(e, Error::Io { .. }), "{name}: {e:?}");
        names_file(&e, &p);
    }
}

#[test]
fn pair_with_missing_y_is_io_error_naming_y() {
    let base = tmp("lonely");
    let xp = PathBuf::from(format!("{}_x.npy", base.display()));
    write_npy(&xp, &array![[1.0], [2.0]]);
    let e = expect_err(&xp);
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("lonely_y.npy"), "{e}");
    let _ = std::fs::remove_file(xp);
}

#[test]
fn unknown_extension_is_parse_error() {
    let p = tmp("data.txt");
    write(&p, "1,2\n");
    let e = expect_err(&p);
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    names_file(&e, &p);
    let _ = std::fs::remove_file(p);
}

#[test]
fn malformed_csv_is_parse_error() {
    for (name, text, needle) in [
        ("word.csv", "1,2\n3,abc\n", "line 2, column 2"),
        ("ragged.csv", "1,2,3\n4,5\n", "ragged"),
        ("empty_field.csv", "1,2\n3,\n", "line 2"),
        ("header_late.csv", "1,2\nx,y\n", "line 2"),
    ] {
        let p = tmp(name);
        write(&p, text);
        let e = expect_err(&p);
        assert!(matches!(e, Error::Parse { .. }), "{name}: {e:?}");
        assert!(
            e.to_string().contains(needle),
            "{name}: `{e}` lacks `{needle}`"
        );
        names_file(&e, &p);
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn non_finite_values_are_rejected() {
    for (name, text, row_col) in [
        ("nan.csv", "1,2\n3,nan\n", "row 2, column 2"),
        ("inf.csv", "inf,2\n3,4\n", "row 1, column 1"),
        ("neginf.csv", "1,2\n-inf,4\n", "row 2, column 1"),
    ] {
        let p = tmp(name);
        write(&p, text);
        let e = expect_err(&p);
        assert!(matches!(e, Error::NonFinite { .. }), "{name}: {e:?}");
        assert!(e.to_string().contains(row_col), "{name}: {e}");
        names_file(&e, &p);
        let _ = std::fs::remove_file(p);
    }
    let p = tmp("nan.npy");
    write_npy(&p, &array![[1.0, f64::NAN]]);
    assert!(matches!(expect_err(&p), Error::NonFinite { index: 1, .. }));
    let base = tmp("nanpair");
    let (xp, yp) = (
        PathBuf::from(format!("{}_x.npy", base.display())),
        PathBuf::from(format!("{}_y.npy", base.display())),
    );
    write_npy(&xp, &array![[1.0], [2.0]]);
    write_npy(&yp, &array![0.0, f64::INFINITY]);
    let e = expect_err(&xp);
    assert!(matches!(e, Error::NonFinite { index: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("nanpair_y.npy"), "{e}");
    for p in [p, xp, yp] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn empty_or_too_narrow_data_is_shape_error() {
    for (name, text) in [
        ("empty.csv", ""),
        ("only_header.csv", "a,b,y\n"),
        ("only_comments.csv", "# nothing\n\n"),
        ("one_column.csv", "1\n2\n"),
    ] {
        let p = tmp(name);
        write(&p, text);
        let e = expect_err(&p);
        assert!(matches!(e, Error::Shape { .. }), "{name}: {e:?}");
        names_file(&e, &p);
        let _ = std::fs::remove_file(p);
    }
    let p = tmp("zero_rows.npy");
    write_npy(&p, &Array2::<f64>::zeros((0, 3)));
    assert!(matches!(expect_err(&p), Error::Shape { .. }));
    let _ = std::fs::remove_file(p);
}

#[test]
fn wrong_dimensionality_is_shape_error() {
    let p = tmp("vector.npy");
    write_npy(&p, &array![1.0, 2.0, 3.0]);
    let e = expect_err(&p);
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    assert!(e.to_string().contains("1-D"), "{e}");
    names_file(&e, &p);
    let q = tmp("cube.npy");
    write_npy(&q, &Array3::<f64>::zeros((2, 2, 2)));
    assert!(matches!(expect_err(&q), Error::Shape { .. }));
    // Pair: x 1-D, y with two columns, y too short.
    let base = tmp("badpair");
    let (xp, yp) = (
        PathBuf::from(format!("{}_x.npy", base.display())),
        PathBuf::from(format!("{}_y.npy", base.display())),
    );
    write_npy(&xp, &array![1.0, 2.0]);
    write_npy(&yp, &array![1.0, 2.0]);
    assert!(matches!(expect_err(&xp), Error::Shape { .. }));
    write_npy(&xp, &array![[1.0], [2.0]]);
    write_npy(&yp, &array![[1.0, 2.0], [3.0, 4.0]]);
    assert!(matches!(expect_err(&xp), Error::Shape { .. }));
    write_npy(&yp, &array![1.0]);
    let e = expect_err(&xp);
    assert!(matches!(e, Error::Shape { .. }), "{e:?}");
    assert!(e.to_string().contains("badpair_y.npy"), "{e}");
    for p in [p, q, xp, yp] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn corrupt_npy_is_parse_error() {
    let p = tmp("garbage.npy");
    write(&p, "this is not numpy");
    let e = expect_err(&p);
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    names_file(&e, &p);
    // Truncated data section.
    let mut bytes = Vec::new();
    array![[1.0, 2.0], [3.0, 4.0]]
        .write_npy(&mut bytes)
        .unwrap();
    bytes.truncate(bytes.len() - 4);
    std::fs::write(&p, bytes).unwrap();
    assert!(matches!(expect_err(&p), Error::Parse { .. }));
    // Unsupported dtype (bool).
    write_npy(&p, &array![[true, false]]);
    let e = expect_err(&p);
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    assert!(e.to_string().contains("dtype"), "{e}");
    let _ = std::fs::remove_file(p);
}

// ---------------------------------------------------------------------------------------
// Conditioning
// ---------------------------------------------------------------------------------------

#[test]
fn condition_warning_flags_singular_and_ill_conditioned_inputs() {
    let n = 200;
    let mut rng = NumpyRng::new(3);
    let base = rng.randn2(n, 2);
    let y = Array1::zeros(n);
    // Well conditioned: i.i.d. Gaussian columns.
    let ok = Dataset::new(base.clone(), y.clone()).unwrap();
    assert_eq!(ok.condition_warning(), None);
    // Exactly collinear columns: Σ singular.
    let mut col = base.clone();
    let c0 = col.column(0).to_owned();
    col.column_mut(1).assign(&(&c0 * 2.0));
    let w = Dataset::new(col, y.clone()).unwrap().condition_warning();
    assert!(w.is_some_and(|m| m.contains("Σ")));
    // Column scales 1 and 1e-6: cond(Σ) ≈ 1e12 > 1e10 → warning; scale 1e-3 (cond ≈ 1e6) → none.
    for (scale, warn) in [(1e-6, true), (1e-3, false)] {
        let mut s = base.clone();
        s.column_mut(1).mapv_inplace(|v| v * scale);
        let w = Dataset::new(s, y.clone()).unwrap().condition_warning();
        assert_eq!(w.is_some(), warn, "scale {scale}: {w:?}");
    }
    // Paper data is well conditioned.
    assert_eq!(paper_teacher(PAPER_SEED, PAPER_N).condition_warning(), None);
}

// ---------------------------------------------------------------------------------------
// Overflow and binary input (issue 13 §5)
// ---------------------------------------------------------------------------------------

/// A CSV data set: N = 4 rows, x = (1, 2, `x_big`, 3) in one column and y = (0, 1, `y_big`, 2).
fn csv_with(name: &str, x_big: f64, y_big: f64) -> PathBuf {
    let p = tmp(name);
    write(&p, &format!("x,y\n1,0\n2,1\n{x_big:e},{y_big:e}\n3,2\n"));
    p
}

#[test]
fn overflowing_moments_are_refused() {
    // x ≈ 1e200: x² = 1e400 overflows, so Σ = E[xx] = inf (previously reported later as
    // "‖v‖²Σ + αI is singular"). y ≈ 1e300: E[y²] overflows (previously exit code 1).
    // x = 1e100: Σ = 2.5e199 is finite but beyond √f64::MAX ≈ 1.3e154, where the solvers'
    // squared norms would overflow.
    for (name, x, y, moment) in [
        ("big_x.csv", 1e200, 1.0, "Σ"),
        ("big_y.csv", 1.0, 1e300, "E[y²]"),
        ("x_1e100.csv", 1e100, 1.0, "Σ"),
    ] {
        let p = csv_with(name, x, y);
        let e = expect_err(&p);
        assert!(matches!(e, Error::DataOutOfRange { .. }), "{name}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains(moment), "{name}: moment not named: {msg}");
        assert!(msg.contains("Rescale"), "{name}: no remedy: {msg}");
        names_file(&e, &p);
        let _ = std::fs::remove_file(p);
    }
    // 1e70: every moment ≤ 1e140/4 < 1.3e154 — accepted.
    let p = csv_with("x_1e70.csv", 1e70, 1e70);
    assert!(load(&p).is_ok());
    let _ = std::fs::remove_file(p);
    // The same check guards data built in memory.
    let e = Dataset::new(array![[1e200], [1.0]], array![0.0, 1.0]).unwrap_err();
    assert!(matches!(e, Error::DataOutOfRange { .. }), "{e:?}");
}

#[test]
fn binary_file_named_csv_is_not_utf8_text() {
    let p = tmp("binary.csv");
    let mut bytes = Vec::new();
    array![[1.0, 2.0], [3.0, 4.0]]
        .write_npy(&mut bytes)
        .unwrap();
    std::fs::write(&p, bytes).unwrap();
    let e = expect_err(&p);
    assert!(matches!(e, Error::Parse { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("not valid UTF-8 text"), "{msg}");
    assert!(!msg.contains("cannot access"), "{msg}");
    names_file(&e, &p);
    let _ = std::fs::remove_file(p);
}

#[test]
fn extreme_values_round_trip_through_io_tables() {
    use actbif::io::{encode_npy, format_csv, parse_csv, parse_npy};
    // Beyond the data moment limit, but the table readers themselves are exact.
    let t = array![
        [1e300, -0.0, 5e-324],
        [f64::MAX, f64::MIN_POSITIVE, -1.0 / 3.0]
    ];
    let name = Path::new("t.csv");
    let header = ["a".to_string(), "b".to_string(), "c".to_string()];
    let back = parse_csv(format_csv(&header, &t).as_bytes(), name).unwrap();
    let want: Vec<f64> = t.iter().copied().collect();
    assert_bits_eq(&back.iter().copied().collect::<Vec<_>>(), &want, "csv");
    let back = parse_npy(&encode_npy(&t, name).unwrap(), name).unwrap();
    assert_bits_eq(&back.iter().copied().collect::<Vec<_>>(), &want, "npy");
}
