//! The command line of the `handgrad` binary: its flags (clap), turned into the library's
//! types by [`crate::commands`]. The lesson below sees no flag: its errors name settings in
//! the lab's words, and [`in_flags`] says them with the flags.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use crate::backend::{Backend, NoAdapter};
use crate::data::source::{NoFolder, NoMnist};
use crate::check::slips::Slip;
use crate::data::{DataSource, DatasetKind, Which};
use crate::drawing::Ink;
use crate::gradients::GradSource;
use crate::model::{Activation, Architecture, Init, ModelKind, Precision};
use crate::sgd::OptimizerKind;
use crate::invalid::{Invalid, Setting};
use crate::training::{DIVERGED_LOSS, Diverged, TrainConfig, TrainerKind};

/// The domain's enums as option values: each type names its values itself (`ALL`, `name()`),
/// and only here do they meet clap.
pub trait Named: Copy + Send + Sync + 'static {
    /// Every value.
    fn all() -> &'static [Self];
    /// Its name on the command line.
    fn name(self) -> &'static str;
}

macro_rules! named {
    ($($t:ty),* $(,)?) => {$(
        impl Named for $t {
            fn all() -> &'static [Self] {
                &<$t>::ALL
            }
            fn name(self) -> &'static str {
                <$t>::name(self)
            }
        }
    )*};
}

named!(DatasetKind, Which, GradSource, OptimizerKind, TrainerKind, Init, ModelKind, Activation, Precision, Ink);

/// `--inject-bug`: the slips handgrad's models can make, named as the lab's catalog names them.
impl Named for Slip {
    fn all() -> &'static [Self] {
        &crate::check::slips::INJECTABLE
    }
    fn name(self) -> &'static str {
        Slip::name(self)
    }
}

/// The parser of an option whose values are a [`Named`] type's names.
fn named<T: Named>() -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(T::all().iter().map(|v| v.name()))
        .map(|name| *T::all().iter().find(|v| v.name() == name).expect("one of the possible values"))
}

/// The flag that sets a setting of the lesson's.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Epochs => "--epochs",
        Setting::LearningRate => "--lr",
        Setting::BatchSize => "--batch-size",
        Setting::HiddenUnits => "--hidden",
    }
}

/// The lesson's errors say what is wrong in the lab's words ("the learning rate η must be
/// …"); on the command line, they name the flag instead. An error with context around it is
/// left as it is (its context says where).
pub fn in_flags(e: anyhow::Error) -> anyhow::Error {
    if e.chain().count() > 1 {
        return e;
    }
    if let Some(Invalid { setting, problem }) = e.downcast_ref::<Invalid>() {
        return anyhow::anyhow!("{} {problem}", flag(*setting));
    }
    if let Some(NoMnist { what }) = e.downcast_ref::<NoMnist>() {
        return anyhow::anyhow!(
            "{what}, or pass --data-dir DIR with the four IDX files (or --data-dir FILE.npz, Keras's mnist.npz), or use --dataset fashion-mnist"
        );
    }
    if let Some(missing) = e.downcast_ref::<NoFolder>() {
        let hint = match missing.is_fashion_package() {
            true => " (install it with `apt-get install dataset-fashion-mnist`, or pass --data-dir)",
            false => "",
        };
        return anyhow::anyhow!("data folder {} does not exist{hint}", missing.dir.display());
    }
    if e.downcast_ref::<NoAdapter>().is_some() {
        return anyhow::anyhow!("--device wgpu: {}; --device ndarray works on any machine", NoAdapter::WHY);
    }
    if let Some(&Diverged { epoch, step, loss, lr }) = e.downcast_ref::<Diverged>() {
        return anyhow::anyhow!(
            "training diverged at epoch {epoch}, step {step}: the batch loss became {loss:.4e} (beyond \
             {DIVERGED_LOSS:.1}, where the true class's probability underflows f32); try a smaller \
             --lr (it is {lr})"
        );
    }
    e
}

