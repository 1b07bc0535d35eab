//! A multilayer perceptron under the activation homotopy, with derivatives at gradient cost.
//!
//! f(x) = W_{L−1} h(W_{L−2} h(⋯ h(W_0 x, λ) ⋯, λ), λ): layer widths n_0 = d, n_1, …, n_L = 1,
//! weight matrices W_l ∈ R^{n_{l+1} × n_l}, no biases (so h(0, λ) = 0 keeps the λ = 0 network
//! linear), h(·, λ) at every hidden layer and a linear output. The loss is the crate's
//! convention ([`crate::models::two_layer::TwoLayer`]):
//!
//! L(θ, λ) = 1/(2N) Σ_i (f(x_i) − y_i)² + α/2 ‖θ‖²,
//!
//! with θ the *trained* layers only; the other layers are frozen at given weights.
//!
//! # Parameter layout
//!
//! θ = \[vec(W_l) for l in `trained`, ascending\], each W_l row-major:
//! θ\[offset_l + a·n_l + b\] = W_l\[a, b\]. The two-layer model of the paper is
//! `layers = [d, m, 1]`, `trained = [0]`, W_1 = vᵀ frozen ([`Mlp::from_two_layer`]), with the
//! same θ layout as [`crate::models::two_layer::TwoLayer`].
//!
//! # When is the λ = 0 start an isolated minimum?
//!
//! * **One trained layer k, α > 0**: at λ = 0 the network is linear in W_k,
//!   f(x) = pᵀ W_k Q x with p = (W_{L−1}⋯W_{k+1})ᵀ and Q = W_{k−1}⋯W_0, so L(·, 0) is a ridge
//!   regression with Hessian ppᵀ ⊗ QΣQᵀ + αI ≻ 0: its minimiser is unique and
//!   [`Mlp::lambda0_start`] returns it in closed form, W_k = p bᵀ with
//!   (‖p‖² QΣQᵀ + αI) b = QΣ_{xy}. (α = 0 leaves the directions orthogonal to p flat.)
//! * **Two or more trained layers**: at λ = 0 the loss is invariant under W_{l+1} ↦ W_{l+1}G⁻¹,
//!   W_l ↦ G W_l (rotations, with the regulariser), so the minimisers form a manifold and the
//!   Hessian there has zero modes (see [`crate::models::deep`]). Continuation then needs a
//!   user-supplied start point at some λ₀ > 0; [`Mlp::lambda0_start`] refuses.
//!
//! # Derivatives
//!
//! One forward/backward pass ([`backprop`]) is written once, generic over num-dual scalars
//! ([`jet::Jet`]), with every matrix product done as real GEMMs on the jet components
//! ([`gemm`]). Seeding θ, λ with dual parts gives ∇L (f64), H·u (`Dual64`, forward over
//! reverse), D³L\[u,u,·\] (`Dual2_64`), ∂λ∇L (`Dual64` on λ), D³L\[u,v,·\] and columns of
//! ∂λH (`HyperDual64`); D³L\[u³\] and D⁴L\[u⁴\] come from the forward pass alone (`Dual3_64`,
//! `Dual2<Dual2_64>`). See [`objective`]. [`Mlp`] also implements
//! [`crate::derivatives::ad::GenericLoss`] by plain element-wise loops ([`reference`](mod@reference)), an
//! independent reference for small sizes.

pub mod backprop;
pub mod block_hvp;
pub mod block_mat;
pub mod curvature_precond;
pub mod deflation;
pub mod gauss_newton;
pub mod gemm;
pub mod hessian_operator;
pub mod jet;
pub mod linear_start;
pub mod manifold;
pub mod objective;
pub mod reference;

use crate::activation::{check_normalisation, Activation, Builtin};
use crate::data::{paper_output_weights, Dataset, NumpyRng};
use crate::error::{ensure_finite, ensure_nonnegative, Error, Result};
use crate::linalg;
use crate::models::two_layer::TwoLayer;
use ndarray::{Array1, Array2, ArrayView1};

