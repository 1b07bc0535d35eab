//! `actbif scale` on tiny configurations: valid JSON of the documented shape, honest statuses
//! when the budget runs out, and bad input refused with exit code 2.

use std::path::PathBuf;
use std::process::{Command, Output};

fn actbif(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("actbif-scale-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn read_json(p: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn tiny_width_sweep_writes_valid_json_and_figure() {
    let dir = out_dir("sweep");
    let o = actbif(&[
        "scale",
        "--case",
        "width_sweep",
        "--widths",
        "5,8",
        "--alpha-m",
        "0.02",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stderr: {err}");
    let case = read_json(&dir.join("width_sweep.json"));
    assert_eq!(case["case"], "width_sweep");
    assert_eq!(case["status"], "complete");
    assert!(case["wall_s"].as_f64().unwrap() > 0.0);
    assert!(case["points"].as_u64().unwrap() > 0);
    let rows = case["result"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    for r in rows {
        let (m, alpha) = (r["m"].as_u64().unwrap(), r["alpha"].as_f64().unwrap());
        // α·m = 0.02 as asked.
        assert!((alpha * m as f64 - 0.02).abs() < 1e-15, "{r}");
        // At λ = 0 the Hessian is αI plus a rank-d Gauss–Newton part with n = 5m > d = 5:
        // its smallest eigenvalue is α exactly (closed form), up to rounding of ‖H‖ ≈ 1.
        let l1 = r["lambda1_at_0"].as_f64().expect("λ1(0)");
        assert!((l1 - alpha).abs() < 1e-10, "λ1(0) = {l1}, α = {alpha}");
        // The status says why the trace ended: an event, or none in [0, 1].
        let status = r["status"].as_str().unwrap();
        assert!(
            ["max_events", "reached_lambda_max"].contains(&status),
            "{r}"
        );
        if status == "max_events" {
            let l = r["lambda_star"].as_f64().expect("λ* with an event");
            assert!(l > 0.0 && l < 1.0, "{r}");
            assert!(r["kind"].is_string(), "{r}");
        }
        assert!(r["max_grad_norm"].as_f64().unwrap() <= 1e-10, "{r}");
    }
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["cases"][0]["case"], "width_sweep");
    let svg = std::fs::read_to_string(dir.join("width_sweep.svg")).expect("figure");
    assert!(svg.contains("<svg"), "not an SVG");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn spent_budget_is_reported_not_hidden() {
    let dir = out_dir("budget");
    let o = actbif(&[
        "scale",
        "--case",
        "width_sweep",
        "--widths",
        "5",
        "--alpha-m",
        "0.02",
        "--max-seconds",
        "1e-9",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let case = read_json(&dir.join("width_sweep.json"));
    assert_eq!(case["status"], "time_budget_exhausted");
    assert_eq!(
        case["result"]["rows"][0]["lambda_star"],
        serde_json::Value::Null
    );
    assert_eq!(case["checks"]["wall_s_le_budget"], false);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_case_and_bad_budget_exit_2() {
    for (args, needle) in [
        (vec!["scale", "--case", "paper_m1000"], "unknown case"),
        (vec!["scale", "--max-seconds", "0"], "max-seconds"),
        (vec!["scale", "--widths", "1"], "widths"),
    ] {
        let o = actbif(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}