/// handgrad: the deep-learning lab's logistic regression in Rust on burn, with gradients
/// written by hand and checked against burn's autodiff.
#[derive(Debug, Parser)]
#[command(name = "handgrad", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train the logistic regression (exercise 1) or the MLP (exercise 2) by mini-batch SGD.
    Train(TrainArgs),
    /// Check the analytic gradients against autodiff and finite differences on a real batch.
    Gradcheck(GradcheckArgs),
    /// Exercise 0: the first training images in a 10 × 20 grid (a PNG), or as characters.
    Show(ShowArgs),
    /// Redraw the pictures of a saved run (curves, weights, confusion matrix, mistakes).
    Plot(PlotArgs),
    /// Test accuracy and confusion matrix of a saved model.
    Eval(EvalArgs),
    /// Classify image files (PNG, JPEG; any size) with a saved model.
    Predict(PredictArgs),
    /// A page to draw a digit on and watch the model decide (http://127.0.0.1:8000/).
    Serve(ServeArgs),
    /// Measure handgrad against the lab's numpy script: whole runs and their pieces.
    Bench(BenchArgs),
    /// Write a saved logistic regression's W and b as .npy (numpy's arrays, the lab's
    /// orientation) and the model as safetensors (PyTorch's layout).
    Export(ExportArgs),
    /// Make a run folder (model.bpk, model.json) from the lab's numpy W and b, or from a
    /// safetensors file: eval, predict and serve take it like any other.
    Import(ImportArgs),
    /// List the backends compiled in and, for wgpu, the graphics adapters found.
    Devices,
}

/// Where the data comes from.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Dataset: `mnist` downloads once through burn-dataset; `fashion-mnist` reads
    /// /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
    #[arg(long, value_parser = named::<DatasetKind>(), default_value = "mnist")]
    pub dataset: DatasetKind,

    /// Read the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz) from this folder, or
    /// the arrays x_train, y_train, x_test, y_test of this .npz file (Keras's mnist.npz).
    /// Without it, MNIST comes through burn-dataset's download, or, if that fails, from
    /// ~/.keras/datasets/mnist.npz when it is there. For MNIST, the environment variable
    /// HANDGRAD_DATA_DIR gives the folder when --data-dir does not.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl DataArgs {
    /// The data source these options name.
    pub fn source(&self) -> DataSource {
        DataSource::with_default_dir(self.dataset, self.data_dir.clone())
    }
}

/// Which backend computes.
#[derive(Debug, Clone, Args)]
pub struct DeviceArgs {
    /// Backend: ndarray, flex or wgpu, among those compiled in
    /// [default: the first compiled in, in that order].
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
}

impl DeviceArgs {
    /// The backend asked for, or the default one.
    pub fn backend(&self) -> Result<Backend> {
        match &self.device {
            Some(name) => Backend::parse(name),
            None => Backend::default_backend(),
        }
    }
}

/// Which model (exercise 1 or 2).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// `logreg`: 784 → 10 (exercise 1); `mlp`: 784 → --hidden → 10 (exercise 2).
    #[arg(long = "model", value_parser = named::<ModelKind>(), default_value = "logreg")]
    pub kind: ModelKind,

    /// Hidden units of the MLP.
    #[arg(long, default_value_t = 100, value_name = "L")]
    pub hidden: usize,

    /// Activation of the MLP's hidden layer.
    #[arg(long, value_parser = named::<Activation>(), default_value = "sigmoid")]
    pub activation: Activation,
}

impl ModelArgs {
    /// The architecture asked for.
    pub fn architecture(&self) -> Result<Architecture> {
        Ok(Architecture::new(self.kind, self.hidden, self.activation)?)
    }
}

