//! Whole diagrams: branch switching at the B.4 pitchfork, recognition of known branches, a
//! closed loop, the census and its Morse check, bad input.

use actbif::app::commands::{run_diagram, DataSource, DiagramCommand, ModelSpec, OutputWeights};
use actbif::continuation::{EventKind, Status};
use actbif::derivatives::ad::{AdObjective, GenericLoss};
use actbif::diagram::build::DiagramInput;
use actbif::diagram::{diagram, DiagramOptions, NoSymmetry, OriginKind};
use actbif::Objective;
use ndarray::{array, Array1};
use num_dual::DualNum;

fn b4_command() -> DiagramCommand {
    DiagramCommand {
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
    }
}

#[test]
fn b4_pitchfork_is_switched_and_both_halves_are_counted() {
    let d = run_diagram(&b4_command()).unwrap();
    assert_eq!(d.status, "complete");
    let trivial = &d.branches[0];
    assert_eq!(trivial.origin.kind, OriginKind::Lambda0);
    let bp = &trivial.events[0];
    assert_eq!(bp.event.kind, EventKind::BranchPoint);
    assert!(
        (bp.event.lambda - 0.0318).abs() < 1e-4,
        "λ* = {}",
        bp.event.lambda
    );
    assert_eq!(bp.switched_branches, vec![1]);
    let sw = &d.branches[1];
    assert_eq!(sw.origin.kind, OriginKind::Switch);
    assert_eq!((sw.origin.parent, sw.origin.event), (Some(0), Some(0)));
    // Both halves end at λ = 1; the switched branch meets its parent's point once.
    assert_eq!(
        sw.ends,
        [Status::ReachedLambdaMax, Status::ReachedLambdaMax]
    );
    assert_eq!(sw.events.len(), 1);
    // Z2 pitchfork: the normal form's deviation shrinks like a².
    let order = sw.switch_check.as_ref().unwrap().order_estimate.unwrap();
    assert!((1.7..2.3).contains(&order), "order {order}");
    // Census at λ = 1: the symmetric saddle and the two swapped minima, one orbit of size 2
    // under the swap of the two equal units; 2 − 1 = 1.
    assert!(d.symmetry.contains("permutations"), "{}", d.symmetry);
    let c = &d.census[0];
    assert_eq!(c.counts_by_index, vec![2, 1]);
    assert_eq!(c.euler_sum, 1);
    assert!(c.complete_by_morse);
    assert_eq!(c.points.len(), 2);
    let (m, s) = (&c.points[0], &c.points[1]);
    assert_eq!((m.morse_index, m.orbit_size), (0, 2));
    assert_eq!((s.morse_index, s.orbit_size), (1, 1));
    // Independent check: the saddle is on the diagonal, the minimum off it.
    assert!((s.theta[0] - s.theta[1]).abs() < 1e-9 && (m.theta[0] - m.theta[1]).abs() > 0.1);
    let model = actbif::models::two_layer::TwoLayer::new(
        actbif::data::toy(42, 2000),
        array![1.0, 1.0],
        4e-3,
        actbif::activation::Builtin::Tanh,
    )
    .unwrap();
    // Every point and the minimum's swap (the orbit's other member) are critical.
    let swapped = vec![m.theta[1], m.theta[0]];
    for t in c.points.iter().map(|p| p.theta.clone()).chain([swapped]) {
        let g = model.gradient(Array1::from(t).view(), 1.0);
        assert!(actbif::linalg::norm(g.view()) <= 1e-11);
    }
}

#[test]
fn deflation_finds_the_minima_the_lambda0_branch_misses() {
    // Without switching the λ = 0 branch holds only the symmetric saddle at λ = 1; deflated
    // Newton there must find the swapped minima, followed down to their birth at the pitchfork.
    let mut cmd = b4_command();
    cmd.opts.switch = false;
    cmd.opts.deflation_at = vec![1.0];
    let d = run_diagram(&cmd).unwrap();
    assert_eq!(d.status, "complete");
    let found: Vec<_> = d
        .branches
        .iter()
        .filter(|b| b.origin.kind == OriginKind::Deflation)
        .collect();
    assert_eq!(found.len(), 1, "one orbit of minima");
    let c = &d.census[0];
    assert_eq!(c.counts_by_index, vec![2, 1]);
    assert!(c.complete_by_morse);
    // The same minimum as branch switching finds (an independent route).
    let sw = run_diagram(&b4_command()).unwrap();
    let (a, b) = (&c.points[0].theta, &sw.census[0].points[0].theta);
    let same = (a[0] - b[0]).abs().max((a[1] - b[1]).abs());
    let swapped = (a[0] - b[1]).abs().max((a[1] - b[0]).abs());
    assert!(same.min(swapped) < 1e-9, "{a:?} vs {b:?}");
    // The deflation branch reaches down to the pitchfork λ* ≈ 0.0318 (born there).
    let lo = found[0].points.iter().map(|p| p.lambda).fold(1.0, f64::min);
    assert!((lo - 0.0318).abs() < 2e-3, "lowest λ {lo}");
}