/// Seed of the numpy-compatible stream that draws frozen hidden layers in
/// [`Mlp::with_default_weights`] (layer l uses seed `FROZEN_SEED + l`).
pub const FROZEN_SEED: u32 = 1234;

/// Which layers are trained, as `--trained` gives it: `all`, or indices such as `0` or `0,2`.
///
/// ```
/// use actbif::models::mlp::Trained;
/// assert_eq!("all".parse::<Trained>().unwrap().resolve(3), vec![0, 1, 2]);
/// assert_eq!("0,2".parse::<Trained>().unwrap().resolve(3), vec![0, 2]);
/// assert!("0,x".parse::<Trained>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trained {
    /// Every weight matrix W_0, …, W_{L−1}.
    All,
    /// These indices (checked against the depth by [`MlpSpec::validate`]).
    Layers(Vec<usize>),
}

impl Default for Trained {
    fn default() -> Self {
        Trained::Layers(vec![0])
    }
}

impl Trained {
    /// The indices for a network of `depth` weight matrices (out-of-range ones are kept, for
    /// [`MlpSpec::validate`] to name them).
    pub fn resolve(&self, depth: usize) -> Vec<usize> {
        match self {
            Trained::All => (0..depth).collect(),
            Trained::Layers(v) => v.clone(),
        }
    }

    /// Whether every layer of a `depth`-matrix network is trained.
    pub fn is_all(&self, depth: usize) -> bool {
        let mut v = self.resolve(depth);
        v.sort_unstable();
        v.dedup();
        v == (0..depth).collect::<Vec<_>>()
    }
}

impl std::str::FromStr for Trained {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.trim() == "all" {
            return Ok(Trained::All);
        }
        s.split(',')
            .map(|x| x.trim().parse::<usize>())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Trained::Layers)
            .map_err(|_| {
                Error::param(
                    "trained",
                    format!("expected `all` or layer indices such as 0 or 0,2; got `{s}`"),
                )
            })
    }
}

impl std::fmt::Display for Trained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trained::All => f.write_str("all"),
            Trained::Layers(v) => {
                let s: Vec<String> = v.iter().map(|l| l.to_string()).collect();
                f.write_str(&s.join(","))
            }
        }
    }
}

/// Architecture as the CLI gives it: widths `[d, n_1, …, 1]` and trained layer indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MlpSpec {
    /// Widths n_0 = d, n_1, …, n_L = 1 (at least two entries).
    pub layers: Vec<usize>,
    /// Indices l of the trained weight matrices W_l (0 ≤ l < L).
    pub trained: Vec<usize>,
}

