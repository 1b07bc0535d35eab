//! `actbif`: command-line front end. Parsing and printing only; the work is in
//! `actbif::app` (and `actbif::experiments` for `reproduce`).

use actbif::activation::Builtin;
use actbif::app::commands::{self, DataSource, ModelKind, ModelSpec, TraceOptions};
use actbif::app::mlp;
use actbif::continuation::{CancelFlag, Method, PaperStopping};
use actbif::experiments::{reproduce, ReproduceOptions};
use actbif::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "actbif",
    version,
    about = "Exact bifurcation analysis of two-layer loss landscapes under the activation homotopy",
    long_about = "Without a subcommand, runs `reproduce` (all Appendix B experiments into ./results)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run all experiments (paper method and exact), write results/, figures, Table 1.
    #[command(
        after_help = "Examples:\n  actbif reproduce                      # all of Appendix B into ./results (~2 min)\n  actbif reproduce --quick --out /tmp/r  # coarser grids (CI)"
    )]
    Reproduce(ReproduceArgs),
    /// Trace the critical branch from the λ = 0 minimum; JSON on stdout or --out.
    #[command(
        after_help = "Examples:\n  actbif trace --width 10 --out m10.json           # the S-shaped branch and its two folds\n  actbif trace --width 10 --method paper           # the paper's minimiser-based method\n  actbif trace --width 1000 --data digits --solver matrix-free --max-seconds 120\n  actbif trace --model mlp --layers 64,16,1 --data digits --max-seconds 60 --out mlp.json"
    )]
    Trace(TraceArgs),
    /// Reduced coefficients and classification at an event; JSON.
    #[command(
        after_help = "Examples:\n  actbif coefficients --width 10 --event 0        # a, b, c, d and the classification of the first fold\n  actbif coefficients --width 10 --event 0 --method paper"
    )]
    Coefficients(CoefficientsArgs),
    /// Compare the derivative implementations at a random point.
    #[command(
        after_help = "Examples:\n  actbif check-derivatives --width 5 --lambda 0.5\n  actbif check-derivatives --model mlp --layers 5,4,3,1 --trained 0,2 --json"
    )]
    CheckDerivatives(CheckArgs),
    /// Time the derivative implementations.
    #[command(after_help = "Examples:\n  actbif bench-derivatives --width 50")]
    BenchDerivatives(BenchArgs),
    /// Trace every configuration of a grid (TOML or JSON) in parallel; rows to DIR/rows.jsonl.
    #[command(
        after_help = "Examples:\n  printf 'width = [3, 5, 10]\nalpha = [4e-3, 1e-3]\n' > grid.toml\n  actbif sweep grid.toml --out sweep_out          # rerun to resume"
    )]
    Sweep(SweepArgs),
    /// Follow the fold curve through the first fold of the λ-branch in (λ, p); JSON.
    #[command(
        after_help = "Examples:\n  actbif fold-curve --width 10 --out fold_m10.json # cusps and g_µ = 0 points in (λ, α)\n  actbif fold-curve --width 10 --p-min 1e-3 --p-max 1e-2"
    )]
    FoldCurve(FoldCurveArgs),
    /// Follow the symmetric toy's branch point (pitchfork) in (λ, α), or with `--param a` the
    /// fold curve of its unfolding v = (1, a) through it; JSON.
    #[command(
        after_help = "Examples:\n  actbif branch-point-curve --out bp.json          # pitchfork curve in (λ, α), bp.svg beside it\n  actbif branch-point-curve --param a --out bp_a.json   # its unfolding v = (1, a): a cusp"
    )]
    BranchPointCurve(BranchPointCurveArgs),
    /// The exact phase boundary α_c(m) (largest α with an interior event) per width; JSON.
    #[command(
        after_help = "Examples:\n  actbif phase-boundary --widths 3,5,10 --per-decade 5 --out pb.json   # and pb.svg"
    )]
    PhaseBoundary(PhaseBoundaryArgs),
    /// The whole bifurcation diagram: every branch (from λ = 0, branch switching, many-start
    /// training, deflation, your points), each followed both ways, and a census per λ checked
    /// by Morse theory; JSON (and figures with --figures).
    #[command(
        after_help = "Examples:\n  actbif diagram --width 10 --starts 20 --census-at 0.5,1 --out m10_diagram.json\n  actbif diagram --data toy --width 2 --output-weights 1,1 --out b4.json --figures b4_figs\n  actbif diagram --width 3 --train-output --out m3_trained.json"
    )]
    Diagram(DiagramArgs),
    /// The large cases of issue 10 (m = 10⁴, digits m = 1000, digits MLP, width sweep to
    /// m = 1000), timed, into results/scale/.
    #[command(
        after_help = "Examples:\n  actbif scale --case width_sweep                  # into results/scale/\n  actbif scale --case digits_m1000 --max-seconds 600"
    )]
    Scale(ScaleArgs),
    /// Redraw a diagram's figures (diagram_loss.svg, …) from its JSON, without re-running it.
    #[command(
        after_help = "Examples:\n  actbif figures --diagram results/diagram/b4.json --out results/diagram/b4"
    )]
    Figures(FiguresArgs),
}

