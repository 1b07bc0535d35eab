//! Architecture checks that read the source: the module layering has no upward arrow (so no
//! cycle), and no function in src/ is longer than the project's limit.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules from the bottom layer up; a module may use only itself and modules
/// listed before it. Same-layer modules (one slice) must not use each other.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["activation", "linalg", "io"],
    &["report", "data"],
    &["derivatives"],
    &["models"],
    &["hessian"],
    &["continuation"],
    &["normal_form"],
    &["diagram"],
    &["app"],
    &["experiments"],
];

/// Longest function body allowed in src/ (lines from `fn` to its closing brace).
const MAX_FN_LINES: usize = 120;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src_files() -> Vec<PathBuf> {
    let mut v = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut v);
    v.sort();
    v
}

/// The top-level module a file belongs to (`src/models/two_layer/mod.rs` → "models").
fn top_module(path: &Path) -> Option<String> {
    let rel = path
        .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    Some(first.trim_end_matches(".rs").to_string())
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Source with comments and string/char literals blanked (so braces and `crate::` inside
/// them do not count), newlines kept.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied().unwrap_or('\0');
        if c == '/' && next == '/' {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == '*' {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == '"' || next == '#') && !prev_ident(&b, i) {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &b[i..j.min(b.len())] {
                out.push(blank(ch));
            }
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && is_char_literal(&b, i) {
            let end = b[i + 1..].iter().position(|&x| x == '\'').unwrap() + i + 1;
            for _ in i..=end {
                out.push(' ');
            }
            i = end + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev_ident(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// `'x'`, `'\n'`, `'\u{..}'` as opposed to a lifetime `'a`.
fn is_char_literal(b: &[char], i: usize) -> bool {
    matches!(
        (b.get(i + 1), b.get(i + 2)),
        (Some('\\'), _) | (Some(_), Some('\''))
    )
}

#[test]
fn no_module_uses_a_later_layer() {
    let mut bad = Vec::new();
    let mut edges: BTreeMap<(String, String), usize> = BTreeMap::new();
    for path in src_files() {
        let Some(me) = top_module(&path) else {
            continue;
        };
        if me == "main" || me == "lib" {
            continue; // the binary and the crate root sit above everything
        }
        let my_layer = layer_of(&me).unwrap_or_else(|| panic!("module {me} has no layer"));
        let code = code_only(&fs::read_to_string(&path).unwrap());
        for (k, _) in code.match_indices("crate::") {
            let used: String = code[k + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if used.is_empty() || used == me || used == "Result" || used == "Error" {
                continue; // crate-root re-exports of error::{Error, Result}
            }
            if used == "Objective" {
                if layer_of("derivatives").unwrap() > my_layer {
                    bad.push(format!("{}: uses crate::Objective", path.display()));
                }
                continue;
            }
            let their = layer_of(&used)
                .unwrap_or_else(|| panic!("{}: crate::{used} has no layer", path.display()));
            *edges.entry((me.clone(), used.clone())).or_default() += 1;
            if their >= my_layer && used != me {
                bad.push(format!(
                    "{}: {me} (layer {my_layer}) uses {used} (layer {their})",
                    path.display()
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "upward or sideways arrows:\n{}",
        bad.join("\n")
    );
    assert!(!edges.is_empty(), "the scan found no crate:: paths at all");
}

/// (file, function name, lines) of every `fn` body in `code`.
fn function_lengths(code: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(pos) = t.find("fn ") else { continue };
        let head = &t[..pos];
        let is_item = head.split_whitespace().all(|w| {
            matches!(
                w,
                "pub" | "pub(crate)" | "pub(super)" | "const" | "unsafe" | "async" | "extern"
            ) || w.starts_with("pub(")
        });
        if !is_item {
            continue;
        }
        let name: String = t[pos + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Body: from the first '{' after the signature to its matching '}'.
        let mut depth = 0i64;
        let mut opened = false;
        let mut end = None;
        'scan: for (k, l) in lines.iter().enumerate().skip(start) {
            for ch in l.chars() {
                match ch {
                    ';' if !opened && depth == 0 => break 'scan, // declaration only
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => {
                        depth -= 1;
                        if opened && depth == 0 {
                            end = Some(k);
                            break 'scan;
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(e) = end {
            out.push((name, e - start + 1));
        }
    }
    out
}

#[test]
fn function_length_scanner_measures_bodies() {
    let code = code_only(
        "fn a() {\n    let s = \"{\";\n}\n\npub(crate) fn b(x: u8) -> u8 {\n    x\n}\nfn c();\n",
    );
    assert_eq!(
        function_lengths(&code),
        vec![("a".to_string(), 3), ("b".to_string(), 3)]
    );
}

#[test]
fn no_function_over_the_limit() {
    let mut long = Vec::new();
    for path in src_files() {
        let code = code_only(&fs::read_to_string(&path).unwrap());
        for (name, n) in function_lengths(&code) {
            if n > MAX_FN_LINES {
                long.push(format!("{}: fn {name} has {n} lines", path.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
}