impl MlpSpec {
    /// Number of weight matrices L.
    pub fn depth(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    /// Checks the architecture against input dimension `d`; returns the trained indices
    /// sorted and deduplicated.
    pub fn validate(&self, d: usize) -> Result<Vec<usize>> {
        if self.layers.len() < 2 {
            return Err(Error::param(
                "layers",
                format!(
                    "need at least an input and an output width (e.g. {d},10,1), got {:?}",
                    self.layers
                ),
            ));
        }
        if let Some(p) = self.layers.iter().position(|&w| w == 0) {
            return Err(Error::param("layers", format!("width {p} is 0")));
        }
        if self.layers[0] != d {
            return Err(Error::param(
                "layers",
                format!(
                    "the first width ({}) must equal the data dimension d = {d}",
                    self.layers[0]
                ),
            ));
        }
        if *self.layers.last().expect("≥ 2 entries") != 1 {
            return Err(Error::param(
                "layers",
                format!(
                    "the last width must be 1 (scalar output), got {}",
                    self.layers.last().expect("≥ 2 entries")
                ),
            ));
        }
        if self.trained.is_empty() {
            return Err(Error::param(
                "trained",
                "at least one layer must be trained",
            ));
        }
        let depth = self.depth();
        if let Some(&l) = self.trained.iter().find(|&&l| l >= depth) {
            return Err(Error::param(
                "trained",
                format!("layer index {l} out of range: the network has weight matrices 0..{depth}"),
            ));
        }
        let mut t = self.trained.clone();
        t.sort_unstable();
        t.dedup();
        Ok(t)
    }
}

/// The MLP with MSE loss and Tikhonov regularisation on the trained layers.
#[derive(Clone, Debug)]
pub struct Mlp<A: Activation = Builtin> {
    data: Dataset,
    /// X row-major (N × d), the first layer's input.
    x: Vec<f64>,
    layers: Vec<usize>,
    /// Trained layer indices, ascending.
    trained: Vec<usize>,
    /// θ offset of each layer (`None` if frozen).
    offsets: Vec<Option<usize>>,
    /// All weight matrices; the trained ones hold a default point only.
    weights: Vec<Array2<f64>>,
    alpha: f64,
    act: A,
    n_params: usize,
}

impl<A: Activation> Mlp<A> {
    /// Builds a validated model: `weights[l]` is W_l (n_{l+1} × n_l, finite) for every layer;
    /// for trained layers it is only the default point ([`Mlp::default_theta`]).
    pub fn new(
        data: Dataset,
        spec: &MlpSpec,
        weights: Vec<Array2<f64>>,
        alpha: f64,
        act: A,
    ) -> Result<Self> {
        let data = Dataset::new(data.x, data.y)?;
        ensure_nonnegative("alpha", alpha)?;
        check_normalisation(&act)?;
        let trained = spec.validate(data.dim())?;
        let depth = spec.depth();
        if weights.len() != depth {
            return Err(Error::shape(
                "MLP weights",
                format!("{depth} matrices"),
                weights.len(),
            ));
        }
        for (l, w) in weights.iter().enumerate() {
            let want = (spec.layers[l + 1], spec.layers[l]);
            if w.dim() != want {
                return Err(Error::shape(
                    &format!("weights of layer {l}"),
                    format!("{} × {}", want.0, want.1),
                    format!("{} × {}", w.nrows(), w.ncols()),
                ));
            }
            ensure_finite(&format!("weights of layer {l}"), w.iter())?;
        }
        let mut offsets = vec![None; depth];
        let mut n_params = 0;
        for &l in &trained {
            offsets[l] = Some(n_params);
            n_params += spec.layers[l] * spec.layers[l + 1];
        }
        let x = data.x.as_standard_layout().iter().copied().collect();
        Ok(Mlp {
            data,
            x,
            layers: spec.layers.clone(),
            trained,
            offsets,
            weights,
            alpha,
            act,
            n_params,
        })
    }

    /// [`Mlp::new`] with default weights: the output layer is the paper's v_j = 0.5 + j/(m − 1)
    /// (as [`crate::models::two_layer::TwoLayer::paper`]), every other layer W_l is N(0, 1/n_l) from the
    /// numpy-compatible stream with seed [`FROZEN_SEED`] + l.
    pub fn with_default_weights(data: Dataset, spec: &MlpSpec, alpha: f64, act: A) -> Result<Self> {
        spec.validate(data.dim())?;
        let depth = spec.depth();
        let weights = (0..depth)
            .map(|l| {
                let (rows, cols) = (spec.layers[l + 1], spec.layers[l]);
                if l + 1 == depth {
                    paper_output_weights(cols).insert_axis(ndarray::Axis(0))
                } else {
                    let mut rng = NumpyRng::new(FROZEN_SEED + l as u32);
                    rng.randn2(rows, cols) / (cols as f64).sqrt()
                }
            })
            .collect();
        Mlp::new(data, spec, weights, alpha, act)
    }