fn figures_command(a: FiguresArgs) -> Result<u8> {
    for name in commands::run_figures(&a.diagram, &a.out)? {
        eprintln!("wrote {}", a.out.join(name).display());
    }
    Ok(commands::EXIT_OK)
}

fn parse_case(s: &str) -> std::result::Result<actbif::app::scale::Case, String> {
    s.parse().map_err(|e: actbif::Error| e.to_string())
}

#[derive(Args)]
struct ScaleArgs {
    /// Case to run (repeatable; default all): paper_m10000, digits_m1000, mlp_digits,
    /// width_sweep, diagram_m10, diagram_digits_m100.
    #[arg(long = "case", value_parser = parse_case)]
    cases: Vec<actbif::app::scale::Case>,
    /// Wall-clock budget per case (seconds); a case that runs out says time_budget_exhausted.
    #[arg(long, default_value_t = actbif::app::scale::DEFAULT_MAX_SECONDS, allow_negative_numbers = true)]
    max_seconds: f64,
    /// Output directory.
    #[arg(long, default_value = actbif::app::scale::DEFAULT_OUT)]
    out: PathBuf,
    /// Width sweep: widths m.
    #[arg(long, value_delimiter = ',', default_values_t = actbif::app::scale::width_sweep::WIDTHS)]
    widths: Vec<usize>,
    /// Width sweep: the products α·m.
    #[arg(long, value_delimiter = ',', default_values_t = actbif::app::scale::width_sweep::ALPHA_M)]
    alpha_m: Vec<f64>,
}