#[test]
fn a_user_point_on_a_traced_branch_is_recognised() {
    let mut cmd = b4_command();
    let first = run_diagram(&cmd).unwrap();
    let saddle = first.census[0].points[1].theta.clone();
    let dir = std::env::temp_dir().join(format!("actbif-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("points.npy");
    let rows =
        ndarray::Array2::from_shape_vec((1, 2), vec![saddle[0] + 1e-4, saddle[1] - 1e-4]).unwrap();
    std::fs::write(&path, actbif::io::encode_npy(&rows, &path).unwrap()).unwrap();
    cmd.points = Some(path);
    let d = run_diagram(&cmd).unwrap();
    assert_eq!(d.branches.len(), first.branches.len());
    assert_eq!(d.seeds.len(), 1);
    assert_eq!(d.seeds[0].outcome, "known");
    assert_eq!(d.seeds[0].branch, Some(0));
    std::fs::remove_dir_all(&dir).ok();
}

/// L = θ⁴/4 − c(λ)θ²/2 + ε(θ − θ³/3)·0, c = 0.04 − (λ − ½)²: critical set θ = 0 and the circle
/// θ² + (λ − ½)² = 0.04.
struct Loop;

impl GenericLoss for Loop {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64>>(&self, theta: &[D], lambda: D) -> D {
        let t = theta[0].clone();
        let c = D::from(0.04) - (lambda - 0.5).powi(2);
        t.powi(4) * 0.25 - c * t.powi(2) * 0.5
    }
}

#[test]
fn a_closed_loop_is_followed_once_and_the_census_counts_it() {
    let obj = AdObjective(Loop);
    let input = DiagramInput {
        obj: &obj,
        start: None,
        user_points: vec![array![0.19]],
        orbits: &NoSymmetry,
        test: None,
        init_scale: 1.0,
    };
    let opts = DiagramOptions {
        starts_at: Some(0.5),
        census_at: vec![0.5],
        switch: false,
        ..Default::default()
    };
    let d = diagram(&input, &opts, &mut |_| Ok(())).unwrap();
    assert_eq!(d.branches.len(), 1);
    let b = &d.branches[0];
    assert_eq!(b.status, Status::ClosedLoop);
    // ∇L = θ(θ² + (λ − ½)² − 0.04): off θ = 0 the circle is fixed to ‖∇L‖/|θ|.
    for p in &b.points {
        let (t, r) = (p.theta[0], p.theta[0].powi(2) + (p.lambda - 0.5).powi(2));
        assert!((t * (r - 0.04)).abs() <= 1e-12);
        if t.abs() > 0.01 {
            assert!((r - 0.04).abs() < 1e-10, "off the circle: {r}");
        }
    }
    // It went all the way round: both signs of θ and the whole λ range [0.3, 0.7].
    let (lo, hi) = b.points.iter().fold((1.0f64, 0.0f64), |(a, c), p| {
        (a.min(p.lambda), c.max(p.lambda))
    });
    assert!(lo < 0.3 + 1e-3 && hi > 0.7 - 1e-3, "λ ∈ [{lo}, {hi}]");
    // Both crossings of λ = ½ are on the loop: θ = ±0.2, minima; θ = 0 (not traced) missing,
    // so the Morse sum is 2, not 1: reported, not forced.
    let c = &d.census[0];
    assert_eq!(c.counts_by_index, vec![2]);
    assert_eq!(c.euler_sum, 2);
    assert!(!c.complete_by_morse);
    let mut thetas: Vec<f64> = c.points.iter().map(|p| p.theta[0]).collect();
    thetas.sort_by(f64::total_cmp);
    assert!((thetas[0] + 0.2).abs() < 1e-12 && (thetas[1] - 0.2).abs() < 1e-12);
}

#[test]
fn bad_input_names_the_problem() {
    let mut cmd = b4_command();
    cmd.opts.census_at = vec![1.5];
    let e = run_diagram(&cmd).unwrap_err().to_string();
    assert!(e.contains("census_at") && e.contains("outside"), "{e}");
    let mut cmd = b4_command();
    cmd.output_weights = Some(OutputWeights::Values(vec![1.0, 1.0, 1.0]));
    assert!(run_diagram(&cmd).is_err());
    let mut cmd = b4_command();
    cmd.test_fraction = Some(1.0);
    let e = run_diagram(&cmd).unwrap_err().to_string();
    assert!(e.contains("test-fraction"), "{e}");
    assert!("1,x".parse::<OutputWeights>().is_err());
}

#[test]
fn three_equal_units_meet_two_dimensional_kernels_and_switch_onto_pairs() {
    // The paper's d = 5 data, m = 3, v = (1/3, 1/3, 1/3): S₃ permutes the units; its
    // symmetric branch meets branch points with 2-dimensional kernels (the standard
    // representation), and the branches born there have exactly two equal units.
    let third = 1.0 / 3.0;
    let mut cmd = b4_command();
    cmd.spec = ModelSpec {
        width: 3,
        data: DataSource::Paper,
        ..Default::default()
    };
    cmd.output_weights = Some(OutputWeights::Values(vec![third; 3]));
    cmd.opts.max_branches = 3;
    let d = run_diagram(&cmd).unwrap();
    assert!(d.symmetry.contains("size 3"), "{}", d.symmetry);
    let sym = &d.branches[0];
    assert_eq!(sym.status, Status::ReachedLambdaMax);
    let model = actbif::models::two_layer::TwoLayer::new(
        actbif::data::paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N),
        Array1::from(vec![third; 3]),
        actbif::models::two_layer::PAPER_ALPHA,
        actbif::activation::Builtin::Tanh,
    )
    .unwrap();
    let rows = |t: &[f64]| -> Vec<Vec<f64>> { t.chunks(5).map(|r| r.to_vec()).collect() };
    let dist = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    let two_dim: Vec<_> = sym.events.iter().filter(|e| e.kernel_dim == 2).collect();
    assert!(!two_dim.is_empty(), "no 2-dimensional kernel found");
    for e in &two_dim {
        let ev = &e.event;
        assert!(ev.lambda > 0.0 && ev.lambda < 1.0);
        assert_eq!(ev.morse_before.abs_diff(ev.morse_after), 2);
        // Independent check: the full Hessian there (its own eigensolver) has exactly two
        // eigenvalues at rounding level, and θ* has three equal units.
        let h = model.hessian(Array1::from(ev.theta.clone()).view(), ev.lambda);
        let mut mu = actbif::linalg::sym_eigenvalues(&h).unwrap().to_vec();
        mu.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
        assert!(mu[1].abs() < 1e-9 && mu[2].abs() > 1e-6, "{:?}", &mu[..3]);
        let r = rows(&ev.theta);
        assert!(dist(&r[0], &r[1]) < 1e-12 && dist(&r[1], &r[2]) < 1e-12);
    }
    let sw = &d.branches[1];
    assert_eq!(
        (sw.origin.kind, sw.origin.parent),
        (OriginKind::Switch, Some(0))
    );
    assert_eq!(sw.orbit.as_ref().map(|o| o.size), Some(3));
    // Away from its ends the switched branch has exactly one pair of equal units.
    let mid = &sw.points[sw.points.len() / 2];
    let r = rows(mid.theta.as_slice().unwrap());
    let pairs = [(0, 1), (0, 2), (1, 2)]
        .iter()
        .filter(|&&(i, j)| dist(&r[i], &r[j]) < 1e-9)
        .count();
    assert_eq!(pairs, 1, "rows {r:?}");
    let g = model.gradient(mid.theta.view(), mid.lambda);
    assert!(actbif::linalg::norm(g.view()) < 1e-10);
}

#[test]
fn both_layers_trained_select_points_of_the_lambda0_sphere() {
    // W and v trained, m = 2: the λ = 0 minimisers are a circle; F = ∂λL on it selects the
    // orbits that continue, each the start of a branch; Σ(−1)ᵏ over them is χ(S¹) = 0.
    let mut cmd = b4_command();
    cmd.spec = ModelSpec {
        width: 2,
        data: DataSource::Paper,
        ..Default::default()
    };
    cmd.output_weights = None;
    cmd.train_output = true;
    cmd.opts.switch = false;
    let d = run_diagram(&cmd).unwrap();
    let sm = d.start_manifold.as_ref().unwrap();
    assert_eq!((sm.dimension, sm.kernel_dim_at_lambda0), (1, 1));
    let ec = sm.euler_check.as_ref().unwrap();
    assert_eq!((ec.sum, ec.chi), (0, 0));
    let sel = d.selected_orbits.as_ref().unwrap();
    assert!(sel.len() >= 2, "{sel:?}");
    let model = actbif::models::two_layer_trained::TwoLayerTrained::new(
        actbif::data::paper_teacher(actbif::data::PAPER_SEED, actbif::data::PAPER_N),
        2,
        actbif::models::two_layer::PAPER_ALPHA,
        actbif::activation::Builtin::Tanh,
    )
    .unwrap();
    let obj = model.objective();
    for o in sel {
        let t = Array1::from(o.theta.clone());
        // On the sphere: critical at λ = 0 (AD gradient).
        assert!(actbif::linalg::norm(obj.gradient(t.view(), 0.0).view()) < 1e-12);
        // F = ∂λL checked by a central difference of the loss itself (error O(h²) ≈ 1e-12).
        let h = 1e-6;
        let fd = (obj.value(t.view(), h) - obj.value(t.view(), -h)) / (2.0 * h);
        assert!(
            (fd - o.f).abs() < 1e-9 * (1.0 + o.f.abs()),
            "F {} vs {fd}",
            o.f
        );
        let b = &d.branches[o.branch.expect("a branch per selected orbit")];
        assert_eq!(b.origin.kind, OriginKind::Lambda0);
        assert_eq!(b.status, Status::ReachedLambdaMax);
    }
    // Bad input: v cannot be both trained and fixed.
    cmd.output_weights = Some(OutputWeights::Values(vec![1.0, 1.0]));
    let e = run_diagram(&cmd).unwrap_err().to_string();
    assert!(e.contains("output-weights"), "{e}");
}
