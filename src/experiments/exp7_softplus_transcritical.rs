//! Remark 7.17: the B.2 setting with the normalised softplus σ(z) = 2(softplus(z) − ln 2)
//! (σ″(0) = 1/2 ≠ 0), where the paper expects a transcritical normal form.

use super::common::{
    analyse, describe_events, describe_paper, eigen_figures, endpoint_slope, BranchSummary,
    Crossing, EndpointReport, EventReport, Setting,
};
use super::{Context, Experiment, Meta, Outcome};
use crate::activation::Builtin;
use crate::continuation::Status;
use crate::data::{paper_output_weights, paper_teacher, PAPER_N, PAPER_SEED};
use crate::error::Result;
use crate::models::two_layer::{TwoLayer, PAPER_ALPHA};
use serde::Serialize;

/// Width of this experiment (as B.2).
pub const WIDTH: usize = 10;

/// Result of Remark 7.17's experiment.
#[derive(Clone, Debug, Serialize)]
pub struct Exp7Result {
    /// Model setting.
    pub setting: Setting,
    /// λ1′(0) at the linear endpoint.
    pub endpoint: EndpointReport,
    /// Exact branch.
    pub exact: BranchSummary,
    /// Events with coefficients and classification.
    pub events: Vec<EventReport>,
    /// Paper method.
    pub paper_status: Status,
    /// Paper-method grid steps used.
    pub paper_steps: usize,
    /// Paper-method crossing or closest approach.
    pub paper_crossing: Option<Crossing>,
    /// Coefficients at the paper-method point.
    pub paper_point: Option<EventReport>,
    /// The paper's expectation.
    pub paper_expectation: String,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

/// Runs the softplus experiment.
pub fn run(ctx: &Context) -> Result<Outcome<Exp7Result>> {
    let model = TwoLayer::new(
        paper_teacher(PAPER_SEED, PAPER_N),
        paper_output_weights(WIDTH),
        PAPER_ALPHA,
        Builtin::Softplus,
    )?;
    let m = analyse(
        model,
        ctx,
        "Remark 7.17 (softplus)",
        ctx.softplus_paper_steps,
    )?;
    let endpoint = endpoint_slope(&m.model, m.theta0.view())?;
    let finding = format!(
        "softplus: λ1′(0) = {:.4e} (exact; paper (18)/(22) form: {:.4e}). {} Paper method: {}.",
        endpoint.exact,
        endpoint.paper_22,
        describe_events(&m),
        describe_paper(m.crossing.as_ref())
    );
    let result = Exp7Result {
        setting: Setting::of(&m.model, "paper_teacher(77, 500) (numpy-compatible)"),
        endpoint,
        exact: BranchSummary::of(&m.exact),
        events: m.events.clone(),
        paper_status: m.paper.status.clone(),
        paper_steps: ctx.softplus_paper_steps,
        paper_crossing: m.crossing.clone(),
        paper_point: m.paper_event.clone(),
        paper_expectation: "Remark 7.17: σ″(0) ≠ 0 makes g_aa = O(1), so the normal form would be \
                            transcritical rather than (near-)pitchfork."
            .into(),
        finding,
    };
    let figures = eigen_figures(&m, "softplus")?;
    Ok(Outcome { result, figures })
}

/// Remark 7.17 as an [`Experiment`] (no Table 1 rows).
pub struct SoftplusTranscritical;

impl Experiment for SoftplusTranscritical {
    type Result = Exp7Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "R7.17",
            title: "softplus (transcritical expectation)",
            file: "exp7_softplus_transcritical.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp7Result>> {
        run(ctx)
    }
}