/// `handgrad train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub data: DataArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,

    /// Passes over the training set [default: 20; with --resume, the run's own, or more to
    /// train longer].
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,

    /// Learning rate η.
    #[arg(long, default_value_t = TrainConfig::LAB_LR, value_name = "ETA", allow_negative_numbers = true)]
    pub lr: f64,

    /// Images per mini-batch (tb). As in the lab, an epoch is ⌊N / tb⌋ batches: the last
    /// partial batch is left out.
    #[arg(long, default_value_t = TrainConfig::LAB_BATCH_SIZE, value_name = "TB")]
    pub batch_size: usize,

    /// Shuffle the training images at each epoch (the lab takes them in order).
    #[arg(long)]
    pub shuffle: bool,

    /// Seed of the shuffle and of `--init normal`.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,

    /// Where the gradients come from: the hand-derived formulas (eq. 4–5) or burn's autodiff
    /// [default: manual; autodiff with --trainer learner].
    #[arg(long, value_parser = named::<GradSource>())]
    pub grad: Option<GradSource>,

    /// Who applies them: the hand-written step (eq. 6–7) or burn's Sgd optimizer [default:
    /// manual; burn with --trainer learner].
    #[arg(long, value_parser = named::<OptimizerKind>())]
    pub optimizer: Option<OptimizerKind>,

    /// Who runs the loop: handgrad's own (`loop`), or burn-train's Learner (`learner`, Keras's
    /// fit(): burn's autodiff and Sgd; in the default build).
    #[arg(long, value_parser = named::<TrainerKind>(), default_value = "loop")]
    pub trainer: TrainerKind,

    /// How the parameters start [default: zeros for logreg, as the lab; normal for mlp, whose
    /// weights are N(0, 1/fan-in) — zeros would leave every hidden unit the same].
    #[arg(long, value_parser = named::<Init>())]
    pub init: Option<Init>,

    /// The precision of the parameters and of every product: f32, or f64 as the lab's numpy
    /// (the pixels scaled in f32, then promoted, as numpy does). f64 runs on the CPU
    /// backends (ndarray, flex).
    #[arg(long, value_parser = named::<Precision>(), default_value = "f32")]
    pub dtype: Precision,

    /// Use only the first N training images.
    #[arg(long, value_name = "N")]
    pub train_limit: Option<usize>,

    /// Use only the first N test images.
    #[arg(long, value_name = "N")]
    pub test_limit: Option<usize>,

    /// Folder for the run's files: metrics.csv, summary.json, model.bpk and model.json, and
    /// the pictures (curves, weights, confusion, errors .png) [default: the next free
    /// runs/N, runs/1 first].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Do not draw the pictures (the model and metrics are still written).
    #[arg(long)]
    pub no_plots: bool,

    /// Replace the run already in --out. Without it, a folder that holds a run is kept as it
    /// is and the new run goes to the first free `DIR-2`, `DIR-3`, … (it says which).
    #[arg(long)]
    pub overwrite: bool,

    /// Write a checkpoint every K epochs (and after the last one).
    #[arg(long, default_value_t = 1, value_name = "K")]
    pub checkpoint_every: usize,

    /// Continue the run in DIR from its last checkpoint, with its saved settings (only
    /// --epochs, to train longer, --device, --data-dir, --no-plots and --checkpoint-every
    /// may be given with it).
    #[arg(long, value_name = "DIR", conflicts_with_all = FIXED_ON_RESUME)]
    pub resume: Option<PathBuf>,
}

/// The options of `train` that a resumed run takes from its checkpoint (clap refuses them
/// with `--resume`), by their argument ids; `out` because a resumed run writes into its own
/// folder.
pub const FIXED_ON_RESUME: [&str; 17] = [
    "dataset", "lr", "batch_size", "shuffle", "seed", "grad", "optimizer", "trainer", "init",
    "dtype", "train_limit", "test_limit", "kind", "hidden", "activation", "out", "overwrite",
];

/// The message for a flag given with `--resume` that it conflicts with: `flag` is clap's
/// rendering of the other argument (`--lr <ETA>`).
pub fn fixed_on_resume_message(flag: &str) -> String {
    let flag = flag.split_whitespace().next().unwrap_or(flag);
    if flag == "--out" {
        "--resume writes into the run's own folder: drop --out".to_string()
    } else if flag == "--overwrite" {
        "--resume continues the run in its folder, replacing nothing: drop --overwrite".to_string()
    } else {
        format!("{flag} cannot be changed when resuming: the run's settings are in its checkpoint.json")
    }
}

/// `handgrad gradcheck`.
#[derive(Debug, Clone, Args)]
pub struct GradcheckArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub data: DataArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub model: ModelArgs,

    /// Images in the checked batch: the first ones of the training set.
    #[arg(long, default_value_t = 100, value_name = "TB")]
    pub batch_size: usize,

    /// Weight entries checked by finite differences (all bias entries are).
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub samples: usize,

    /// Finite-difference step ε (five-point central differences, in f64) [default: 1e-3;
    /// 1e-5 for ReLU, to keep the probes on one side of its kink].
    #[arg(long, value_name = "EPS")]
    pub eps: Option<f64>,

    /// Seed of the random point and of the sampled entries.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub seed: u64,

    /// SGD steps (η = --lr, batches in order) from the start before the third point.
    #[arg(long, default_value_t = 100, value_name = "K")]
    pub steps: usize,

    /// Learning rate of those steps.
    #[arg(long, default_value_t = 0.1, value_name = "ETA")]
    pub lr: f64,

    /// Relative tolerance of analytic against autodiff, both in f32 (JAX's check_grads uses
    /// 2e-3 in float32); differences all below 1e-6 make a row inconclusive, never a pass.
    #[arg(long, default_value_t = 2e-3, value_name = "TOL")]
    pub tol: f64,

    /// Relative tolerance of analytic against finite differences, both in f64
    /// [default: 1e-6; 1e-5 for ReLU, whose kinks the probes may still straddle].
    #[arg(long, value_name = "TOL")]
    pub fd_tol: Option<f64>,

    /// Inject a classic mistake into the analytic gradient, to see the check catch it.
    #[arg(long, value_parser = named::<Slip>(), value_name = "BUG")]
    pub inject_bug: Option<Slip>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `handgrad show`.