#[derive(Args)]
struct DiagramArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Output weights v of the two-layer model: v1,v2,… or a 1-D .npy file (default: the
    /// paper's v_j = 0.5 + j/(m − 1)).
    #[arg(long, allow_negative_numbers = true)]
    output_weights: Option<String>,
    /// Lower end of the λ window.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lambda_min: f64,
    /// Upper end of the λ window.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    lambda_max: f64,
    /// Random starts for many-start training (Adam, then Newton to ‖∇L‖ ≤ 1e-12).
    #[arg(long, default_value_t = 0)]
    starts: usize,
    /// λ of the training (default: --lambda-max).
    #[arg(long, allow_negative_numbers = true)]
    starts_at: Option<f64>,
    /// λ values for deflated Newton (comma-separated).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    deflation_at: Vec<f64>,
    /// Your points: a .npy file, one θ (1-D) or one per row (2-D), Newton-polished at
    /// --starts-at and followed both ways.
    #[arg(long)]
    points: Option<PathBuf>,
    /// λ values of the census (default: --lambda-max).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    census_at: Vec<f64>,
    /// Hold out this fraction of the data: census points then carry test_loss.
    #[arg(long, allow_negative_numbers = true)]
    test_fraction: Option<f64>,
    /// Wall-clock budget (seconds): status time_budget_exhausted, partial diagram kept.
    #[arg(long, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
    /// Seed of the random starts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Do not switch branches at branch points.
    #[arg(long)]
    no_switch: bool,
    /// Train the output weights v too (Tikhonov on both layers): branches start at the points
    /// of the λ = 0 minimiser sphere that F = ∂λL selects.
    #[arg(long)]
    train_output: bool,
    /// Follow every member of a symmetry orbit (default: one representative per orbit).
    #[arg(long)]
    all_orbit_members: bool,
    /// Random starts of deflated Newton per --deflation-at λ (besides every known point
    /// perturbed).
    #[arg(long, default_value_t = 20)]
    deflation_starts: usize,
    /// Adam steps per training start before Newton (fewer once ‖∇L‖ ≤ 1e-4).
    #[arg(long, default_value_t = 1500)]
    train_iters: usize,
    /// Follow at most this many branches (status max_branches beyond).
    #[arg(long, default_value_t = 500)]
    max_branches: usize,
    /// Write the JSON here (atomically, after each branch and phase) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the checkpoint FILE.json of a stopped run (same options; written back to
    /// it unless --out is given).
    #[arg(long, value_name = "FILE.json")]
    resume: Option<PathBuf>,
    /// Write the figures into this directory.
    #[arg(long)]
    figures: Option<PathBuf>,
}

fn diagram_command(a: DiagramArgs) -> Result<u8> {
    let spec = a.model.spec()?;
    let opts = actbif::diagram::DiagramOptions {
        lambda_min: a.lambda_min,
        lambda_max: a.lambda_max,
        starts: a.starts,
        starts_at: a.starts_at,
        deflation_at: a.deflation_at,
        census_at: a.census_at,
        max_seconds: a.max_seconds,
        seed: a.seed,
        switch: !a.no_switch,
        all_orbit_members: a.all_orbit_members,
        deflation_starts: a.deflation_starts,
        max_branches: a.max_branches,
        train_iters: a.train_iters,
        progress: true,
        ..Default::default()
    };
    let cmd = commands::DiagramCommand {
        spec,
        output_weights: a.output_weights.as_deref().map(str::parse).transpose()?,
        test_fraction: a.test_fraction,
        points: a.points,
        opts,
        out: a.out.clone(),
        figures: a.figures,
        train_output: a.train_output,
    };
    let d = commands::run_diagram_resuming(&cmd, a.resume.as_deref())?;
    if a.out.is_none() && a.resume.is_none() {
        println!("{}", serde_json::to_string_pretty(&d)?);
    }
    for c in &d.census {
        eprintln!(
            "census at λ = {}: {} critical points (by index {:?}), Σ(−1)ᵏcₖ = {}, complete_by_morse = {}",
            c.lambda, c.total, c.counts_by_index, c.euler_sum, c.complete_by_morse
        );
    }
    Ok(if d.status == "complete" {
        commands::EXIT_OK
    } else {
        commands::EXIT_INCOMPLETE
    })
}

