//! `actbif figures`: a committed diagram's figures redrawn from its JSON; bad files exit 2.

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

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("actbif_cli_figures_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn redraws_a_diagram_with_one_colour_per_morse_index() {
    let d = dir("ok");
    let json = concat!(env!("CARGO_MANIFEST_DIR"), "/results/diagram/b4.json");
    let (code, err) = run(&["figures", "--diagram", json, "--out", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let svg = std::fs::read_to_string(d.join("diagram_loss.svg")).unwrap();
    // b4's points have Morse indices 0 and 1 (read from the JSON by the test's own count):
    // their two palette colours are drawn, and no colour of an index that is absent.
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let mut idx: Vec<u64> = v["branches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["points"].as_array().unwrap().iter())
        .map(|p| p["morse_index"].as_u64().unwrap())
        .collect();
    idx.sort();
    idx.dedup();
    assert_eq!(idx, [0, 1]);
    for (rgb, want) in [("#0072B2", true), ("#D55E00", true), ("#009E73", false)] {
        assert_eq!(
            svg.to_uppercase().contains(rgb),
            want,
            "{rgb} in the figure: {want}"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn missing_or_garbled_files_exit_2_naming_the_file() {
    let d = dir("bad");
    let out = d.to_str().unwrap();
    let missing = d.join("none.json");
    let (code, err) = run(&[
        "figures",
        "--diagram",
        missing.to_str().unwrap(),
        "--out",
        out,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("none.json") && !err.contains("panicked"),
        "{err}"
    );
    let garbled = d.join("garbled.json");
    std::fs::write(&garbled, "{\"branches\": 3").unwrap();
    let (code, err) = run(&[
        "figures",
        "--diagram",
        garbled.to_str().unwrap(),
        "--out",
        out,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("garbled.json") && !err.contains("panicked"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
