//! The forward and backward pass of [`Mlp`], written once, generic over [`Jet`] scalars.
//!
//! Batch layout: A_l (N × n_l) holds the activations of all samples, Z_{l+1} = A_l W_lᵀ,
//! A_{l+1} = h(Z_{l+1}, λ), f = Z_L. Backward: G_L = (f − y)/N, ∇_{W_l} L = G_{l+1}ᵀ A_l + αW_l,
//! G_l = (G_{l+1} W_l) ⊙ h′(Z_l, λ), stopping at the lowest trained layer. Seeding θ and λ with
//! dual parts makes the same code return the derivatives of the gradient along the seeds.

use super::gemm::{jet_gemm, map_entries, JetMat, Op};
use super::jet::{product_table, Jet, Term};
use super::Mlp;
use crate::activation::{homotopy, taylor_apply, Activation};
use ndarray::{Array1, ArrayView1};

/// Dual parts of θ: component `k` of θ is the direction (n entries).
pub type Seeds<'a> = [(usize, ArrayView1<'a, f64>)];

/// What the forward pass keeps for the backward pass.
pub struct Tape {
    /// A_0 = X, …, A_{L−1} (inputs of each weight matrix).
    pub(crate) acts: Vec<JetMat>,
    /// h′(Z_l, λ) for hidden layers l = 1..L−1 (index l); empty when not kept.
    pub(crate) slopes: Vec<Option<JetMat>>,
    /// Residuals f − y (N × 1).
    pub(crate) residual: JetMat,
}

/// σ and (if `SLOPE`) σ′ of the homotopy at a jet: closed-form derivatives of σ at the real
/// part, composed with the jet's dual part by Taylor's formula (exact: the dual part is
/// nilpotent of order `ORDER + 1`).
#[inline]
fn homotopy_jet<A: Activation, J: Jet>(act: &A, z: J, lambda: J, slope: bool) -> (J, J) {
    if J::ORDER == 0 && !slope {
        // Plain real evaluation (the loss): σ itself is cheaper than its derivative table.
        return (homotopy(act, z, lambda), J::zero());
    }
    let d = act.derivs(z.re());
    let s = taylor_apply(&z, &d[..=J::ORDER]);
    let h = z + lambda * (s - z);
    if !slope {
        return (h, J::zero());
    }
    let ds = taylor_apply(&z, &d[1..=J::ORDER + 1]);
    (h, J::one() + lambda * (ds - 1.0))
}

impl<A: Activation> Mlp<A> {
    /// Every W_l as a jet matrix: trained layers take θ in component 0 and each seed's slice
    /// in its component; frozen layers are real.
    pub(crate) fn weight_jets<J: Jet>(&self, theta: ArrayView1<f64>, seeds: &Seeds) -> Vec<JetMat> {
        assert_eq!(
            theta.len(),
            self.n_params(),
            "θ must have n = {} entries",
            self.n_params()
        );
        for (_, s) in seeds {
            assert_eq!(s.len(), self.n_params(), "direction must have n entries");
        }
        (0..self.depth())
            .map(|l| {
                let (rows, cols) = (self.layers()[l + 1], self.layers()[l]);
                match self.offset(l) {
                    None => JetMat::real(
                        rows,
                        cols,
                        self.weights(l).iter().copied().collect(),
                        J::PARTS,
                    ),
                    Some(o) => {
                        let sl = |v: &ArrayView1<f64>| -> Vec<f64> {
                            v.slice(ndarray::s![o..o + rows * cols]).to_vec()
                        };
                        let mut m = JetMat::real(rows, cols, sl(&theta), J::PARTS);
                        for (k, s) in seeds {
                            m.parts[*k] = Some(sl(s));
                        }
                        m
                    }
                }
            })
            .collect()
    }

    /// The forward pass; keeps the slopes h′ iff `keep_slopes` (needed by [`Mlp::backward`]).
    pub(crate) fn forward<J: Jet>(
        &self,
        w: &[JetMat],
        lambda: J,
        table: &[Term],
        keep_slopes: bool,
    ) -> Tape {
        let n = self.data().n_samples();
        let depth = self.depth();
        let lowest = self.trained()[0];
        let mut acts = vec![JetMat::real(
            n,
            self.layers()[0],
            self.x_row_major().to_vec(),
            J::PARTS,
        )];
        let mut slopes: Vec<Option<JetMat>> = vec![None; depth];
        for (l, wl) in w.iter().enumerate().take(depth - 1) {
            let z = jet_gemm::<J>(&acts[l], Op::N, wl, Op::T, table);
            // h′ at layer l + 1 is needed only above the lowest trained layer.
            let slope = keep_slopes && l + 1 > lowest;
            let [a, s] = map_entries::<J, 2>(&[&z], |e| {
                let (h, hp) = homotopy_jet(self.activation(), e[0], lambda, slope);
                [h, hp]
            });
            acts.push(a);
            if slope {
                slopes[l + 1] = Some(s);
            }
        }
        let f = jet_gemm::<J>(&acts[depth - 1], Op::N, &w[depth - 1], Op::T, table);
        let y = JetMat::real(n, 1, self.data().y.to_vec(), J::PARTS);
        let [residual] = map_entries::<J, 1>(&[&f, &y], |e| [e[0] - e[1]]);
        Tape {
            acts,
            slopes,
            residual,
        }
    }

