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

/// Issue 13 §3: a model too large for memory is refused up front (before: "memory allocation
/// of 2000000000000 bytes failed", exit 134), with the estimate and the way forward.
#[test]
fn width_too_large_for_memory_is_refused() {
    for cmd in ["trace", "coefficients", "check-derivatives"] {
        let o = actbif(&[cmd, "--width", "100000"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        for needle in [
            "width 100000",
            "TiB",
            "available",
            "matrix-free",
            "Widths up to",
        ] {
            assert!(err.contains(needle), "{cmd}: `{needle}` missing: {err}");
        }
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