#[derive(Args)]
struct FoldCurveArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// The second parameter p (the model's named parameters besides λ; today: alpha).
    #[arg(long, default_value = "alpha")]
    param: String,
    /// Lower end of the p window (default 1e-4).
    #[arg(long, allow_negative_numbers = true)]
    p_min: Option<f64>,
    /// Upper end of the p window (default 1e-1).
    #[arg(long, allow_negative_numbers = true)]
    p_max: Option<f64>,
    /// Linear algebra of the trace to the first fold and of the curve: dense, matrix-free
    /// (bordered GMRES with the structured inverse, no n × n matrix) or auto (dense up to
    /// n = 4000).
    #[arg(long, default_value = "auto")]
    solver: String,
    /// Write the JSON here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct BranchPointCurveArgs {
    /// Tikhonov α of the start (the toy d = 1, m = 2, v = (1, 1) on the B.1 data).
    #[arg(long, default_value_t = actbif::models::two_layer::PAPER_ALPHA)]
    alpha: f64,
    /// The second parameter: alpha (branch-point curve on Fix(S₂)) or a (v = (1, a)).
    #[arg(long, default_value = "alpha")]
    param: String,
    /// Lower end of the p window (default 1e-4 for alpha, 0.5 for a).
    #[arg(long, allow_negative_numbers = true)]
    p_min: Option<f64>,
    /// Upper end of the p window (default 1e-1 for alpha, 1.5 for a).
    #[arg(long, allow_negative_numbers = true)]
    p_max: Option<f64>,
    /// Write the JSON here instead of stdout (and the figure next to it, .svg).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct PhaseBoundaryArgs {
    /// Widths m (paper setting).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "3,5,8,10,15,20,30,50,75,100"
    )]
    widths: Vec<usize>,
    /// Scan points per decade of α ∈ [1e-4, 1e-1].
    #[arg(long, default_value_t = actbif::app::curves::FULL_PER_DECADE)]
    per_decade: usize,
    /// Write the JSON here (and the α_c·m figure next to it, .svg) instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct SweepArgs {
    /// Grid file: TOML table of lists (width, alpha, activation, data_seed, n_samples, solver,
    /// lambda_max), or JSON (the same table, or an array of configurations).
    grid: PathBuf,
    /// Output directory (rows.jsonl and one <config-id>.json branch per configuration);
    /// rerunning into the same directory skips finished configurations.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct FiguresArgs {
    /// The diagram's JSON (as `actbif diagram --out` writes it).
    #[arg(long)]
    diagram: PathBuf,
    /// Directory the figures are written into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Default)]
struct ReproduceArgs {
    /// Fewer widths and coarser grids (CI).
    #[arg(long)]
    quick: bool,
    /// Output directory.
    #[arg(long, default_value = "results")]
    out: PathBuf,
}

fn parse_activation(s: &str) -> std::result::Result<Builtin, String> {
    s.parse::<Builtin>().map_err(|e| e.to_string())
}

fn parse_data(s: &str) -> std::result::Result<DataSource, String> {
    s.parse::<DataSource>().map_err(|e| e.to_string())
}

#[derive(Clone, Copy, ValueEnum, Default, PartialEq)]
enum ModelArg {
    #[default]
    TwoLayer,
    Mlp,
}

impl From<ModelArg> for ModelKind {
    fn from(m: ModelArg) -> ModelKind {
        match m {
            ModelArg::TwoLayer => ModelKind::TwoLayer,
            ModelArg::Mlp => ModelKind::Mlp,
        }
    }
}

/// `--model`, `--layers`, `--trained` (shared by the model and bench arguments).
#[derive(Args, Clone)]
struct ArchArgs {
    /// Model family.
    #[arg(long, value_enum, default_value = "two-layer")]
    model: ModelArg,
    /// MLP widths d,n1,…,1 (--model mlp), e.g. 64,128,128,1.
    #[arg(long, value_delimiter = ',')]
    layers: Vec<usize>,
    /// MLP trained layers (--model mlp): indices, e.g. 0 or 0,2, or `all`.
    #[arg(long, default_value = "0")]
    trained: mlp::Trained,
}

#[derive(Args)]
struct ModelArgs {
    /// Width m (v_j = 0.5 + j/(m − 1)); required for --model two-layer.
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    arch: ArchArgs,
    /// Tikhonov parameter α ≥ 0.
    #[arg(long, default_value_t = actbif::models::two_layer::PAPER_ALPHA, allow_negative_numbers = true)]
    alpha: f64,
    /// Activation: tanh, erf, softplus, sigmoid.
    #[arg(long, default_value = "tanh", value_parser = parse_activation)]
    activation: Builtin,
    /// Data: paper, toy, digits, or a file (.npy pair x/y or CSV with y last).
    #[arg(long, default_value = "paper", value_parser = parse_data)]
    data: DataSource,
}

