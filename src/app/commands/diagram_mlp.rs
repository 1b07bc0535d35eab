//! `actbif diagram --model mlp --trained all`: the MLP with every layer trained. At λ = 0 the
//! minimisers form the balanced manifold Π_l S^{n_l−1} ([`crate::models::mlp::linear_start`]);
//! its dimension is checked against the kernel of the λ = 0 Hessian and the rank of the
//! symmetry's infinitesimal action. The branches come from many-start training, deflation,
//! the user's points and the trivial critical point θ = 0 (critical for every λ: h(0, λ) = 0),
//! followed on [λ_min, λ_max] with λ_min ≥ [`LAMBDA0`], census per λ, orbits of the
//! hidden-unit signed permutations ([`HiddenUnits`]). On the manifold the critical points of
//! F = ∂λL are selected ([`crate::diagram::mlp_selection`]); each, Newton-polished at λ_min,
//! starts a branch there (`selected_orbits`), and Σ(−1)ᵏ over them is checked against χ.

use super::diagram::{load_points, train_test, DiagramCommand};
use super::diagram_trained::{kernel_dim_at, LAMBDA0, SPHERE_STARTS};
use crate::diagram::build::DiagramInput;
use crate::diagram::checkpoint::ResumeFrom;
use crate::diagram::mlp_selection::{manifold_critical_points, product_euler_check};
use crate::diagram::mlp_symmetry::HiddenUnits;
use crate::diagram::selected::selected_orbits;
use crate::diagram::selection::SpherePoint;
use crate::diagram::{Diagram, DiagramOptions, EulerCheck, Orbits, StartManifold};
use crate::error::{Error, Result};
use crate::models::mlp::linear_start::column_rank;
use crate::models::mlp::manifold::ProductSphere;
use crate::models::mlp::{Mlp, MlpSpec};
use crate::Objective;
use ndarray::{Array1, ArrayView1};

/// Relative level (of the largest eigenvalue of TᵀT) below which a direction of the orbit
/// tangents T counts as dependent: exact dependencies sit at rounding (≈ 1e-16), independent
/// ones at O(s⁴/‖T‖²) ≫ 1e-10 for the balanced points.
const TANGENT_RANK_RTOL: f64 = 1e-10;

