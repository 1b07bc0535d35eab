//! `--model mlp` and `--data digits` through the built binary: bad architectures exit 2 with
//! a clear message; the depth-2 MLP traces the same branch as the two-layer model; the bench
//! prints one JSON object with the documented keys.

use std::process::{Command, Output};

fn actbif(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn assert_bad_input(args: &[&str], needle: &str) {
    let o = actbif(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "args {args:?}: stderr {err}");
    assert!(
        err.contains(needle),
        "args {args:?}: `{needle}` not in {err}"
    );
    assert!(!err.contains("panicked"), "args {args:?} panicked: {err}");
}

#[test]
fn bad_architectures_exit_2() {
    let t = ["trace", "--model", "mlp"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        t.iter().chain(extra.iter()).copied().collect()
    };
    assert_bad_input(&with(&["--layers", "4,10,1"]), "data dimension d = 5");
    assert_bad_input(&with(&["--layers", "5,10,1", "--data", "digits"]), "d = 64");
    assert_bad_input(&with(&["--layers", "5,10,2"]), "last width must be 1");
    assert_bad_input(
        &with(&["--layers", "5,10,1", "--trained", "2"]),
        "out of range",
    );
    assert_bad_input(&with(&[]), "needs --layers");
    assert_bad_input(
        &with(&["--layers", "5,4,4,1", "--trained", "0,1"]),
        "λ₀ > 0",
    );
    assert_bad_input(&["trace"], "--width is required");
    assert_bad_input(
        &["coefficients", "--model", "mlp", "--layers", "5,4,1"],
        "two-layer",
    );
}

fn events(json: &[u8]) -> Vec<f64> {
    let v: serde_json::Value = serde_json::from_slice(json).expect("JSON");
    v["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["lambda"].as_f64().expect("λ"))
        .collect()
}

/// The paper's model as `--model mlp --layers 5,10,1`: same folds as `--width 10` (the
/// structured two-layer path), to the event location tolerance.
#[test]
fn depth_two_mlp_traces_the_paper_branch() {
    let mlp = actbif(&["trace", "--model", "mlp", "--layers", "5,10,1"]);
    assert!(
        mlp.status.success(),
        "{}",
        String::from_utf8_lossy(&mlp.stderr)
    );
    let two = actbif(&["trace", "--width", "10"]);
    assert!(two.status.success());
    let (a, b) = (events(&mlp.stdout), events(&two.stdout));
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9, "event λ {x} vs {y}");
    }
}

