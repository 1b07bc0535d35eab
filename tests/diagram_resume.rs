//! `actbif diagram --resume` through the built binary: a run stopped by a small budget and
//! resumed (several times) ends with the branches and census of the uninterrupted run; each
//! invocation keeps to its budget; switches and a cut branch left by a stop are redone; bad
//! checkpoints exit 2 and are left as they were.

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

/// The symmetric toy (B.4): its λ = 0 branch has a pitchfork, switched onto.
#[test]
fn switches_left_by_a_stop_are_done_on_resume() {
    let d = dir("switch");
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let (full, part) = (p("full.json"), p("part.json"));
    assert_eq!(
        actbif(&[&TOY[..], &["--out", &full]].concat())
            .status
            .code(),
        Some(0)
    );
    let reference = read(Path::new(&full));
    assert!(reference["branches"].as_array().unwrap().len() >= 2);

    // One branch allowed: its switched seeds are computed but stay queued.
    let o = actbif(&[&TOY[..], &["--max-branches", "1", "--out", &part]].concat());
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stopped = read(Path::new(&part));
    assert_eq!(stopped["status"], "max_branches");
    assert!(!stopped["resume"]["queue"].as_array().unwrap().is_empty());

    // As if the budget had run out before switching: no queued seeds, switches not done.
    let mut doctored = stopped.clone();
    doctored["resume"]["queue"] = Value::Array(Vec::new());
    doctored["seeds"] = Value::Array(Vec::new());
    for b in doctored["branches"].as_array_mut().unwrap() {
        for e in b["events"].as_array_mut().unwrap() {
            if e["switch_status"] == "not followed: budget" {
                e["switch_status"] = "not switched: budget".into();
                e["switched_branches"] = Value::Array(Vec::new());
            }
        }
    }
    let unswitched = p("unswitched.json");
    std::fs::write(&unswitched, serde_json::to_vec(&doctored).unwrap()).unwrap();

    for file in [&part, &unswitched] {
        let o = actbif(&[&TOY[..], &["--resume", file]].concat());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let resumed = read(Path::new(file));
        assert_eq!(resumed["status"], "complete");
        same_branches(&reference, &resumed);
        for k in ["total", "euler_sum", "counts_by_index"] {
            assert_eq!(
                reference["census"][0][k], resumed["census"][0][k],
                "{file}: {k}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// A branch the budget cut mid-trace (made so by hand: when a real budget cuts one depends on
/// the machine) is dropped and retraced whole on resume.
#[test]
fn a_branch_cut_by_the_budget_is_retraced_on_resume() {
    let d = dir("cut");
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let (full, part) = (p("full.json"), p("part.json"));
    assert_eq!(
        actbif(&[&TOY[..], &["--out", &full]].concat())
            .status
            .code(),
        Some(0)
    );
    let reference = read(Path::new(&full));
    let o = actbif(&[&TOY[..], &["--max-branches", "1", "--out", &part]].concat());
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut c = read(Path::new(&part));

    // Branch 0 cut a few points past its seed, before any switching.
    let flat = c["resume"]["thetas"][0].as_array().unwrap().clone();
    let b = &mut c["branches"][0];
    let pts = b["points"].as_array().unwrap().clone();
    let k = pts
        .iter()
        .position(|q| q["arclength"].as_f64().unwrap() == 0.0)
        .unwrap();
    let keep = (k + 6).min(pts.len() - 1);
    let n = flat.len() / pts.len();
    let seed = serde_json::json!({
        "theta": flat[k * n..(k + 1) * n],
        "lambda": pts[k]["lambda"],
        "origin": b["origin"],
        "count": 1,
        "amplitude": null,
        "parent_coeffs": null,
    });
    b["points"] = Value::Array(pts[..keep].to_vec());
    b["events"] = Value::Array(Vec::new());
    b["ends"][1] = serde_json::json!({"reason": "time_budget_exhausted"});
    c["resume"]["thetas"][0] = Value::Array(flat[..keep * n].to_vec());
    c["resume"]["cut"] = seed;
    c["resume"]["queue"] = Value::Array(Vec::new());
    c["status"] = "time_budget_exhausted".into();
    std::fs::write(&part, serde_json::to_vec(&c).unwrap()).unwrap();

    let o = actbif(&[&TOY[..], &["--resume", &part]].concat());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let resumed = read(Path::new(&part));
    same_branches(&reference, &resumed);
    assert_eq!(
        reference["census"][0]["total"],
        resumed["census"][0]["total"]
    );
    let _ = std::fs::remove_dir_all(&d);
}