    /// L from a forward pass.
    pub(crate) fn loss_from<J: Jet>(&self, w: &[JetMat], tape: &Tape) -> J {
        let n = self.data().n_samples();
        let mut mse = J::zero();
        for i in 0..n {
            let r: J = tape.residual.get(i);
            mse += r * r;
        }
        let mut reg = J::zero();
        for &l in self.trained() {
            for idx in 0..w[l].rows * w[l].cols {
                let t: J = w[l].get(idx);
                reg += t * t;
            }
        }
        mse * (0.5 / n as f64) + reg * (0.5 * self.alpha())
    }

    /// ∇L from a forward pass with slopes kept: one jet matrix per trained layer.
    pub(crate) fn backward<J: Jet>(
        &self,
        w: &[JetMat],
        tape: &Tape,
        table: &[Term],
    ) -> Vec<JetMat> {
        let inv_n = 1.0 / self.data().n_samples() as f64;
        let lowest = self.trained()[0];
        let mut g = tape.residual.clone();
        for p in g.parts.iter_mut().flatten() {
            p.iter_mut().for_each(|x| *x *= inv_n);
        }
        let mut grads = Vec::with_capacity(self.trained().len());
        for l in (lowest..self.depth()).rev() {
            if self.offset(l).is_some() {
                let mut gw = jet_gemm::<J>(&g, Op::T, &tape.acts[l], Op::N, table);
                for (gp, wp) in gw.parts.iter_mut().zip(&w[l].parts) {
                    match (gp, wp) {
                        (Some(gv), Some(wv)) => gv
                            .iter_mut()
                            .zip(wv)
                            .for_each(|(a, b)| *a += self.alpha() * b),
                        (gp @ None, Some(wv)) => {
                            *gp = Some(wv.iter().map(|b| self.alpha() * b).collect())
                        }
                        _ => {}
                    }
                }
                grads.push(gw);
            }
            if l > lowest {
                let da = jet_gemm::<J>(&g, Op::N, &w[l], Op::N, table);
                let s = tape.slopes[l]
                    .as_ref()
                    .expect("slopes kept above the lowest trained layer");
                let [next] = map_entries::<J, 1>(&[&da, s], |e| [e[0] * e[1]]);
                g = next;
            }
        }
        grads.reverse();
        grads
    }

    /// (L, ∇L) with θ and λ seeded: component `k` of the result's jets is the derivative of
    /// L and ∇L along component `k` of the seeds.
    pub fn value_and_gradient_jet<J: Jet>(
        &self,
        theta: ArrayView1<f64>,
        lambda: J,
        seeds: &Seeds,
    ) -> (J, Vec<JetMat>) {
        let table = product_table::<J>();
        let w = self.weight_jets::<J>(theta, seeds);
        let tape = self.forward(&w, lambda, &table, true);
        let grads = self.backward::<J>(&w, &tape, &table);
        (self.loss_from(&w, &tape), grads)
    }

    /// L with θ and λ seeded (forward pass only).
    pub fn value_jet<J: Jet>(&self, theta: ArrayView1<f64>, lambda: J, seeds: &Seeds) -> J {
        let table = product_table::<J>();
        let w = self.weight_jets::<J>(theta, seeds);
        let tape = self.forward(&w, lambda, &table, false);
        self.loss_from(&w, &tape)
    }

    /// Component `k` of the gradient jets, flattened in θ order (zeros where a part is zero).
    pub(crate) fn flatten_part(&self, grads: &[JetMat], k: usize) -> Array1<f64> {
        let mut out = Vec::with_capacity(self.n_params());
        for g in grads {
            match g.part(k) {
                Some(v) => out.extend_from_slice(v),
                None => out.extend(std::iter::repeat_n(0.0, g.rows * g.cols)),
            }
        }
        Array1::from(out)
    }
}