impl ModelArgs {
    fn spec(&self) -> Result<ModelSpec> {
        let width = match (self.arch.model, self.width) {
            (ModelArg::TwoLayer, None) => {
                return Err(actbif::Error::param(
                    "width",
                    "--width is required for --model two-layer",
                ))
            }
            (_, w) => w.unwrap_or(0),
        };
        Ok(ModelSpec {
            width,
            alpha: self.alpha,
            activation: self.activation,
            data: self.data.clone(),
            model: self.arch.model.into(),
            layers: self.arch.layers.clone(),
            trained: self.arch.trained.clone(),
        })
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum MethodArg {
    Exact,
    Paper,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Exact => Method::Exact,
            MethodArg::Paper => Method::Paper,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum PaperStoppingArg {
    Scipy,
    Tight,
}

impl From<PaperStoppingArg> for PaperStopping {
    fn from(s: PaperStoppingArg) -> PaperStopping {
        match s {
            PaperStoppingArg::Scipy => PaperStopping::ScipyDefault,
            PaperStoppingArg::Tight => PaperStopping::Tight,
        }
    }
}

#[derive(Args)]
struct TraceArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Continuation method.
    #[arg(long, value_enum, default_value = "exact")]
    method: MethodArg,
    /// Paper method: the minimiser's stopping rule (scipy = L-BFGS-B's defaults as the paper
    /// used them; tight = gtol 1e-14).
    #[arg(long, value_enum, default_value = "tight")]
    paper_stopping: PaperStoppingArg,
    /// Upper end of the λ window.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    lambda_max: f64,
    /// Write the JSON here instead of stdout (points and events are also streamed to the
    /// same path with extension .jsonl as they are accepted).
    #[arg(long)]
    out: Option<PathBuf>,
    /// λ of the start point (θ is Newton-polished there).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lambda0: f64,
    /// Start θ: a .npy file (1-D float64) or a JSON array (default: W0).
    #[arg(long)]
    start: Option<PathBuf>,
    /// Continue a previous `trace --out` JSON from its last point.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Step budget (accepted + rejected steps; default 5000): status step_budget_exhausted.
    #[arg(long)]
    max_steps: Option<usize>,
    /// Wall-clock budget in seconds: status time_budget_exhausted.
    #[arg(long, allow_negative_numbers = true)]
    max_seconds: Option<f64>,
    /// Stop after this many events: status max_events.
    #[arg(long)]
    max_events: Option<usize>,
    /// Linear algebra: dense, matrix-free (Krylov + structured Woodbury inverse, no n × n
    /// matrix) or auto (dense up to n = 4000 parameters).
    #[arg(long, default_value = "auto")]
    solver: String,
}

/// SIGINT/SIGTERM set the flag (the trace stops with status `interrupted` and writes what it
/// has); a second signal terminates at once with [`commands::EXIT_INCOMPLETE`].
fn cancel_on_signals() -> CancelFlag {
    let flag = CancelFlag::new();
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let registered = signal_hook::flag::register_conditional_shutdown(
            sig,
            i32::from(commands::EXIT_INCOMPLETE),
            flag.0.clone(),
        )
        .and_then(|_| signal_hook::flag::register(sig, flag.0.clone()));
        if let Err(e) = registered {
            eprintln!("warning: cannot handle signal {sig}: {e}");
        }
    }
    flag
}

#[derive(Args)]
struct CoefficientsArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Index of the event along the branch.
    #[arg(long, default_value_t = 0)]
    event: usize,
    /// Method locating the event.
    #[arg(long, value_enum, default_value = "exact")]
    method: MethodArg,
    /// Write the JSON here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// λ ∈ [0, 1].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    lambda: f64,
    /// Seed of the random point and directions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// JSON output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchArgs {
    /// Width m (default: a range of widths).
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    arch: ArchArgs,
    /// Data (--model mlp): paper, toy, digits, or a file.
    #[arg(long, default_value = "paper", value_parser = parse_data)]
    data: DataSource,
    /// One JSON object (--model mlp).
    #[arg(long)]
    json: bool,
}

