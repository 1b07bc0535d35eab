//! Whole diagrams of two Appendix B models (issue 22 §8): B.4's symmetric toy (a = 1), its
//! pitchfork branches switched onto, and the paper's m = 10 model (the λ = 0 branch plus
//! many-start training at λ = 1, every branch followed both ways), with the census at λ = 1
//! checked by Morse theory and the §9 hysteresis sweep placed on the diagram: which branch its
//! upward jump lands on, and whose fold ends its downward sweep.

use super::{Context, Experiment, Figure, Finding, Meta, Outcome};
use crate::app::commands::OutputWeights;
use crate::app::commands::{run_diagram, DataSource, DiagramCommand, ModelSpec};
use crate::diagram::{Census, Diagram, DiagramOptions};
use crate::error::Result;
use serde::Serialize;

/// Training starts of the m = 10 diagram (quick: CI). 100 keeps the main job within its
/// 3 minutes on 2 cores (200 starts cost 45 s here alone; the 200-start diagram is the
/// committed study `results/diagram/paper_m10.json`, from `actbif diagram --width 10
/// --starts 200 --census-at 0.5,1`).
fn m10_starts(quick: bool) -> usize {
    if quick {
        20
    } else {
        100
    }
}

/// A diagram in brief.
#[derive(Clone, Debug, Serialize)]
pub struct DiagramSummary {
    /// Model.
    pub model: String,
    /// Training starts at λ = 1.
    pub starts: usize,
    /// `complete` or why not.
    pub status: String,
    /// Branches followed.
    pub branches: usize,
    /// Branches whose trace jumped (status `branch_jump`).
    pub jumped_branches: usize,
    /// Branch points located, and how many were switched onto.
    pub branch_points: (usize, usize),
    /// The lowest birth λ of branches not connected to λ = 0 (ascending, at most 5).
    pub lowest_births: Vec<f64>,
    /// The censuses (points with θ).
    pub census: Vec<Census>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

fn summary(model: &str, starts: usize, d: &Diagram) -> DiagramSummary {
    let bps: Vec<_> = d
        .branches
        .iter()
        .flat_map(|b| &b.events)
        .filter(|e| e.event.kind == crate::continuation::EventKind::BranchPoint)
        .collect();
    let switched = bps
        .iter()
        .filter(|e| !e.switched_branches.is_empty())
        .count();
    let mut births: Vec<f64> = d.branches.iter().filter_map(|b| b.birth_lambda).collect();
    births.sort_by(f64::total_cmp);
    births.truncate(5);
    DiagramSummary {
        model: model.into(),
        starts,
        status: d.status.clone(),
        branches: d.branches.len(),
        jumped_branches: d
            .branches
            .iter()
            .filter(|b| matches!(b.status, crate::continuation::Status::BranchJump(_)))
            .count(),
        branch_points: (bps.len(), switched),
        lowest_births: births,
        census: d.census.clone(),
        seconds: d.seconds,
    }
}

/// The §9 sweep on the m = 10 diagram.
#[derive(Clone, Debug, Serialize)]
pub struct HysteresisOnDiagram {
    /// Census point (index into the λ = 1 census, by loss) the upward sweep ends on, if any.
    pub up_end_census_point: Option<usize>,
    /// Its branch, Morse index, loss and rank by loss among the census minima (0 = lowest).
    pub branch: Option<usize>,
    /// Morse index of that point.
    pub morse_index: Option<usize>,
    /// Rank by loss among the minima at λ = 1 (0: the lowest found).
    pub minimum_rank: Option<usize>,
    /// max |θ_sweep − θ_census| (the match).
    pub distance: Option<f64>,
    /// Birth λ of that branch (its lowest fold), and the downward sweep's jump λ.
    pub birth_lambda: Option<f64>,
    /// λ where the downward sweep jumps (grid λ just after it left the branch).
    pub jump_down_lambda: Option<f64>,
}

fn place_hysteresis(ctx: &Context, d: &Diagram) -> Option<HysteresisOnDiagram> {
    // §9 runs on its own thread: wait for it (it takes ~100 s in a full run), but not forever
    // (a panic there leaves the slot empty).
    let started = std::time::Instant::now();
    while ctx.hysteresis.get().is_none() && started.elapsed().as_secs() < 600 {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (raw, jump_down) = ctx.hysteresis.get()?.as_ref()?;
    // The sweep ends a finite gradient flow (‖θ − θ*‖ ~ 1e-5): Newton-polished first, so the
    // match with a census point is to rounding, not to the flow's tolerance.
    let model = crate::models::two_layer::TwoLayer::paper(10).ok()?;
    let polished = crate::continuation::newton_critical_point(&model, raw.view(), 1.0, 1e-12);
    let theta = polished.as_ref().unwrap_or(raw);
    let c = d.census.iter().find(|c| c.lambda == 1.0)?;
    let dist = |p: &crate::diagram::CensusPoint| {
        p.theta
            .iter()
            .zip(theta.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    let (i, p) = c
        .points
        .iter()
        .enumerate()
        .min_by(|a, b| dist(a.1).total_cmp(&dist(b.1)))?;
    let distance = dist(p);
    // Both polished to ‖∇L‖ ≤ 1e-12: the same point agrees to ~1e-9 (‖H⁻¹‖·1e-12).
    let hit = distance < 1e-7;
    let rank = c
        .points
        .iter()
        .filter(|q| q.morse_index == 0)
        .position(|q| std::ptr::eq(q, p));
    Some(HysteresisOnDiagram {
        up_end_census_point: hit.then_some(i),
        branch: hit.then_some(p.branch),
        morse_index: hit.then_some(p.morse_index),
        minimum_rank: if hit { rank } else { None },
        distance: Some(distance),
        birth_lambda: if hit { p.birth_lambda } else { None },
        jump_down_lambda: *jump_down,
    })
}

/// Result of exp11.
#[derive(Clone, Debug, Serialize)]
pub struct Exp11Result {
    /// B.4 (toy, v = (1, 1)).
    pub b4: DiagramSummary,
    /// The paper's m = 10 model.
    pub m10: DiagramSummary,
    /// The §9 sweep on the m = 10 diagram (when §9 ran first in this run).
    pub hysteresis: Option<HysteresisOnDiagram>,
    /// Interpretation in words, from the numbers.
    pub finding: String,
}

impl Finding for Exp11Result {
    fn finding(&self) -> String {
        self.finding.clone()
    }
}

fn census_words(s: &DiagramSummary) -> String {
    s.census
        .iter()
        .map(|c| {
            format!(
                "at λ = {}: {} critical points by index {:?}, Σ(−1)ᵏcₖ = {}{}",
                c.lambda,
                c.total,
                c.counts_by_index,
                c.euler_sum,
                if c.complete_by_morse {
                    ""
                } else {
                    " (incomplete)"
                }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn finding(r: &Exp11Result) -> String {
    let mut f = format!(
        "B.4: {} branches, {} of {} branch points switched; {}. m = 10 ({} starts): {} \
         branches ({} jumped), lowest births {:?}; {}.",
        r.b4.branches,
        r.b4.branch_points.1,
        r.b4.branch_points.0,
        census_words(&r.b4),
        r.m10.starts,
        r.m10.branches,
        r.m10.jumped_branches,
        r.m10.lowest_births,
        census_words(&r.m10)
    );
    if let Some(h) = &r.hysteresis {
        match (h.branch, h.minimum_rank, h.birth_lambda) {
            (Some(b), Some(k), birth) => f.push_str(&format!(
                " §9: the upward sweep ends on branch {b} (minimum #{k} by loss at λ = 1, born at \
                 λ = {}); the downward sweep leaves it at λ ≈ {}.",
                birth.map_or("— (connected to λ = 0)".into(), |x| format!("{x:.4}")),
                h.jump_down_lambda.map_or("—".into(), |x| format!("{x:.4}"))
            )),
            _ => f.push_str(&format!(
                " §9: the upward sweep's end matches no census point (nearest {:.1e}): the \
                 census missed it.",
                h.distance.unwrap_or(f64::NAN)
            )),
        }
    }
    f
}

/// Issue 22 §8 as an [`Experiment`].
pub struct Diagrams;

impl Experiment for Diagrams {
    type Result = Exp11Result;

    fn meta(&self) -> Meta {
        Meta {
            id: "I22",
            title: "whole diagrams: B.4 switched, m = 10 with many-start training, §9 placed",
            file: "exp11_diagrams.json",
            own_thread: false,
        }
    }

    fn run(&self, ctx: &Context) -> Result<Outcome<Exp11Result>> {
        let b4 = run_diagram(&DiagramCommand {
            spec: ModelSpec {
                width: 2,
                data: DataSource::Toy,
                ..Default::default()
            },
            output_weights: Some(OutputWeights::Values(vec![1.0, 1.0])),
            test_fraction: None,
            points: None,
            opts: DiagramOptions::default(),
            out: None,
            figures: None,
            train_output: false,
        })?;
        let starts = m10_starts(ctx.quick);
        let m10 = run_diagram(&DiagramCommand {
            spec: ModelSpec::default(),
            output_weights: None,
            test_fraction: None,
            points: None,
            opts: DiagramOptions {
                starts,
                census_at: vec![0.5, 1.0],
                ..Default::default()
            },
            out: None,
            figures: None,
            train_output: false,
        })?;
        let mut figures: Vec<Figure> = Vec::new();
        for (tag, d) in [("b4", &b4), ("m10", &m10)] {
            for (name, svg) in crate::diagram::figure::render(d)? {
                figures.push((format!("figures/exp11_{tag}_{name}"), svg));
            }
        }
        let mut result = Exp11Result {
            hysteresis: place_hysteresis(ctx, &m10),
            b4: summary("B.4 toy, v = (1, 1)", 0, &b4),
            m10: summary("paper m = 10", starts, &m10),
            finding: String::new(),
        };
        result.finding = finding(&result);
        Ok(Outcome { result, figures })
    }
}