#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub data: DataArgs,

    /// Which split to show.
    #[arg(long, value_parser = named::<Which>(), default_value = "train")]
    pub split: Which,

    /// How many images, from the first (20 per row) [default: 200, or 4 with --ascii].
    #[arg(long, value_name = "N")]
    pub count: Option<usize>,

    /// The PNG file to write.
    #[arg(long, default_value = "runs/exo0.png", value_name = "FILE")]
    pub out: PathBuf,

    /// Print the images as characters on the terminal instead of writing a picture.
    #[arg(long)]
    pub ascii: bool,

    /// Instead of the grid, write each image as its own 28×28 PNG in DIR
    /// (`test-00000-label-7.png`, …): inputs for `predict`.
    #[arg(long, value_name = "DIR", conflicts_with = "ascii")]
    pub export: Option<PathBuf>,
}

/// `handgrad plot`.
#[derive(Debug, Clone, Args)]
pub struct PlotArgs {
    /// The run folder (what `train` wrote): metrics.csv, model.bpk, model.json [default: the
    /// latest run in runs/].
    #[arg(long, value_name = "DIR")]
    pub run: Option<PathBuf>,

    /// Where to write the pictures [default: the run folder].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Read the test set from this folder instead of the one the run used (for an MNIST
    /// run, HANDGRAD_DATA_DIR does the same when set).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// `handgrad eval`.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The model file (model.bpk, with its model.json next to it) or the run folder.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,

    /// Read the test set from this folder instead of the one the model was trained with (for
    /// an MNIST model, HANDGRAD_DATA_DIR does the same when set).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// `handgrad predict`.
#[derive(Debug, Clone, Args)]
pub struct PredictArgs {
    /// The model file (model.bpk, with its model.json next to it) or the run folder.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,

    /// Image files (PNG, JPEG; any size, up to 100 megapixels). Each is prepared as the
    /// model's dataset prepared its images: transparency over white paper, ink made light on
    /// black, cropped to the ink, scaled (MNIST: longer side 20 px, placed by its centre of
    /// mass; Fashion-MNIST: 28 px, centred). A 28×28 light-on-dark image is used as it is.
    #[arg(value_name = "IMAGE", required = true)]
    pub images: Vec<PathBuf>,

    /// Which way the ink goes: `auto` (from the picture's border), `dark` (dark ink on light
    /// paper: inverted) or `light` (light on dark, as the datasets: kept).
    #[arg(long, value_parser = named::<Ink>(), default_value = "auto", conflicts_with = "invert")]
    pub ink: Ink,

    /// The same as --ink dark.
    #[arg(long)]
    pub invert: bool,

    /// Also print each 28×28 input as the model sees it, in characters.
    #[arg(long)]
    pub show_input: bool,

    /// Print the predictions as JSON.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// `handgrad serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The model file (model.bpk, with its model.json next to it) or the run folder.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,

    /// The port to listen on (0: any free port, printed on start).
    #[arg(long, default_value_t = 8000, value_name = "N")]
    pub port: u16,

    /// The address to listen on: an IP address or `localhost`. The default, 127.0.0.1, lets
    /// only this machine in; 0.0.0.0 opens the page to the network.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR", value_parser = parse_host)]
    pub host: std::net::IpAddr,

    /// Threads answering requests [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub workers: Option<u16>,

    /// The most connections open at once [default: the open-files limit (ulimit -n) less 64,
    /// at most 4096]. At the bound, the connection that has waited longest for a request is
    /// closed to make room for a new one; when all are busy, a new one gets a 503.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// An IP address, or `localhost` for 127.0.0.1 (no name lookup).
fn parse_host(text: &str) -> std::result::Result<std::net::IpAddr, String> {
    if text.eq_ignore_ascii_case("localhost") {
        return Ok(std::net::Ipv4Addr::LOCALHOST.into());
    }
    text.parse()
        .map_err(|_| "an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost".to_string())
}

/// `handgrad export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// The model file (model.bpk, with its model.json next to it) or the run folder.
    #[arg(long, value_name = "RUN")]
    pub model: PathBuf,