fn emit(json: String, out: Option<&Path>) -> Result<()> {
    match out {
        Some(p) => actbif::app::output::write_atomic(p, (json + "\n").as_bytes()),
        None => {
            println!("{json}");
            Ok(())
        }
    }
}

/// The exit code of a run that did not fail outright.
fn run(cli: Cli) -> Result<u8> {
    let progress = true;
    match cli.command.unwrap_or(Command::Reproduce(ReproduceArgs {
        quick: false,
        out: PathBuf::from("results"),
    })) {
        Command::Reproduce(a) => {
            // The README is a user's guide: the measured numbers go to results/summary.md only.
            let s = reproduce(&ReproduceOptions {
                quick: a.quick,
                out: a.out.clone(),
                progress,
                readme: None,
            })?;
            if !s.all_ok() {
                let failed: Vec<String> = s
                    .experiments
                    .iter()
                    .filter(|e| !e.ok)
                    .map(|e| format!("{} ({})", e.id, e.error.clone().unwrap_or_default()))
                    .collect();
                eprintln!(
                    "error: {} of {} experiments failed: {}\n(results written to {}; see summary.json)",
                    failed.len(),
                    s.experiments.len(),
                    failed.join("; "),
                    a.out.display()
                );
                return Ok(commands::EXIT_INTERNAL);
            }
            eprintln!("all experiments ran; results in {}", a.out.display());
            Ok(commands::EXIT_OK)
        }
        Command::Trace(a) => {
            let spec = a.model.spec()?;
            let scipy = matches!(a.paper_stopping, PaperStoppingArg::Scipy);
            if scipy && (matches!(a.method, MethodArg::Exact) || spec.model == ModelKind::Mlp) {
                return Err(actbif::Error::param(
                    "paper-stopping",
                    "scipy applies to `--method paper` on the two-layer model only",
                ));
            }
            let opts = TraceOptions {
                method: a.method.into(),
                lambda_max: a.lambda_max,
                lambda0: a.lambda0,
                start: a.start,
                resume: a.resume,
                max_steps: a.max_steps,
                max_seconds: a.max_seconds,
                max_events: a.max_events,
                checkpoint: a.out.as_deref().map(commands::checkpoint_path),
                cancel: Some(cancel_on_signals()),
                progress,
                paper_stopping: a.paper_stopping.into(),
                solver: a.solver.parse()?,
            };
            let (json, status) = if spec.model == ModelKind::Mlp {
                let r = mlp::run_trace_opts(&spec, &opts)?;
                (serde_json::to_string_pretty(&r)?, r.status)
            } else {
                let r = commands::run_trace_with(&spec, &opts)?;
                (serde_json::to_string_pretty(&r)?, r.status)
            };
            emit(json, a.out.as_deref())?;
            if status.is_incomplete() {
                eprintln!("trace incomplete: {status:?}");
            }
            Ok(commands::status_exit_code(&status))
        }
        Command::Coefficients(a) => {
            let r =
                commands::run_coefficients(&a.model.spec()?, a.method.into(), a.event, progress)?;
            emit(serde_json::to_string_pretty(&r)?, a.out.as_deref())?;
            Ok(commands::EXIT_OK)
        }
        Command::CheckDerivatives(a) => {
            let s = commands::run_check_derivatives(&a.model.spec()?, a.lambda, a.seed, a.json)?;
            println!("{s}");
            Ok(commands::EXIT_OK)
        }
        Command::BenchDerivatives(a) => {
            if a.arch.model == ModelArg::Mlp {
                let spec = ModelSpec {
                    data: a.data,
                    model: ModelKind::Mlp,
                    layers: a.arch.layers,
                    trained: a.arch.trained,
                    ..Default::default()
                };
                let r = mlp::run_bench(&spec)?;
                let compact = if a.json {
                    serde_json::to_string(&r)?
                } else {
                    serde_json::to_string_pretty(&r)?
                };
                println!("{compact}");
                return Ok(commands::EXIT_OK);
            }
            println!("{}", commands::run_bench_derivatives(a.width)?);
            Ok(commands::EXIT_OK)
        }
        Command::FoldCurve(a) => fold_curve_command(a),
        Command::BranchPointCurve(a) => branch_point_curve_command(a),
        Command::PhaseBoundary(a) => phase_boundary_command(a),
        Command::Scale(a) => scale_command(a),
        Command::Diagram(a) => diagram_command(a),
        Command::Figures(a) => figures_command(a),
        // Exit 1 when any configuration failed (each failure is a row with its error).
        Command::Sweep(a) => Ok(if commands::run_sweep_command(&a.grid, &a.out)? {
            commands::EXIT_OK
        } else {
            commands::EXIT_INTERNAL
        }),
    }
}

