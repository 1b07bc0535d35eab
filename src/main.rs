//! `actbif`: command-line front end. Parsing and printing only; the work is in
//! `actbif::experiments`.

use actbif::activation::Builtin;
use actbif::continuation::Method;
use actbif::experiments::commands::{self, DataSource, ModelKind, ModelSpec};
use actbif::experiments::{mlp, reproduce, ReproduceOptions};
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
    Reproduce(ReproduceArgs),
    /// Trace the critical branch from the λ = 0 minimum; JSON on stdout or --out.
    Trace(TraceArgs),
    /// Reduced coefficients and classification at an event; JSON.
    Coefficients(CoefficientsArgs),
    /// Compare the derivative implementations at a random point.
    CheckDerivatives(CheckArgs),
    /// Time the derivative implementations.
    BenchDerivatives(BenchArgs),
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
    /// MLP trained layer indices (--model mlp), e.g. 0 or 0,2.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    trained: Vec<usize>,
}

#[derive(Args)]
struct ModelArgs {
    /// Width m (v_j = 0.5 + j/(m − 1)); required for --model two-layer.
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    arch: ArchArgs,
    /// Tikhonov parameter α ≥ 0.
    #[arg(long, default_value_t = actbif::model::PAPER_ALPHA, allow_negative_numbers = true)]
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

#[derive(Args)]
struct TraceArgs {
    #[command(flatten)]
    model: ModelArgs,
    /// Continuation method.
    #[arg(long, value_enum, default_value = "exact")]
    method: MethodArg,
    /// Upper end of the λ window.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    lambda_max: f64,
    /// Write the JSON here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
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
        Some(p) => actbif::experiments::output::write_atomic(p, (json + "\n").as_bytes()),
        None => {
            println!("{json}");
            Ok(())
        }
    }
}

/// Ok(true): success; Ok(false): ran but some experiment failed.
fn run(cli: Cli) -> Result<bool> {
    let progress = true;
    match cli.command.unwrap_or(Command::Reproduce(ReproduceArgs {
        quick: false,
        out: PathBuf::from("results"),
    })) {
        Command::Reproduce(a) => {
            // The README's generated section is refreshed only by a full run into ./results.
            let readme = PathBuf::from("README.md");
            let refresh = !a.quick && a.out == Path::new("results") && readme.exists();
            let s = reproduce(&ReproduceOptions {
                quick: a.quick,
                out: a.out.clone(),
                progress,
                readme: refresh.then_some(readme),
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
                return Ok(false);
            }
            eprintln!("all experiments ran; results in {}", a.out.display());
            Ok(true)
        }
        Command::Trace(a) => {
            let spec = a.model.spec()?;
            let json = if spec.model == ModelKind::Mlp {
                let r = mlp::run_trace(&spec, a.method.into(), a.lambda_max, progress)?;
                serde_json::to_string_pretty(&r)?
            } else {
                let r = commands::run_trace(&spec, a.method.into(), a.lambda_max, progress)?;
                serde_json::to_string_pretty(&r)?
            };
            emit(json, a.out.as_deref())?;
            Ok(true)
        }
        Command::Coefficients(a) => {
            let r =
                commands::run_coefficients(&a.model.spec()?, a.method.into(), a.event, progress)?;
            emit(serde_json::to_string_pretty(&r)?, a.out.as_deref())?;
            Ok(true)
        }
        Command::CheckDerivatives(a) => {
            let s = commands::run_check_derivatives(&a.model.spec()?, a.lambda, a.seed, a.json)?;
            println!("{s}");
            Ok(true)
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
                return Ok(true);
            }
            println!("{}", commands::run_bench_derivatives(a.width)?);
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            if commands::is_input_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