    /// The folder to write W.npy (784 × 10), b.npy (1 × 10, as the lab's b) and
    /// model.safetensors into (created if needed; files of those names are replaced).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// `handgrad import`.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("from").required(true).args(["npy", "safetensors"])))]
pub struct ImportArgs {
    /// The lab's arrays: W (784 × 10) and b (1 × 10 or 10), float32 or float64, as
    /// `np.save` writes them. The model takes their precision.
    #[arg(long, num_args = 2, value_names = ["W.npy", "b.npy"])]
    pub npy: Option<Vec<PathBuf>>,

    /// A safetensors file in PyTorch's layout (linear.weight [10, 784], linear.bias [10]), as
    /// `export` writes it.
    #[arg(long, value_name = "FILE")]
    pub safetensors: Option<PathBuf>,

    /// The run folder to make (model.bpk, model.json).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Replace the model already in --out.
    #[arg(long)]
    pub overwrite: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub data: DataArgs,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub device: DeviceArgs,
}

/// `handgrad bench`.
#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// The dataset folder (four IDX files) both sides train on.
    #[arg(long, value_name = "DIR", default_value = crate::data::source::FASHION_MNIST_DIR)]
    pub data_dir: PathBuf,

    /// Epochs of each whole run.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub epochs: usize,

    /// Whole runs of each kind; the median time is reported.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub repeat: usize,

    /// Backends to measure [default: every one compiled in].
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub backends: Vec<String>,

    /// Epochs of the whole runs on wgpu (a software Vulkan driver is slow) [default: --epochs].
    #[arg(long, value_name = "N")]
    pub wgpu_epochs: Option<usize>,

    /// The Python interpreter for the reference.
    #[arg(long, default_value = "python3", value_name = "PATH")]
    pub python: String,

    /// The lab's numpy script.
    #[arg(long, default_value = "bench/ref_numpy.py", value_name = "FILE")]
    pub numpy_script: PathBuf,

    /// Skip the numpy reference (no ratios then).
    #[arg(long)]
    pub no_numpy: bool,

    /// Measure only the pieces (load, step, evaluation), not whole runs.
    #[arg(long)]
    pub pieces_only: bool,

    /// The raw-Rust limit program (the developers' yardstick: see the book's "Tests and CI"
    /// chapter): measured as a whole run too, and each run's time given as a multiple of its. Its `probe`, next to it,
    /// gives the machine's peak GFLOP/s for the scaling table. Without it: a note, no ratio.
    #[arg(long, value_name = "PATH")]
    pub limit: Option<PathBuf>,

    /// Another handgrad binary, built with other features (say the default build, beside this
    /// `--features blas` one): its whole runs on ndarray join the same rounds and its pieces
    /// are measured too, each row naming the build it ran.
    #[arg(long, value_name = "PATH")]
    pub other_build: Option<PathBuf>,

    /// SGD steps per cell of the scaling table (0: no scaling table).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub scaling_steps: usize,

    /// Where to write the table (Markdown; a JSON file is written next to it).
    #[arg(long, default_value = "artifacts/bench.md", value_name = "FILE")]
    pub out: PathBuf,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value's name is spelled once, by its type's `name()`; what serde writes into the
    /// saved files must be the same word.
    fn names_agree<T: Named + serde::Serialize>() {
        for value in T::all() {
            let name = value.name();
            assert_eq!(serde_json::to_string(value).unwrap(), format!("\"{name}\""));
        }
    }

    #[test]
    fn option_values_are_the_saved_names() {
        names_agree::<DatasetKind>();
        names_agree::<Which>();
        names_agree::<GradSource>();
        names_agree::<OptimizerKind>();
        names_agree::<TrainerKind>();
        names_agree::<Init>();
        names_agree::<Activation>();
        names_agree::<Precision>();
        names_agree::<Slip>();
        // A model's name is the `kind` of its architecture in model.json.
        for kind in ModelKind::ALL {
            let architecture = Architecture::new(kind, 3, Activation::Sigmoid).unwrap();
            assert_eq!(serde_json::to_value(architecture).unwrap()["kind"], kind.name());
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