#[test]
fn bench_prints_one_json_object() {
    let o = actbif(&[
        "bench-derivatives",
        "--model",
        "mlp",
        "--layers",
        "5,4,3,1",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(text.trim().lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("JSON");
    for key in [
        "loss_s",
        "gradient_s",
        "hvp_s",
        "d3_vec_s",
        "d4_s",
        "gemm_gflops",
        "faer_gemm_gflops",
    ] {
        assert!(v[key].as_f64().is_some_and(|x| x > 0.0), "{key}");
    }
}

/// The MLP trace takes the trace options of the two-layer model: a step budget ends it with
/// exit code 3, the partial branch written, and the checkpoint streamed.
#[test]
fn mlp_step_budget_exits_3_with_partial_branch() {
    let dir = std::env::temp_dir().join(format!("actbif-cli-mlp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("mlp_steps.json");
    let o = actbif(&[
        "trace",
        "--model",
        "mlp",
        "--layers",
        "5,4,3,1",
        "--trained",
        "1",
        "--max-steps",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["status"]["reason"], "step_budget_exhausted");
    assert_eq!(v["setting"]["model"], "mlp");
    let n = v["points"].as_array().unwrap().len();
    assert!((1..=3).contains(&n), "{n} points");
    assert!(out.with_extension("jsonl").exists());
}

/// `--trained all` (issue 23): out-of-range indices, a typo and a partial `diagram` are bad
/// input (exit 2, named); `trace` without a start point explains why it needs one.
#[test]
fn trained_all_bad_input_exits_2() {
    let arch = ["--model", "mlp", "--layers", "5,4,4,1"];
    let with = |cmd: &'static str, extra: &[&'static str]| -> Vec<&'static str> {
        std::iter::once(cmd)
            .chain(arch)
            .chain(extra.iter().copied())
            .collect()
    };
    assert_bad_input(
        &with("check-derivatives", &["--trained", "0,3"]),
        "out of range",
    );
    assert_bad_input(&with("trace", &["--trained", "1,7"]), "out of range");
    assert_bad_input(&with("trace", &["--trained", "alll"]), "expected `all`");
    assert_bad_input(&with("trace", &["--trained", "all"]), "λ₀ > 0");
    assert_bad_input(&with("diagram", &["--trained", "0"]), "--trained all");
}

/// `check-derivatives --model mlp --trained all`: the backprop/dual-GEMM derivatives of every
/// layer against the generic num-dual path (exact: rounding, ≤ 1e-10) and finite differences
/// (truncation + rounding: first-order quantities ≤ 1e-6, D³/D⁴ by nested differences ≤ 1e-4).
#[test]
fn trained_all_derivatives_agree_with_ad_and_fd() {
    let o = actbif(&[
        "check-derivatives",
        "--model",
        "mlp",
        "--layers",
        "5,3,2,1",
        "--trained",
        "all",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["setting"]["trained"], serde_json::json!([0, 1, 2]));
    assert_eq!(v["setting"]["n_params"], 23);
    let ad = v["ad_rel_err"].as_object().unwrap();
    assert_eq!(ad.len(), 6, "{ad:?}");
    for (k, e) in ad {
        assert!(e.as_f64().unwrap() <= 1e-10, "AD {k}: {e}");
    }
    let fd = v["fd_rel_err"].as_object().unwrap();
    for (k, e) in fd {
        let tol = if k.starts_with("d3") || k == "d4" {
            1e-4
        } else {
            1e-6
        };
        assert!(e.as_f64().unwrap() <= tol, "FD {k}: {e}");
    }
}

/// `diagram --model mlp --trained all` on 5 → 2 → 2 → 1: the start manifold's dimension
/// Σ(n_l − 1) = 2 (by hand) equals the λ = 0 kernel and the orbit rank; θ = 0 is a branch;
/// the selected orbits each start a branch at λ_min.
#[test]
fn trained_all_diagram_reports_the_start_manifold() {
    let o = actbif(&[
        "diagram",
        "--model",
        "mlp",
        "--layers",
        "5,2,2,1",
        "--trained",
        "all",
        "--starts",
        "2",
        "--no-switch",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let sm = &v["start_manifold"];
    assert_eq!(sm["dimension"], 2);
    assert_eq!(sm["kernel_dim_at_lambda0"], 2);
    assert_eq!(sm["orbit_tangent_rank"], 2);
    // χ(S¹ × S¹) = 0: the signed sum over the selected orbits is an integer against it.
    let ec = &sm["euler_check"];
    assert_eq!(ec["chi"], 0);
    assert!(ec["sum"].is_i64(), "{ec}");
    let sel = v["selected_orbits"].as_array().expect("selected orbits");
    assert!(!sel.is_empty());
    for o in sel {
        // A branch, or a reason why none.
        assert!(o["branch"].is_u64() || o["branch_note"].is_string(), "{o}");
        assert!(o["F"].is_f64() && o["morse_on_manifold"].is_u64());
    }
    let branches = v["branches"].as_array().unwrap();
    assert!(branches.iter().any(|b| b["origin"]["kind"] == "lambda0"));
    assert!(v["symmetry"]
        .as_str()
        .unwrap()
        .contains("signed permutations"));
    let zero = v["census"][0]["points"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["theta"].as_array().unwrap().iter().all(|x| x == 0.0));
    assert!(zero, "θ = 0 is in the census");
}
