//! `actbif fold-curve`, `branch-point-curve` and `phase-boundary`: bad input exits with code 2
//! and a message naming the problem.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_parameter_exits_2() {
    let (code, err) = run(&["fold-curve", "--width", "10", "--param", "beta"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("beta") && err.contains("alpha"), "{err}");
}

#[test]
fn unknown_solver_exits_2() {
    let (code, err) = run(&["fold-curve", "--width", "10", "--solver", "lapack"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("lapack") && err.contains("matrix-free"),
        "{err}"
    );
}

/// The memory check is the chosen solver's: a width too large even matrix-free is refused by
/// the matrix-free estimate (it was the dense one's, which refused digits m = 1000 at
/// 737 GiB although the matrix-free run needs about 1 GB).
#[test]
fn memory_check_follows_the_solver() {
    let args = ["fold-curve", "--data", "digits", "--width", "10000000"];
    let (code, err) = run(&[&args[..], &["--solver", "matrix-free"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("even with the matrix-free solver"), "{err}");
    let (code, err) = run(&[&args[..], &["--solver", "dense"]].concat());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("with the dense solver"), "{err}");
}

#[test]
fn no_fold_to_start_from_exits_2() {
    // m = 3 at α = 4e-3 has no interior event (exp5).
    let (code, err) = run(&["fold-curve", "--width", "3", "--param", "alpha"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no located fold"), "{err}");
}

#[test]
fn window_without_the_start_exits_2() {
    let args = [
        "fold-curve",
        "--width",
        "10",
        "--p-min",
        "1e-2",
        "--p-max",
        "1e-1",
    ];
    let (code, err) = run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the window"), "{err}");
    let (code, err) = run(&[
        "fold-curve",
        "--width",
        "10",
        "--p-min",
        "1e-1",
        "--p-max",
        "1e-2",
    ]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn bad_widths_exit_2() {
    let (code, err) = run(&["phase-boundary", "--widths", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("widths"), "{err}");
    let (code, _) = run(&["phase-boundary", "--widths", "10", "--per-decade", "0"]);
    assert_eq!(code, 2);
}

#[test]
fn branch_point_curve_bad_input_exits_2() {
    let (code, err) = run(&["branch-point-curve", "--param", "b"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`b`") && err.contains("alpha, a"), "{err}");
    // α outside the default α window [1e-4, 1e-1].
    let (code, err) = run(&["branch-point-curve", "--alpha", "0.5"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the window"), "{err}");
}
