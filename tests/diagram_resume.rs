//! `actbif diagram --resume` through the built binary: a run stopped by a small budget and
//! resumed (several times) ends with the branches and census of the uninterrupted run; each
//! invocation keeps to its budget; bad checkpoints exit 2 and are left as they were.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// `actbif diagram ARGS`.
fn actbif(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_actbif"))
        .arg("diagram")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("actbif_resume_{name}_{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn read(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The m = 10 model with training and deflation: every phase is met (≈ 5 s uninterrupted).
const M10: [&str; 8] = [
    "--width",
    "10",
    "--starts",
    "5",
    "--deflation-at",
    "0.5",
    "--deflation-starts",
    "5",
];

/// Each branch as (lower end λ, upper end λ, sorted event λs): ids and order may differ.
fn branches(d: &Value) -> Vec<(f64, f64, Vec<f64>)> {
    let mut out: Vec<(f64, f64, Vec<f64>)> = d["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let p = b["points"].as_array().unwrap();
            let l = |i: usize| p[i]["lambda"].as_f64().unwrap();
            let (a, z) = (l(0), l(p.len() - 1));
            let mut ev: Vec<f64> = b["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["lambda"].as_f64().unwrap())
                .collect();
            ev.sort_by(f64::total_cmp);
            (a.min(z), a.max(z), ev)
        })
        .collect();
    out.sort_by(|x, y| {
        (x.0, x.1, x.2.len())
            .partial_cmp(&(y.0, y.1, y.2.len()))
            .unwrap()
    });
    out
}

fn same_branches(a: &Value, b: &Value) {
    let (x, y) = (branches(a), branches(b));
    assert_eq!(x.len(), y.len(), "branch counts:\n{x:?}\n{y:?}");
    for (p, q) in x.iter().zip(&y) {
        let close = |u: f64, v: f64| (u - v).abs() <= 1e-8;
        assert!(
            close(p.0, q.0) && close(p.1, q.1) && p.2.len() == q.2.len(),
            "{p:?} vs {q:?}"
        );
        assert!(
            p.2.iter().zip(&q.2).all(|(u, v)| close(*u, *v)),
            "{p:?} vs {q:?}"
        );
    }
}

#[test]
fn a_stopped_run_resumed_ends_with_the_uninterrupted_diagram() {
    let d = dir("m10");
    let (full, part) = (d.join("full.json"), d.join("part.json"));
    let o = actbif(&[&M10[..], &["--out", full.to_str().unwrap()]].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let reference = read(&full);
    assert_eq!(reference["status"], "complete");

    // A budget far below the run's: it stops early, on time, resumable.
    let budget = 0.3;
    let t = Instant::now();
    let args = [
        &M10[..],
        &["--max-seconds", "0.3", "--out", part.to_str().unwrap()],
    ]
    .concat();
    let o = actbif(&args);
    let wall = t.elapsed().as_secs_f64();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first = read(&part);
    assert_eq!(first["status"], "time_budget_exhausted");
    assert!(first["resume"].is_object());
    // Process start, data and JSON included; before issue 22 the training alone ran ~1 s past.
    assert!(wall <= budget + 0.5, "a {budget} s budget took {wall} s");

    let mut resumes = 0;
    loop {
        resumes += 1;
        assert!(resumes <= 15, "not complete after 15 resumes");
        let t = Instant::now();
        let args = [
            &M10[..],
            &["--max-seconds", "1", "--resume", part.to_str().unwrap()],
        ]
        .concat();
        let o = actbif(&args);
        let wall = t.elapsed().as_secs_f64();
        let code = o.status.code();
        assert!(
            code == Some(0) || code == Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(wall <= 1.0 + 0.7, "a 1 s budget took {wall} s");
        if code == Some(0) {
            break;
        }
    }
    let resumed = read(&part);
    assert_eq!(resumed["status"], "complete");
    same_branches(&reference, &resumed);
    let (c, r) = (&reference["census"][0], &resumed["census"][0]);
    for k in [
        "lambda",
        "total",
        "euler_sum",
        "counts_by_index",
        "complete_by_morse",
    ] {
        assert_eq!(c[k], r[k], "census {k}");
    }
    // Morse theory, independent of both runs: Σ(−1)ᵏcₖ = 1.
    assert_eq!(r["euler_sum"], 1);
    let secs = |v: &Value| v["seconds"].as_f64().unwrap();
    // Every resume but the last ran to its 1 s deadline; `seconds` adds them up.
    assert!(secs(&resumed) >= secs(&first) + 0.95 * (resumes - 1) as f64);
    assert!(secs(&resumed) > secs(&first));
    let _ = std::fs::remove_dir_all(&d);
}

const TOY: [&str; 6] = ["--data", "toy", "--width", "2", "--output-weights", "1,1"];

fn assert_bad_input(args: &[&str], needle: &str) {
    let o = actbif(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "args {args:?}: stderr {err}");
    assert!(err.contains(needle), "`{needle}` not in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_checkpoints_exit_2_and_are_not_overwritten() {
    let d = dir("bad");
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    fn with(resume: &str) -> Vec<&str> {
        [&TOY[..], &["--resume", resume]].concat()
    }
    assert_bad_input(&with(&p("missing.json")), "cannot access");
    std::fs::write(d.join("junk.json"), "{\"status\": ").unwrap();
    assert_bad_input(&with(&p("junk.json")), "malformed");
    std::fs::write(d.join("old.json"), "{\"status\": \"complete\"}").unwrap();
    assert_bad_input(&with(&p("old.json")), "malformed");

    // A stopped run resumed with other settings: refused, naming them; the file unchanged.
    let part = p("part.json");
    let o = actbif(&[&TOY[..], &["--max-seconds", "0.02", "--out", &part]].concat());
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let before = std::fs::read(&part).unwrap();
    let other = ["--data", "toy", "--width", "2", "--output-weights", "1,2"];
    let args = [&other[..], &["--seed", "7", "--resume", &part]].concat();
    assert_bad_input(&args, "output_weights");
    assert_bad_input(&args, "seed: checkpoint 1, this command 7");
    assert_eq!(std::fs::read(&part).unwrap(), before);

    // A complete checkpoint is reported as it is.
    let full = p("full.json");
    assert_eq!(
        actbif(&[&TOY[..], &["--out", &full]].concat())
            .status
            .code(),
        Some(0)
    );
    let before = std::fs::read(&full).unwrap();
    let o = actbif(&with(&full));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read(&full).unwrap(), before);
    let _ = std::fs::remove_dir_all(&d);
}
