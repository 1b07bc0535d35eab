//! `actbif fold-curve`, `branch-point-curve` and `phase-boundary`: the window defaults, the
//! computation ([`crate::app::curves`]) and what the binary writes (JSON, figure, exit code).

use super::spec::ModelSpec;
use super::{EXIT_INCOMPLETE, EXIT_OK};
use crate::app::curves::{self as c, ImperfectFolds};
use crate::continuation::CancelFlag;
use crate::error::{Error, Result};
use crate::hessian::Solver;
use std::path::{Path, PathBuf};

/// What a curve command produces: its JSON, an optional figure (path, SVG) and its exit code
/// (0 when both directions ended by themselves — window or closed curve — else 3).
#[derive(Clone, Debug)]
pub struct CurveOutput {
    /// Pretty JSON.
    pub json: String,
    /// The figure and where it goes (next to the JSON, `.svg`).
    pub figure: Option<(PathBuf, String)>,
    /// Exit code.
    pub exit: u8,
}

fn exit_of(complete: bool) -> u8 {
    if complete {
        EXIT_OK
    } else {
        EXIT_INCOMPLETE
    }
}

/// `actbif fold-curve`: the fold curve of the model in (λ, `param`) through its first fold.
pub fn fold_curve_command(
    spec: &ModelSpec,
    param: &str,
    (p_min, p_max): (Option<f64>, Option<f64>),
    solver: Solver,
    cancel: CancelFlag,
) -> Result<CurveOutput> {
    let model = spec.build_for(solver)?;
    let w = c::window(p_min, p_max, c::ALPHA_WINDOW);
    let data = spec.data.to_string();
    let r = c::run_fold_curve_with(&model, &data, param, w, solver, Some(cancel))?;
    Ok(CurveOutput {
        json: serde_json::to_string_pretty(&r)?,
        figure: None,
        exit: exit_of(r.status == "complete"),
    })
}

/// `actbif branch-point-curve`: the symmetric toy's branch-point curve in (λ, α)
/// (`param` = alpha) or its imperfect-pitchfork fold curve in (λ, a) (`param` = a), with its
/// figure at `svg` when given.
pub fn branch_point_curve_command(
    alpha: f64,
    param: &str,
    p_min: Option<f64>,
    p_max: Option<f64>,
    svg: Option<&Path>,
) -> Result<CurveOutput> {
    let default = match param {
        "alpha" => c::BP_ALPHA_WINDOW,
        "a" => c::A_WINDOW,
        other => {
            return Err(Error::param(
                "param",
                format!("`{other}` is not a second parameter of the toy (it has: alpha, a)"),
            ))
        }
    };
    let w = c::window(p_min, p_max, default);
    let name = svg.map(|p| p.to_string_lossy().to_string());
    let name = name.as_deref().unwrap_or("");
    let (json, complete, figure) = if param == "alpha" {
        let r = c::run_branch_point_curve(alpha, w)?;
        let fig = c::bp_figure(&r, &[(r.start.1, r.start.0)], name)?;
        (
            serde_json::to_string_pretty(&r)?,
            r.status == "complete",
            fig,
        )
    } else {
        let r = c::run_imperfect_fold_curve(alpha, w)?;
        let imp = ImperfectFolds {
            alpha,
            branch_point_lambda: r.start.0,
            cusp_exponent: c::cusp_exponent(&r),
            fold_curve: r,
        };
        let fig = c::imperfect_figure(std::slice::from_ref(&imp), name)?;
        let complete = imp.fold_curve.status == "complete";
        (
            serde_json::to_string_pretty(&imp.fold_curve)?,
            complete,
            fig,
        )
    };
    Ok(CurveOutput {
        json,
        figure: svg.map(|p| (p.to_path_buf(), figure.1)),
        exit: exit_of(complete),
    })
}

/// `actbif phase-boundary`: α_c(m) for `widths`, with the α_c·m figure at `svg` when given.
pub fn phase_boundary_command(
    widths: &[usize],
    per_decade: usize,
    svg: Option<&Path>,
) -> Result<CurveOutput> {
    let r = c::run_phase_boundary(widths, per_decade)?;
    let figure = match svg {
        Some(p) => Some((
            p.to_path_buf(),
            c::alpha_c_figure(&r, &p.to_string_lossy())?.1,
        )),
        None => None,
    };
    Ok(CurveOutput {
        json: serde_json::to_string_pretty(&r)?,
        figure,
        exit: EXIT_OK,
    })
}
