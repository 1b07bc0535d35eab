//! `actbif diagram --train-output`: both layers of the two-layer model trained. The λ = 0
//! minimisers form a sphere; the critical points of F = ∂λL on it (one per orbit of signed
//! permutations) are the points that continue into λ > 0, each the start of a branch,
//! followed from λ_min = max(--lambda-min, [`LAMBDA0`]) to λ_max with the diagram's machinery.

use super::diagram::{train_test, DiagramCommand};
use crate::data::Dataset;
use crate::diagram::build::DiagramInput;
use crate::diagram::checkpoint::ResumeFrom;
use crate::diagram::selected::selected_orbits;
use crate::diagram::selection::{euler_check, sphere_critical_points, Phi, SpherePoint};
use crate::diagram::symmetry::is_odd;
use crate::diagram::trained_symmetry::TrainedUnits;
use crate::diagram::{Diagram, DiagramOptions, EulerCheck, OriginKind, StartManifold};
use crate::error::{Error, Result};
use crate::models::two_layer_trained::TwoLayerTrained;
use crate::Objective;
use ndarray::{Array1, ArrayView1};
use std::path::Path;

/// First λ of the selected branches: at λ = 0 the Hessian is singular along the sphere; at
/// λ = 1e-3 the selected points are isolated (their kernel lifted by O(λ)).
pub const LAMBDA0: f64 = 1e-3;

/// Random starts of Newton on the sphere (besides the k-equal-unit candidates).
pub(super) const SPHERE_STARTS: usize = 200;

/// Runs the both-layers-trained diagram of `actbif diagram --train-output`: the command's
/// data (split by `--test-fraction`) loaded, then [`trained_diagram`].
pub fn run_trained_diagram(cmd: &DiagramCommand, from: ResumeFrom) -> Result<Diagram> {
    if cmd.output_weights.is_some() {
        return Err(Error::param(
            "output-weights",
            "--train-output trains v: it cannot also be fixed by --output-weights",
        ));
    }
    check_trained_options(&cmd.opts)?;
    let (train, test) = train_test(cmd)?;
    let model = TwoLayerTrained::new(train, cmd.spec.width, cmd.spec.alpha, cmd.spec.activation)?;
    let out = TrainedOutputs {
        json: cmd.out.as_deref(),
        figures: cmd.figures.as_deref(),
    };
    trained_diagram_with(&model, test, &cmd.opts, out, from)
}

/// Where [`trained_diagram`] writes: the JSON (atomically, after each phase: a checkpoint)
/// and the figures; nothing for `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrainedOutputs<'a> {
    /// The diagram's JSON.
    pub json: Option<&'a Path>,
    /// The directory of its figures.
    pub figures: Option<&'a Path>,
}

/// The options the trained diagram does not support (many-start training, deflation).
fn check_trained_options(opts: &DiagramOptions) -> Result<()> {
    if opts.starts > 0 || !opts.deflation_at.is_empty() {
        return Err(Error::param(
            "train-output",
            "--train-output follows the branches selected on the λ = 0 sphere; --starts and \
             --deflation-at are not supported with it yet",
        ));
    }
    Ok(())
}

/// The both-layers-trained diagram of `model` (`test`: held-out data for `test_loss`): the
/// critical points of F on the λ = 0 sphere, each Newton-polished at
/// λ_min = max(`opts.lambda_min`, [`LAMBDA0`]) and followed to λ_max; the census at
/// `opts.census_at` (default λ_max). Shared by the CLI and Python (`TwoLayer(...,
/// train_output=True).diagram`).
pub fn trained_diagram(
    model: &TwoLayerTrained,
    test: Option<Dataset>,
    opts: &DiagramOptions,
    out: TrainedOutputs<'_>,
) -> Result<Diagram> {
    trained_diagram_with(model, test, opts, out, ResumeFrom::default())
}