    /// The two-layer model as the depth-2 MLP `[d, m, 1]`, first layer trained, W_1 = vᵀ.
    pub fn from_two_layer(model: &TwoLayer<A>) -> Result<Self>
    where
        A: Clone,
    {
        let (d, m) = (model.input_dim(), model.width());
        let spec = MlpSpec {
            layers: vec![d, m, 1],
            trained: vec![0],
        };
        let v = model.output_weights().clone().insert_axis(ndarray::Axis(0));
        Mlp::new(
            model.data().clone(),
            &spec,
            vec![Array2::zeros((m, d)), v],
            model.alpha(),
            model.activation().clone(),
        )
    }

    /// Number of trained parameters n.
    pub fn n_params(&self) -> usize {
        self.n_params
    }

    /// Widths n_0 = d, …, n_L = 1.
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// Trained layer indices, ascending.
    pub fn trained(&self) -> &[usize] {
        &self.trained
    }

    /// Number of weight matrices L.
    pub fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// Tikhonov α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The data.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The activation.
    pub fn activation(&self) -> &A {
        &self.act
    }

    /// W_l as given at construction (frozen layers: their fixed value).
    pub fn weights(&self, l: usize) -> &Array2<f64> {
        &self.weights[l]
    }

    /// θ offset of layer l, `None` if it is frozen.
    pub fn offset(&self, l: usize) -> Option<usize> {
        self.offsets[l]
    }

    pub(crate) fn x_row_major(&self) -> &[f64] {
        &self.x
    }

    /// The trained layers' construction weights as θ.
    pub fn default_theta(&self) -> Array1<f64> {
        self.trained
            .iter()
            .flat_map(|&l| self.weights[l].iter().copied())
            .collect()
    }

    /// W_l at θ: the slice of θ if layer l is trained, else the frozen weights.
    pub fn layer_at(&self, theta: ArrayView1<f64>, l: usize) -> Array2<f64> {
        let (rows, cols) = (self.layers[l + 1], self.layers[l]);
        match self.offsets[l] {
            Some(o) => Array2::from_shape_fn((rows, cols), |(a, b)| theta[o + a * cols + b]),
            None => self.weights[l].clone(),
        }
    }

    /// The unique λ = 0 minimiser for one trained layer k (module docs): W_k = p bᵀ with
    /// (‖p‖² QΣQᵀ + αI) b = QΣ_{xy}. Errors for two or more trained layers (the λ = 0
    /// minimisers are not isolated: start at λ₀ > 0 from a point of your own) and when the
    /// system is singular (α = 0 with p = 0 or QΣQᵀ singular).
    pub fn lambda0_start(&self) -> Result<Array1<f64>> {
        let [k] = self.trained[..] else {
            return Err(Error::param(
                "trained",
                format!(
                    "the λ = 0 minimum is isolated only with one trained layer (got {:?}); with \
                     several, the minimisers form a manifold and a start point at λ₀ > 0 is needed",
                    self.trained
                ),
            ));
        };
        // Q = W_{k−1}⋯W_0 (n_k × d), p = (W_{L−1}⋯W_{k+1})ᵀ (n_{k+1}).
        let mut q = Array2::<f64>::eye(self.layers[0]);
        for l in 0..k {
            q = self.weights[l].dot(&q);
        }
        let mut p_row = Array2::<f64>::eye(1);
        for l in (k + 1..self.depth()).rev() {
            p_row = p_row.dot(&self.weights[l]);
        }
        let p = p_row.row(0).to_owned();
        let c = q.dot(&self.data.covariance()).dot(&q.t());
        let g = q.dot(&self.data.cross_covariance());
        let nk = self.layers[k];
        let m = c * p.dot(&p) + Array2::<f64>::eye(nk) * self.alpha;
        let b = linalg::solve(&m, &g).map_err(|_| {
            Error::Linalg(
                "‖p‖²QΣQᵀ + αI is singular (α = 0 with a degenerate network or data)".into(),
            )
        })?;
        Ok(p.iter()
            .flat_map(|&pa| b.iter().map(move |&bb| pa * bb))
            .collect())
    }
}
