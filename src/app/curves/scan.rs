//! Whether the λ-branch from the λ = 0 minimum has an interior event at a given α, on a grid
//! of α and at single points (the verification traces).

use crate::app::start_point;
use crate::continuation::{trace, Branch, ContinuationParams, Event, EventKind};
use crate::error::Result;
use crate::models::two_layer::TwoLayer;
use serde::Serialize;

/// The model `base` with another Tikhonov α.
pub fn with_alpha(base: &TwoLayer, alpha: f64) -> Result<TwoLayer> {
    TwoLayer::new(
        base.data().clone(),
        base.output_weights().clone(),
        alpha,
        *base.activation(),
    )
}

/// One traced α.
#[derive(Clone, Debug, Serialize)]
pub struct ScanPoint {
    /// α.
    pub alpha: f64,
    /// Kind of the first interior event (None: no event in (0, 1)).
    pub event: Option<EventKind>,
    /// λ of the first interior event.
    pub lambda: Option<f64>,
    /// Status of the trace (`reached_lambda_max`, ...; or the error).
    pub status: String,
    /// The first event itself (θ and kernel, for starting a fold curve).
    #[serde(skip)]
    pub first: Option<Event>,
}

impl ScanPoint {
    /// Whether the branch has an interior event.
    pub fn has_event(&self) -> bool {
        self.event.is_some()
    }
}

/// Traces the λ-branch of `base` at α up to its first interior event (λ ∈ (0, 1)).
pub fn scan_point(base: &TwoLayer, alpha: f64) -> ScanPoint {
    scan_point_with(base, alpha, None)
}

/// [`scan_point`] with the trace's largest step capped at `ds_max` (to resolve two folds close
/// together, e.g. just inside a cusp, which a step over both would not see).
pub fn scan_point_with(base: &TwoLayer, alpha: f64, ds_max: Option<f64>) -> ScanPoint {
    let run = || -> Result<Branch> {
        let model = with_alpha(base, alpha)?;
        let theta0 = start_point(&model)?;
        let defaults = ContinuationParams::default();
        let ds_max = ds_max.unwrap_or(defaults.ds_max);
        let params = ContinuationParams {
            max_events: Some(1),
            ds_max,
            ds_initial: defaults.ds_initial.min(ds_max),
            ..defaults
        };
        trace(&model, theta0.view(), 0.0, &params)
    };
    match run() {
        Ok(b) => {
            let first = b
                .events
                .iter()
                .find(|e| e.lambda > 0.0 && e.lambda < 1.0)
                .cloned();
            ScanPoint {
                alpha,
                event: first.as_ref().map(|e| e.kind),
                lambda: first.as_ref().map(|e| e.lambda),
                status: serde_json::to_value(&b.status)
                    .ok()
                    .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(String::from))
                    .unwrap_or_else(|| format!("{:?}", b.status)),
                first,
            }
        }
        Err(e) => ScanPoint {
            alpha,
            event: None,
            lambda: None,
            status: format!("error: {e}"),
            first: None,
        },
    }
}

/// `per_decade` log-spaced α per decade over \[lo, hi\] (both ends included).
pub fn log_grid(lo: f64, hi: f64, per_decade: usize) -> Vec<f64> {
    let decades = (hi / lo).log10();
    let n = (decades * per_decade as f64).round().max(1.0) as usize;
    (0..=n)
        .map(|i| lo * (hi / lo).powf(i as f64 / n as f64))
        .collect()
}
