//! `actbif sweep`: a small grid through the binary, its folder layout, resume, failures as
//! rows, and bad grids (exit code 2).

use actbif::app::sweep::{run_config, SweepConfig, SweepRow};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sweep(grid: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actbif"))
        .args([
            "sweep",
            grid.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .expect("the binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("actbif-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rows(dir: &Path) -> Vec<SweepRow> {
    std::fs::read_to_string(dir.join("rows.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn grid_runs_writes_rows_and_branches_and_resumes() {
    let dir = temp_dir("resume");
    let grid = dir.join("grid.toml");
    std::fs::write(&grid, "width = [2, 3]\nn_samples = 60\nalpha = [4e-3]\n").unwrap();
    let o = sweep(&grid, &dir.join("out"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.join("out");
    let r = rows(&out);
    assert_eq!(r.len(), 2);
    for row in &r {
        assert!(row.error.is_none(), "{row:?}");
        let branch: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{}.json", row.config_id))).unwrap(),
        )
        .unwrap();
        assert_eq!(branch["status"]["reason"], row.status.as_str());
        assert_eq!(branch["events"].as_array().unwrap().len(), row.n_events);
        // The row is the library's run_config of the same configuration.
        let mut c = SweepConfig::paper(row.width);
        c.n_samples = 60;
        let direct = run_config(&c);
        assert_eq!(direct.lambda_star, row.lambda_star);
        assert_eq!(direct.status, row.status);
    }
    // Rerun with one more width: the two finished ones are skipped.
    std::fs::write(&grid, "width = [2, 3, 4]\nn_samples = 60\n").unwrap();
    let o = sweep(&grid, &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("1 run, 2 already finished"), "{err}");
    assert_eq!(rows(&out).len(), 3);
}

#[test]
fn a_failing_configuration_is_a_row_and_exit_code_1() {
    let dir = temp_dir("fail");
    let grid = dir.join("grid.json");
    // α = 0 and N = 2 < d = 5: the λ = 0 minimum is not isolated; the trace refuses to start.
    std::fs::write(
        &grid,
        r#"[{"width": 2, "alpha": 0.0, "n_samples": 2}, {"width": 2, "n_samples": 40}]"#,
    )
    .unwrap();
    let o = sweep(&grid, &dir.join("out"));
    assert_eq!(o.status.code(), Some(1));
    let r = rows(&dir.join("out"));
    assert_eq!(r.len(), 2);
    let failed: Vec<_> = r.iter().filter(|r| r.error.is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].status, "error");
    assert!(
        failed[0].error.as_deref().unwrap().contains("not isolated"),
        "{:?}",
        failed[0].error
    );
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
}

#[test]
fn bad_grids_exit_with_code_2() {
    let dir = temp_dir("bad");
    for (name, text, needle) in [
        ("a.toml", "width = [3]\nactivation = \"relu\"\n", "relu"),
        ("b.toml", "width = [\n", "grid"),
        ("c.toml", "alpha = 0.1\n", "width"),
        ("d.json", "{\"width\": [0]}", "width"),
    ] {
        let g = dir.join(name);
        std::fs::write(&g, text).unwrap();
        let o = sweep(&g, &dir.join("out"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(!err.contains("panicked"));
    }
    let o = sweep(&dir.join("missing.toml"), &dir.join("out"));
    assert_eq!(o.status.code(), Some(2));
}

/// Rows read back from `rows.jsonl` (resume, the Python package's finished rows) must carry
/// the exact f64 that was written: serde_json's default parser is off by one ulp on some
/// 17-digit values (e.g. this λ* of the width-5 sweep row, parsed as significand·10⁻¹⁷ in
/// floating point), which made a resumed sweep's λ* differ from the first run's.
#[test]
fn json_floats_round_trip_exactly() {
    for x in [
        0.36596102276539333f64,
        0.750141255940435,
        0.07433853026000745,
        1e-300,
        5e-324,
    ] {
        let back: f64 = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
        assert_eq!(back.to_bits(), x.to_bits(), "{x:e}");
    }
}
