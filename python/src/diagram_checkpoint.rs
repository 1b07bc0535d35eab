//! `TwoLayer.diagram(checkpoint=PATH)`: the diagram written atomically to PATH after every
//! branch, with the resume state of `actbif diagram --out`; a call whose PATH holds an
//! unfinished diagram of the same run continues it (as `actbif diagram --resume`), one
//! holding a complete diagram returns it.

use actbif::diagram::checkpoint::{put_options, read_checkpoint_of, Fingerprint, ResumeFrom};
use actbif::diagram::{Diagram, DiagramOptions};
use actbif::models::two_layer::TwoLayer;
use ndarray::Array1;
use std::path::Path;
use std::time::Instant;

/// FNV-1a over the bits of `values`: a stable digest (std's hasher may change between Rust
/// releases, and a checkpoint outlives a build).
fn digest<'a>(values: impl IntoIterator<Item = &'a f64>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// What the Python call computes: the model (its data by digest), held-out data, user points
/// and the options, budgets excluded.
pub fn fingerprint(
    model: &TwoLayer,
    test: Option<&actbif::data::Dataset>,
    points: &[Array1<f64>],
    opts: &DiagramOptions,
) -> Fingerprint {
    let mut f = Fingerprint::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("model", "python two-layer".into());
    put("width", model.width().to_string());
    put("alpha", format!("{:?}", model.alpha()));
    put("activation", format!("{:?}", model.activation()));
    put("output_weights", digest(model.output_weights()));
    let d = model.data();
    put(
        "data",
        format!("{:?} {}", d.x.dim(), digest(d.x.iter().chain(&d.y))),
    );
    let t = test.map(|t| digest(t.x.iter().chain(&t.y)));
    put("test_data", format!("{t:?}"));
    put("points", digest(points.iter().flatten()));
    put_options(&mut f, opts);
    f
}

/// How a checkpointed call starts.
pub enum Start {
    /// Run (afresh, or continuing the checkpoint in it).
    Run(Box<ResumeFrom>),
    /// The checkpoint holds the complete diagram: returned as it is.
    Done(Box<Diagram>),
}

/// How the call starts: afresh without `path` or when it does not exist yet (fingerprinted,
/// so that its checkpoints can be resumed); continuing an unfinished checkpoint of the same
/// run; an error (ValueError) for a checkpoint of another run or a malformed file.
pub fn start(path: Option<&Path>, now: Fingerprint) -> actbif::Result<Start> {
    let Some(path) = path else {
        return Ok(Start::Run(Box::default()));
    };
    let started = Instant::now();
    let previous = if path.exists() {
        let d = read_checkpoint_of(path, &now)?;
        if d.status == "complete" {
            return Ok(Start::Done(Box::new(d)));
        }
        Some(d)
    } else {
        None
    };
    Ok(Start::Run(Box::new(ResumeFrom {
        started,
        fingerprint: Some(now),
        previous,
    })))
}