/// Runs the every-layer-trained MLP diagram.
pub fn run_mlp_diagram(cmd: &DiagramCommand, from: ResumeFrom) -> Result<Diagram> {
    if cmd.output_weights.is_some() || cmd.train_output {
        return Err(Error::param(
            "output-weights",
            "--output-weights and --train-output are for --model two-layer",
        ));
    }
    let depth = cmd.spec.layers.len().saturating_sub(1);
    if !cmd.spec.trained.is_all(depth) {
        return Err(Error::param(
            "trained",
            "`diagram --model mlp` needs every layer trained (`--trained all`)",
        ));
    }
    let (train, test) = train_test(cmd)?;
    let spec = MlpSpec {
        layers: cmd.spec.layers.clone(),
        trained: cmd.spec.trained.resolve(depth),
    };
    let act = cmd.spec.activation;
    let model = Mlp::with_default_weights(train, &spec, cmd.spec.alpha, act)?;
    let lambda0 = cmd.opts.lambda_min.max(LAMBDA0);
    let opts = DiagramOptions {
        lambda_min: lambda0,
        ..cmd.opts.clone()
    };
    opts.validate(model.n_params())?;
    let manifold = start_manifold(&model)?;
    let test_model = test
        .map(|t| Mlp::with_default_weights(t, &spec, 0.0, act))
        .transpose()?;
    let test_fn = test_model
        .as_ref()
        .map(|m| move |th: ArrayView1<f64>, l: f64| m.value(th, l));
    let mut user_points = match &cmd.points {
        Some(p) => load_points(p, model.n_params())?,
        None => Vec::new(),
    };
    user_points.push(Array1::zeros(model.n_params()));
    let orbits = HiddenUnits::of(&model).expect("every layer trained");
    let nosym = crate::diagram::NoSymmetry;
    let group: &dyn Orbits = if opts.all_orbit_members {
        &nosym
    } else {
        &orbits
    };
    let input = DiagramInput {
        obj: &model,
        start: None,
        user_points,
        orbits: group,
        test: test_fn.as_ref().map(|f| f as _),
        init_scale: 1.0 / (model.layers()[0] as f64).sqrt(),
    };
    let out = cmd.out.clone();
    let mut checkpoint = |d: &Diagram| match &out {
        Some(p) => crate::io::write_json_atomic(p, d),
        None => Ok(()),
    };
    let sel = select(&model, lambda0, &opts)?;
    let starts: Vec<Array1<f64>> = sel.polished.iter().flatten().cloned().collect();
    let (t0, before) = (
        from.started,
        from.previous.as_ref().map_or(0.0, |d| d.seconds),
    );
    let mut d = crate::diagram::build::diagram_with(&input, &starts, &opts, from, &mut checkpoint)?;
    let mut manifold = manifold;
    if let Some((sum, chi)) = sel.euler {
        manifold.euler_check = Some(EulerCheck {
            sum,
            chi,
            complete: sum == chi,
        });
    }
    d.start_manifold = Some(manifold);
    let tol = opts.newton_tol;
    let orbits = &orbits as &dyn Orbits;
    let s = selected_orbits(&d, &model, orbits, &sel.points, &sel.polished, lambda0, tol);
    d.selected_orbits = Some(s);
    d.seconds = before + t0.elapsed().as_secs_f64();
    if let Some(p) = &cmd.out {
        crate::io::write_json_atomic(p, &d)?;
    }
    if let Some(dir) = &cmd.figures {
        crate::diagram::figure::write_figures(&d, dir)?;
    }
    Ok(d)
}

/// The λ = 0 manifold at its point u_l = (1, …, 1)/√n_l: the predicted dimension, the kernel
/// of the λ = 0 Hessian there and the rank of the orbit tangents.
pub fn start_manifold(model: &Mlp) -> Result<StartManifold> {
    let start = model.balanced_start()?;
    let theta = model.balanced_point(&start);
    let rank = column_rank(&model.orbit_tangents(theta.view()), TANGENT_RANK_RTOL)?;
    Ok(StartManifold {
        dimension: start.dimension,
        kernel_dim_at_lambda0: kernel_dim_at(model, Some(&theta)),
        euler_check: None,
        orbit_tangent_rank: Some(rank),
        loss: Some(model.value(theta.view(), 0.0)),
    })
}

/// The critical points of F on the manifold with their θ, θ Newton-polished at λ0 (or why
/// not), and (Σ(−1)ᵏ, χ); empty when p* = 0 (the "manifold" is the point θ = 0, a user seed).
struct Selected {
    points: Vec<(SpherePoint, Array1<f64>)>,
    polished: Vec<std::result::Result<Array1<f64>, String>>,
    euler: Option<(i64, i64)>,
}

fn select(model: &Mlp, lambda0: f64, opts: &DiagramOptions) -> Result<Selected> {
    let start = model.balanced_start()?;
    if start.dimension == 0 && start.p.iter().all(|&x| x == 0.0) {
        return Ok(Selected {
            points: Vec::new(),
            polished: Vec::new(),
            euler: None,
        });
    }
    let ps = ProductSphere::new(model, &start);
    let found = manifold_critical_points(&ps, model, SPHERE_STARTS, opts.seed);
    let widths = &model.layers()[1..model.depth()];
    let (sum, chi) = product_euler_check(&found, widths);
    let tol = opts.newton_tol;
    let polished = found
        .iter()
        .map(|p| {
            crate::continuation::newton_critical_point(model, p.theta.view(), lambda0, tol)
                .map_err(|e| e.to_string())
        })
        .collect();
    Ok(Selected {
        points: found.into_iter().map(|p| (p.point, p.theta)).collect(),
        polished,
        euler: Some((sum, chi)),
    })
}