/// [`trained_diagram`] on the clock, fingerprint and checkpoint of `from`.
fn trained_diagram_with(
    model: &TwoLayerTrained,
    test: Option<Dataset>,
    opts: &DiagramOptions,
    out: TrainedOutputs<'_>,
    from: ResumeFrom,
) -> Result<Diagram> {
    check_trained_options(opts)?;
    let act = *model.activation();
    let obj = model.objective();
    let lambda0 = opts.lambda_min.max(LAMBDA0);
    let opts = DiagramOptions {
        lambda_min: lambda0,
        starts_at: Some(lambda0),
        census_at: if opts.census_at.is_empty() {
            vec![opts.lambda_max]
        } else {
            opts.census_at.clone()
        },
        ..opts.clone()
    };
    opts.validate(obj.dim())?;
    let m = model.width();
    let (points, thetas, polished) = selection(model, lambda0, &opts)?;
    let orbits = TrainedUnits::new(m, model.input_dim(), &act);
    let test_model = test
        .map(|t: Dataset| TwoLayerTrained::new(t, m, 0.0f64.max(f64::MIN_POSITIVE), act))
        .transpose()?
        .map(|t| t.objective());
    let test_fn = test_model
        .as_ref()
        .map(|t| move |th: ArrayView1<f64>, l: f64| t.value(th, l));
    let input = DiagramInput {
        obj: &obj,
        start: None,
        user_points: polished.iter().flatten().cloned().collect(),
        orbits: &orbits,
        test: test_fn.as_ref().map(|f| f as _),
        init_scale: 1.0 / (model.input_dim() as f64).sqrt(),
    };
    let mut checkpoint = |d: &Diagram| match out.json {
        Some(p) => crate::io::write_json_atomic(p, d),
        None => Ok(()),
    };
    let (t0, before) = (
        from.started,
        from.previous.as_ref().map_or(0.0, |d| d.seconds),
    );
    let mut d = crate::diagram::build::diagram_with(&input, &[], &opts, from, &mut checkpoint)?;
    for b in &mut d.branches {
        if b.origin.kind == OriginKind::User {
            b.origin.kind = OriginKind::Lambda0;
        }
    }
    let (sum, chi) = euler_check(&points, m);
    d.start_manifold = Some(StartManifold {
        dimension: m - 1,
        kernel_dim_at_lambda0: kernel_dim_at(&obj, thetas.first()),
        euler_check: Some(EulerCheck {
            sum,
            chi,
            complete: sum == chi,
        }),
        orbit_tangent_rank: None,
        loss: None,
    });
    let pts: Vec<(SpherePoint, Array1<f64>)> = points.iter().cloned().zip(thetas).collect();
    d.selected_orbits = Some(selected_orbits(
        &d,
        &obj,
        &orbits,
        &pts,
        &polished,
        lambda0,
        opts.newton_tol,
    ));
    d.seconds = before + t0.elapsed().as_secs_f64();
    if let Some(p) = out.json {
        crate::io::write_json_atomic(p, &d)?;
    }
    if let Some(dir) = out.figures {
        crate::diagram::figure::write_figures(&d, dir)?;
    }
    Ok(d)
}

/// The critical points of F on the λ = 0 sphere, their θ, and θ Newton-polished at λ0.
type Selection = (
    Vec<SpherePoint>,
    Vec<Array1<f64>>,
    Vec<std::result::Result<Array1<f64>, String>>,
);

fn selection(model: &TwoLayerTrained, lambda0: f64, opts: &DiagramOptions) -> Result<Selection> {
    let act = *model.activation();
    let obj = model.objective();
    let sphere = model.start_sphere()?;
    let (s, b, p) = (sphere.s, sphere.b.view(), sphere.p.view());
    let phi = Phi::new(&act, model.data(), s, b, p);
    let m = model.width();
    let points = sphere_critical_points(&phi, m, is_odd(&act), SPHERE_STARTS, opts.seed);
    let thetas: Vec<Array1<f64>> = points
        .iter()
        .map(|p| model.theta_of(&sphere, p.u.view()))
        .collect();
    let tol = opts.newton_tol;
    let polished = thetas
        .iter()
        .map(|t| {
            crate::continuation::newton_critical_point(&obj, t.view(), lambda0, tol)
                .map_err(|e| e.to_string())
        })
        .collect();
    Ok((points, thetas, polished))
}

/// Eigenvalues of the λ = 0 Hessian at rounding level (≤ 1e-9·‖H‖) at θ.
pub(super) fn kernel_dim_at<O: Objective + ?Sized>(obj: &O, theta: Option<&Array1<f64>>) -> usize {
    let Some(t) = theta else { return 0 };
    match crate::linalg::sym_eigenvalues(&obj.hessian(t.view(), 0.0)) {
        Ok(ev) => {
            let scale = ev.iter().fold(0.0f64, |a, x| a.max(x.abs()));
            ev.iter().filter(|x| x.abs() <= 1e-9 * scale).count()
        }
        Err(_) => 0,
    }
}
