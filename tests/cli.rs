//! Runs the built `actbif` binary: bad input must give a clear message on stderr and exit
//! code 2 (never a panic); a small `trace` must produce parseable JSON of the documented shape.

use std::path::PathBuf;
use std::process::{Command, Output};

fn actbif(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code 2, a message naming `needle`, and no panic.
fn assert_bad_input(args: &[&str], needle: &str) {
    let o = actbif(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "args {args:?}: stderr {err}");
    assert!(
        err.to_lowercase().contains(&needle.to_lowercase()),
        "args {args:?}: stderr does not mention `{needle}`: {err}"
    );
    assert!(!err.contains("panicked"), "args {args:?} panicked: {err}");
}

fn temp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("actbif-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn negative_alpha_is_rejected() {
    assert_bad_input(&["trace", "--width", "3", "--alpha", "-0.1"], "alpha");
}

#[test]
fn scipy_stopping_needs_the_paper_method() {
    assert_bad_input(
        &["trace", "--width", "3", "--paper-stopping", "scipy"],
        "paper-stopping",
    );
}

#[test]
fn zero_width_is_rejected() {
    assert_bad_input(&["trace", "--width", "0"], "width");
    assert_bad_input(&["coefficients", "--width", "0"], "width");
}

#[test]
fn unknown_activation_lists_valid_names() {
    let o = actbif(&["trace", "--width", "3", "--activation", "relu"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for name in ["tanh", "erf", "softplus", "sigmoid"] {
        assert!(err.contains(name), "valid name `{name}` not listed: {err}");
    }
}

#[test]
fn lambda_outside_range_is_rejected() {
    assert_bad_input(
        &["check-derivatives", "--width", "3", "--lambda", "1.5"],
        "lambda",
    );
    assert_bad_input(
        &["check-derivatives", "--width", "3", "--lambda", "-0.5"],
        "lambda",
    );
    assert_bad_input(
        &["trace", "--width", "3", "--lambda-max", "-1"],
        "lambda-max",
    );
}

#[test]
fn unreadable_data_file_is_rejected() {
    assert_bad_input(
        &[
            "trace",
            "--width",
            "3",
            "--data",
            "/nonexistent/dir/data.csv",
        ],
        "/nonexistent/dir/data.csv",
    );
}

#[test]
fn malformed_data_file_is_rejected() {
    let p = temp_file("malformed.csv", "1.0,2.0,3.0\n4.0,not-a-number,6.0\n7.0\n");
    let s = p.to_str().unwrap();
    assert_bad_input(&["trace", "--width", "3", "--data", s], "malformed.csv");
}

#[test]
fn unknown_subcommand_and_flag_fail_cleanly() {
    assert_bad_input(&["frobnicate"], "frobnicate");
    assert_bad_input(&["trace", "--width", "3", "--bogus"], "bogus");
}

#[test]
fn trace_width_3_prints_documented_json() {
    let o = actbif(&["trace", "--width", "3"]);
    assert!(o.status.success(), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let points = v["points"].as_array().expect("points array");
    assert!(points.len() >= 2);
    for key in [
        "lambda",
        "grad_norm",
        "loss",
        "eigenvalues",
        "tangent_lambda",
        "morse_index",
    ] {
        assert!(points[0].get(key).is_some(), "point lacks `{key}`");
    }
    // Starts at the λ = 0 minimum, whose smallest eigenvalue is α (Thm 7.6(i)).
    assert_eq!(points[0]["lambda"].as_f64(), Some(0.0));
    let e0 = points[0]["eigenvalues"][0].as_f64().unwrap();
    assert!((e0 - 4e-3).abs() < 1e-10, "λ1(0) = {e0}, expected α = 4e-3");
    assert!(v["events"].is_array());
    for e in v["events"].as_array().unwrap() {
        for key in ["kind", "lambda", "residual", "eigenvalues", "kernel"] {
            assert!(e.get(key).is_some(), "event lacks `{key}`");
        }
    }
    assert!(v["max_grad_norm"].as_f64().is_some());
    assert!(v.get("status").is_some());
    // m = 3 has no fold on [0, 1], so the whole uniform grid (Δλ = 1/400) is a graph over λ.
    let grid = v["grid"].as_array().expect("grid array");
    assert_eq!(grid.len(), 401);
    for (k, g) in grid.iter().enumerate() {
        let l = g["lambda"].as_f64().unwrap();
        assert!((l - k as f64 / 400.0).abs() < 1e-12, "grid λ[{k}] = {l}");
    }
}

// ------------------------------------------------------------------------------------------
// Issue 13: non-isolated starts, budgets, resume, start files, interruption.
// ------------------------------------------------------------------------------------------

fn read_json(p: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(p).expect("output written")).expect("valid JSON")
}

fn out_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("actbif-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Independent JAX (float64) reference of the paper fold (m = 10).
const REF_FOLD: f64 = 0.7501412559404;

#[test]
fn alpha_zero_toy_is_refused_not_traced_into_fake_folds() {
    // On main: exit 0 with 915 "folds" at λ ≈ 4e-16, Morse 0 → 0.
    let o = actbif(&["trace", "--width", "2", "--alpha", "0", "--data", "toy"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in ["not isolated", "--alpha", "--start", "--lambda0"] {
        assert!(err.contains(needle), "stderr lacks `{needle}`: {err}");
    }
}

#[test]
fn step_budget_exits_3_and_streams_a_checkpoint() {
    let out = out_path("steps.json");
    let o = actbif(&[
        "trace",
        "--width",
        "3",
        "--max-steps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let v = read_json(&out);
    assert_eq!(v["status"]["reason"], "step_budget_exhausted");
    let n_points = v["points"].as_array().unwrap().len();
    assert!((2..=4).contains(&n_points), "{n_points} points");
    assert!(v["resume"]["theta"].as_array().unwrap().len() == 15);
    let lines = std::fs::read_to_string(out.with_extension("jsonl")).unwrap();
    let points = lines
        .lines()
        .filter(|l| l.starts_with("{\"point\""))
        .count();
    assert_eq!(points, n_points);
}

#[test]
fn huge_lambda_max_is_bounded_by_the_time_budget() {
    let t0 = std::time::Instant::now();
    let out = out_path("time.json");
    let o = actbif(&[
        "trace",
        "--width",
        "3",
        "--lambda-max",
        "1e300",
        "--max-steps",
        "100000000",
        "--max-seconds",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(read_json(&out)["status"]["reason"], "time_budget_exhausted");
    assert!(t0.elapsed().as_secs() < 60);
}

#[test]
fn max_events_stops_after_the_first_fold() {
    let out = out_path("events.json");
    let o = actbif(&[
        "trace",
        "--width",
        "10",
        "--max-events",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = read_json(&out);
    assert_eq!(v["status"]["reason"], "max_events");
    let ev = v["events"].as_array().unwrap();
    assert_eq!(ev.len(), 1);
    assert!((ev[0]["lambda"].as_f64().unwrap() - REF_FOLD).abs() < 1e-9);
}

#[test]
fn resume_reaches_the_reference_fold() {
    let a = out_path("part.json");
    let o = actbif(&[
        "trace",
        "--width",
        "10",
        "--max-steps",
        "20",
        "--out",
        a.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let before = read_json(&a)["points"].as_array().unwrap().len();
    let b = out_path("rest.json");
    let o = actbif(&[
        "trace",
        "--width",
        "10",
        "--resume",
        a.to_str().unwrap(),
        "--out",
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = read_json(&b);
    assert_eq!(v["status"]["reason"], "reached_lambda_max");
    assert!(v["points"].as_array().unwrap().len() > before);
    let ev = v["events"].as_array().unwrap();
    assert!((ev[0]["lambda"].as_f64().unwrap() - REF_FOLD).abs() < 1e-9);
    // A resume file of another model is refused as bad input.
    let o = actbif(&["trace", "--width", "3", "--resume", a.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn start_file_is_newton_polished() {
    // L(·, 0) is quadratic with a positive definite Hessian: Newton from θ = 0 lands on W0,
    // whose smallest Hessian eigenvalue is α (Thm 7.6(i)).
    let p = temp_file("zeros.json", &format!("[{}]", vec!["0.0"; 15].join(",")));
    let o = actbif(&[
        "trace",
        "--width",
        "3",
        "--start",
        p.to_str().unwrap(),
        "--lambda0",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e0 = v["points"][0]["eigenvalues"][0].as_f64().unwrap();
    assert!((e0 - 4e-3).abs() < 1e-10, "λ1(0) = {e0}");
    let bad = temp_file("short.json", "[0.0, 1.0]");
    assert_bad_input(
        &["trace", "--width", "3", "--start", bad.to_str().unwrap()],
        "θ",
    );
    let junk = temp_file("junk.json", "{not json");
    assert_bad_input(
        &["trace", "--width", "3", "--start", junk.to_str().unwrap()],
        "junk.json",
    );
}

#[test]
fn sigint_writes_the_partial_branch_and_exits_3() {
    let out = out_path("sigint.json");
    let jsonl = out.with_extension("jsonl");
    let _ = std::fs::remove_file(&jsonl);
    let mut child = Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args([
            "trace",
            "--width",
            "10",
            "--lambda-max",
            "1e300",
            "--max-steps",
            "100000000",
            "--max-seconds",
            "300",
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    loop {
        let n = std::fs::read_to_string(&jsonl)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if n >= 5 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the trace ended before the signal"
        );
        assert!(
            t0.elapsed().as_secs() < 120,
            "no checkpoint lines after 120 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let v = read_json(&out);
    assert_eq!(v["status"]["reason"], "interrupted");
    assert!(v["points"].as_array().unwrap().len() >= 5);
}

/// Issue 13 §3: a model too large for memory is refused up front (before: "memory allocation
/// of 2000000000000 bytes failed", exit 134), with the estimate and the way forward.
#[test]
fn width_too_large_for_memory_is_refused() {
    let dense: [&[&str]; 3] = [
        &["trace", "--solver", "dense"],
        &["coefficients"],
        &["check-derivatives"],
    ];
    for cmd in dense {
        let args: Vec<&str> = cmd.iter().copied().chain(["--width", "100000"]).collect();
        let o = actbif(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {err}");
        for needle in [
            "width 100000",
            "TiB",
            "available",
            "matrix-free",
            "Widths up to",
        ] {
            assert!(err.contains(needle), "{cmd:?}: `{needle}` missing: {err}");
        }
    }
    // `auto` picks the matrix-free path at this size; its own estimate (N × n Jacobians and
    // the stored branch: ~0.3 TB at m = 10⁶) exceeds any such machine and is refused too.
    let o = actbif(&["trace", "--width", "1000000"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in ["width 1000000", "available", "matrix-free"] {
        assert!(err.contains(needle), "auto: `{needle}` missing: {err}");
    }
    let o = actbif(&["bench-derivatives", "--width", "100000"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// Issue 13 §5 and §7: overflowing, binary and corrupt data files exit with code 2 and say why.
#[test]
fn overflowing_binary_and_corrupt_data_files_are_rejected() {
    let big_x = temp_file("big_x.csv", "x,y\n1,0\n1e200,1\n2,0\n");
    assert_bad_input(
        &["trace", "--width", "3", "--data", big_x.to_str().unwrap()],
        "Σ = E[xxᵀ]",
    );
    let big_y = temp_file("big_y.csv", "x,y\n1,0\n-1,1e300\n2,0\n");
    assert_bad_input(
        &["trace", "--width", "3", "--data", big_y.to_str().unwrap()],
        "E[y²]",
    );
    let dir = big_x.parent().unwrap();
    let binary = dir.join("binary.csv");
    std::fs::write(&binary, b"\x93NUMPY\x01\x00v\x00{'descr': '<f8'\xff\xfe").unwrap();
    assert_bad_input(
        &["trace", "--width", "3", "--data", binary.to_str().unwrap()],
        "not valid UTF-8",
    );
    let corrupt = dir.join("corrupt.npy");
    std::fs::write(&corrupt, b"\x93NUMPY\x01\x00\xff\xff{'descr'").unwrap();
    assert_bad_input(
        &[
            "coefficients",
            "--width",
            "3",
            "--data",
            corrupt.to_str().unwrap(),
        ],
        "corrupt.npy",
    );
}

/// `trace --method paper` at m = 10 JSON: (eigenvalue-crossing λs, events, status).
fn paper_trace_crossings(stopping: &str) -> (Vec<f64>, serde_json::Value) {
    let out = std::env::temp_dir().join(format!(
        "actbif-cli-{}-paper-{stopping}.json",
        std::process::id()
    ));
    let o = actbif(&[
        "trace",
        "--width",
        "10",
        "--method",
        "paper",
        "--paper-stopping",
        stopping,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let crossings = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "eigenvalue_crossing")
        .map(|e| e["lambda"].as_f64().unwrap())
        .collect();
    (crossings, v)
}

/// Issue 11 §4: scipy's default L-BFGS-B stopping (relative decrease ≤ 2.2e-9) stops at
/// ‖∇L‖ ≈ 1e-4 and the FD Hessian of the lagging iterate crosses zero near the paper's 0.721,
/// well before the exact fold at 0.7501; with tight stopping the paper method sees no crossing.
/// Reference: scipy 1.17.1 itself (`scripts/scipy_paper_rerun.py`, same grid, start, FD step)
/// gives crossings at 0.721673 and 0.742526. Window ±1e-3, under half a grid step (1.25e-3):
/// an iterate differing by rounding may move a stop, not the bracketing grid interval.
#[test]
fn paper_method_with_scipy_stopping_sees_the_papers_spurious_crossing() {
    let (scipy, v) = paper_trace_crossings("scipy");
    assert!(scipy.len() >= 2, "crossings {scipy:?}");
    assert!(
        (scipy[0] - 0.721673).abs() <= 1e-3,
        "crossing at {}",
        scipy[0]
    );
    assert!(
        (scipy[1] - 0.742526).abs() <= 1e-3,
        "crossing at {}",
        scipy[1]
    );
    // The crossing is spurious: the minimiser stopped far from stationarity.
    let residual = v["events"][0]["residual"].as_f64().unwrap();
    assert!(residual > 1e-5, "residual {residual}");
    let (tight, _) = paper_trace_crossings("tight");
    assert!(tight.is_empty(), "tight stopping crossed at {tight:?}");
}