/// `actbif fold-curve`: JSON (Ctrl-C ends the curve `interrupted`, its points kept).
fn fold_curve_command(a: FoldCurveArgs) -> Result<u8> {
    let window = (a.p_min, a.p_max);
    let cancel = cancel_on_signals();
    let o = commands::fold_curve_command(
        &a.model.spec()?,
        &a.param,
        window,
        a.solver.parse()?,
        cancel,
    )?;
    curve_output(o, a.out.as_deref())
}

/// `actbif branch-point-curve`: JSON, and the figure beside `--out`.
fn branch_point_curve_command(a: BranchPointCurveArgs) -> Result<u8> {
    let svg = a.out.as_ref().map(|o| o.with_extension("svg"));
    let o =
        commands::branch_point_curve_command(a.alpha, &a.param, a.p_min, a.p_max, svg.as_deref())?;
    curve_output(o, a.out.as_deref())
}

/// `actbif phase-boundary`: JSON, and the α_c·m figure beside `--out`.
fn phase_boundary_command(a: PhaseBoundaryArgs) -> Result<u8> {
    let svg = a.out.as_ref().map(|o| o.with_extension("svg"));
    let o = commands::phase_boundary_command(&a.widths, a.per_decade, svg.as_deref())?;
    curve_output(o, a.out.as_deref())
}

/// Writes a curve command's JSON (stdout or `--out`) and its figure; its exit code.
fn curve_output(o: commands::CurveOutput, out: Option<&Path>) -> Result<u8> {
    emit(o.json, out)?;
    if let Some((p, svg)) = &o.figure {
        actbif::app::output::write_atomic(p, svg.as_bytes())?;
    }
    Ok(o.exit)
}

/// `actbif scale`: exit 0 when every case ended by itself, 3 when a budget ran out, 1 on a
/// failed case.
fn scale_command(a: ScaleArgs) -> Result<u8> {
    use actbif::app::scale::{run_scale, ScaleOptions};
    let s = run_scale(&ScaleOptions {
        cases: a.cases,
        max_seconds: a.max_seconds,
        out: a.out,
        progress: true,
        widths: a.widths,
        alpha_m: a.alpha_m,
    })?;
    Ok(if s.any_error() {
        commands::EXIT_INTERNAL
    } else if s.all_complete() {
        commands::EXIT_OK
    } else {
        commands::EXIT_INCOMPLETE
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Bit-identical results for any RAYON_NUM_THREADS.
    actbif::linalg::fix_parallelism();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(commands::error_exit_code(&e))
        }
    }
}
