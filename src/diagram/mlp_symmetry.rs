//! The symmetry group of the MLP with every layer trained: per hidden layer l, any
//! permutation π_l of its n_l units, and for odd σ any sign flips s_l ∈ {±1}^{n_l}, acting as
//! W_l\[π_{l+1}(a), π_l(b)\] ↦ s_{l+1,a} s_{l,b} W_l\[a, b\] (input and output fixed).
//!
//! Derived from the model: h(·, λ) acts entry-wise, so relabelling a layer's units and
//! permuting the rows of W_{l−1} and the columns of W_l alike leaves f unchanged; when σ is odd
//! (tested numerically, [`is_odd`]) so is h(·, λ), and negating a unit's incoming row and
//! outgoing column does too; the Tikhonov term is invariant under both. A frozen layer breaks
//! these (it would have to be invariant itself), so the group is offered only with every
//! layer trained.
//!
//! Two points are matched layer by layer from the input: unit j of layer l must go to a unit
//! whose incoming row agrees after the already chosen map of layer l − 1, and the output row
//! is checked last; a depth-first search backtracks over ties. Dead units (incoming row and
//! outgoing column zero) are interchangeable with each other and are matched without search;
//! they enter the stabiliser as d_l!·2^{d_l} (odd σ) or d_l!.

use super::symmetry::is_odd;
use super::Orbits;
use crate::activation::Activation;
use crate::models::mlp::Mlp;
use ndarray::{Array2, ArrayView1};

/// Search nodes per match; beyond it two points count as different orbits (traced twice at
/// worst) and an orbit size is computed from the automorphisms found so far.
const NODE_BUDGET: usize = 200_000;

/// Signed permutations of the hidden units of an all-trained MLP.
#[derive(Clone, Debug)]
pub struct HiddenUnits {
    layers: Vec<usize>,
    offsets: Vec<usize>,
    odd: bool,
}

impl HiddenUnits {
    /// The group for widths `layers` (θ = every W_l row-major, ascending) and oddness of σ.
    pub fn new(layers: &[usize], odd: bool) -> Self {
        let mut offsets = vec![0];
        for l in 0..layers.len() - 1 {
            offsets.push(offsets[l] + layers[l] * layers[l + 1]);
        }
        HiddenUnits {
            layers: layers.to_vec(),
            offsets,
            odd,
        }
    }

    /// The group of `model` when every layer is trained, else `None`.
    pub fn of<A: Activation>(model: &Mlp<A>) -> Option<Self> {
        let all: Vec<usize> = (0..model.depth()).collect();
        (model.trained() == all.as_slice())
            .then(|| Self::new(model.layers(), is_odd(model.activation())))
    }

    fn depth(&self) -> usize {
        self.layers.len() - 1
    }

    /// W_l\[i, j\] of θ.
    fn w(&self, t: ArrayView1<f64>, l: usize, i: usize, j: usize) -> f64 {
        t[self.offsets[l] + i * self.layers[l] + j]
    }

    /// Whether unit j of hidden layer l is dead in θ (incoming row, outgoing column ≤ tol).
    fn dead(&self, t: ArrayView1<f64>, l: usize, j: usize, tol: f64) -> bool {
        (0..self.layers[l - 1]).all(|c| self.w(t, l - 1, j, c).abs() <= tol)
            && (0..self.layers[l + 1]).all(|a| self.w(t, l, a, j).abs() <= tol)
    }

    /// Flips (odd σ) and transpositions of the dead units of each hidden layer, as group
    /// elements (the matcher pins dead units instead of searching over them).
    fn dead_generators(&self, t: ArrayView1<f64>, tol: f64) -> Vec<Automorphism> {
        let ident = || -> Automorphism {
            let maps = self.layers.iter().map(|&n| (0..n).collect()).collect();
            (maps, self.layers.iter().map(|&n| vec![1.0; n]).collect())
        };
        let mut out = Vec::new();
        for l in 1..self.depth() {
            let dead: Vec<usize> = (0..self.layers[l])
                .filter(|&j| self.dead(t, l, j, tol))
                .collect();
            for (k, &j) in dead.iter().enumerate() {
                if self.odd {
                    let mut g = ident();
                    g.1[l][j] = -1.0;
                    out.push(g);
                }
                if let Some(&next) = dead.get(k + 1) {
                    let mut g = ident();
                    g.0[l].swap(j, next);
                    out.push(g);
                }
            }
        }
        out
    }

    /// ln |G| = Σ_l ln(n_l!) (+ n_l ln 2 for odd σ).
    fn ln_group(&self, dead: &[usize]) -> f64 {
        let ln_fact = |k: usize| (1..=k).map(|i| (i as f64).ln()).sum::<f64>();
        let sign = if self.odd {
            std::f64::consts::LN_2
        } else {
            0.0
        };
        dead.iter().map(|&k| ln_fact(k) + k as f64 * sign).sum()
    }
}

/// The depth-first matcher of b onto a: `map[l][j]` is the unit of b that unit j of a goes to.
struct Matcher<'a> {
    g: &'a HiddenUnits,
    a: ArrayView1<'a, f64>,
    b: ArrayView1<'a, f64>,
    tol: f64,
    map: Vec<Vec<usize>>,
    sign: Vec<Vec<f64>>,
    used: Vec<Vec<bool>>,
    /// Count every automorphism (orbit sizes) or stop at the first match.
    count_all: bool,
    found: usize,
    nodes: usize,
    /// The automorphisms found (maps, signs), up to [`MAX_GENERATORS`], when collecting.
    autos: Option<Vec<Automorphism>>,
}

/// A group element as the matcher found it: per layer, unit maps and signs.
type Automorphism = (Vec<Vec<usize>>, Vec<Vec<f64>>);

/// Automorphisms kept as generators of the isotropy group (a subset is safe: the fixed space
/// of a subgroup is still invariant under the gradient flow).
const MAX_GENERATORS: usize = 256;

impl<'a> Matcher<'a> {
    fn new(g: &'a HiddenUnits, a: ArrayView1<'a, f64>, b: ArrayView1<'a, f64>, tol: f64) -> Self {
        let ident = |n: usize| (0..n).collect::<Vec<_>>();
        Matcher {
            g,
            a,
            b,
            tol,
            map: g.layers.iter().map(|&n| ident(n)).collect(),
            sign: g.layers.iter().map(|&n| vec![1.0; n]).collect(),
            used: g.layers.iter().map(|&n| vec![false; n]).collect(),
            count_all: false,
            found: 0,
            nodes: 0,
            autos: None,
        }
    }

    /// Whether a's incoming row of unit j (layer l) is σ times b's of unit k, mapped.
    fn incoming_match(&self, l: usize, j: usize, k: usize, s: f64) -> bool {
        let g = self.g;
        (0..g.layers[l - 1]).all(|c| {
            let bv = self.sign[l - 1][c] * g.w(self.b, l - 1, k, self.map[l - 1][c]);
            (g.w(self.a, l - 1, j, c) - s * bv).abs() <= self.tol
        })
    }

    /// The output row, the one constraint not checked as some layer's incoming row.
    fn output_match(&self) -> bool {
        let (g, l) = (self.g, self.g.depth() - 1);
        (0..g.layers[l]).all(|j| {
            let bv = self.sign[l][j] * g.w(self.b, l, 0, self.map[l][j]);
            (g.w(self.a, l, 0, j) - bv).abs() <= self.tol
        })
    }

    /// Searches from unit j of hidden layer l; true when the search should stop.
    fn search(&mut self, l: usize, j: usize) -> bool {
        self.nodes += 1;
        if self.nodes > NODE_BUDGET {
            return true;
        }
        if l == self.g.depth() {
            if self.output_match() {
                self.found += 1;
                if let Some(a) = self.autos.as_mut().filter(|a| a.len() < MAX_GENERATORS) {
                    a.push((self.map.clone(), self.sign.clone()));
                }
                return !self.count_all;
            }
            return false;
        }
        if j == self.g.layers[l] {
            return self.search(l + 1, 0);
        }
        let (g, tol) = (self.g, self.tol);
        if g.dead(self.a, l, j, tol) {
            // Any dead unit of b will do (module docs): no branching.
            let k = (0..g.layers[l]).find(|&k| !self.used[l][k] && g.dead(self.b, l, k, tol));
            return match k {
                Some(k) => self.assign_and_search(l, j, k, 1.0),
                None => false,
            };
        }
        let signs: &[f64] = if g.odd { &[1.0, -1.0] } else { &[1.0] };
        for k in 0..g.layers[l] {
            if self.used[l][k] {
                continue;
            }
            for &s in signs {
                if self.incoming_match(l, j, k, s) && self.assign_and_search(l, j, k, s) {
                    return true;
                }
            }
        }
        false
    }

    fn assign_and_search(&mut self, l: usize, j: usize, k: usize, s: f64) -> bool {
        self.map[l][j] = k;
        self.sign[l][j] = s;
        self.used[l][k] = true;
        let stop = self.search(l, j + 1);
        self.used[l][k] = false;
        stop
    }
}

impl Orbits for HiddenUnits {
    fn same_orbit(&self, a: ArrayView1<f64>, b: ArrayView1<f64>, tol: f64) -> bool {
        if a.len() != b.len() || a.len() != *self.offsets.last().expect("≥ 1 layer") {
            return false;
        }
        let mut m = Matcher::new(self, a, b, tol);
        m.search(1, 0);
        m.found > 0
    }

    /// |G| / |Stab(a)|, the stabiliser counted by the matcher (dead units as a factor).
    fn orbit_size(&self, a: ArrayView1<f64>, tol: f64) -> usize {
        let depth = self.depth();
        let dead: Vec<usize> = (1..depth)
            .map(|l| {
                (0..self.layers[l])
                    .filter(|&j| self.dead(a, l, j, tol))
                    .count()
            })
            .collect();
        let mut m = Matcher::new(self, a, a, tol);
        m.count_all = true;
        m.search(1, 0);
        let ln = self.ln_group(&self.layers[1..depth])
            - self.ln_group(&dead)
            - (m.found.max(1) as f64).ln();
        let x = ln.exp().round();
        if x >= usize::MAX as f64 {
            usize::MAX
        } else {
            x as usize
        }
    }

    /// Fix of the isotropy group: φ with φ = gφ for each automorphism g the matcher finds and
    /// each flip/transposition of dead units; coordinates tied by ±1 (union–find with parity),
    /// a class tied to its own negative is zero.
    fn fixed_subspace(&self, a: ArrayView1<f64>, tol: f64) -> Option<Array2<f64>> {
        let mut m = Matcher::new(self, a, a, tol);
        m.count_all = true;
        m.autos = Some(Vec::new());
        m.search(1, 0);
        let mut gens = m.autos.unwrap_or_default();
        gens.extend(self.dead_generators(a, tol));
        let n = a.len();
        let mut uf = SignedUnionFind::new(n);
        for (map, sign) in &gens {
            for l in 0..self.depth() {
                for i in 0..self.layers[l + 1] {
                    for j in 0..self.layers[l] {
                        let from = self.offsets[l] + i * self.layers[l] + j;
                        let to = self.offsets[l] + map[l + 1][i] * self.layers[l] + map[l][j];
                        uf.union(from, to, sign[l + 1][i] * sign[l][j]);
                    }
                }
            }
        }
        let basis = uf.basis();
        // Fix = {0} (θ = 0 under odd σ): nothing to restrict to, follow in the full space.
        (basis.ncols() < n && basis.ncols() > 0).then_some(basis)
    }

    fn describe(&self) -> String {
        let what = if self.odd {
            "signed permutations (σ odd)"
        } else {
            "permutations"
        };
        format!(
            "{what} of the hidden units within each layer, widths {:?} (every layer trained)",
            &self.layers[1..self.depth()]
        )
    }
}

/// Coordinates tied by φ_b = ±φ_a: union–find carrying each node's sign relative to its root.
struct SignedUnionFind {
    parent: Vec<usize>,
    sign: Vec<f64>,
    /// A root whose class is tied to its own negative (the class is zero in Fix).
    zero: Vec<bool>,
}

impl SignedUnionFind {
    fn new(n: usize) -> Self {
        SignedUnionFind {
            parent: (0..n).collect(),
            sign: vec![1.0; n],
            zero: vec![false; n],
        }
    }

    /// (root, s) with φ_i = s·φ_root.
    fn find(&mut self, i: usize) -> (usize, f64) {
        let p = self.parent[i];
        if p == i {
            return (i, 1.0);
        }
        let (r, sp) = self.find(p);
        self.parent[i] = r;
        self.sign[i] *= sp;
        (r, self.sign[i])
    }

    /// Records φ_b = s·φ_a.
    fn union(&mut self, a: usize, b: usize, s: f64) {
        let ((ra, sa), (rb, sb)) = (self.find(a), self.find(b));
        // sb·φ_rb = s·sa·φ_ra.
        let rel = s * sa * sb;
        if ra == rb {
            if rel < 0.0 {
                self.zero[ra] = true;
            }
            return;
        }
        self.parent[rb] = ra;
        self.sign[rb] = rel;
        self.zero[ra] |= self.zero[rb];
    }

    /// Orthonormal basis of Fix: one column per class not forced to zero, ±1/√|class|.
    fn basis(&mut self) -> Array2<f64> {
        let n = self.parent.len();
        let roots: Vec<(usize, f64)> = (0..n).map(|i| self.find(i)).collect();
        let mut col_of = vec![usize::MAX; n];
        let mut size = Vec::new();
        for &(r, _) in &roots {
            if !self.zero[r] && col_of[r] == usize::MAX {
                col_of[r] = size.len();
                size.push(0usize);
            }
            if col_of[r] != usize::MAX {
                size[col_of[r]] += 1;
            }
        }
        let mut p = Array2::zeros((n, size.len()));
        for (i, &(r, s)) in roots.iter().enumerate() {
            if let Some(&c) = Some(&col_of[r]).filter(|c| **c != usize::MAX) {
                p[[i, c]] = s / (size[c] as f64).sqrt();
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1};

    /// 1 → 2 → 1: θ = [W0 (2×1), W1 (1×2)].
    #[test]
    fn swaps_and_flips_in_one_hidden_layer() {
        let g = HiddenUnits::new(&[1, 2, 1], true);
        let a = array![0.5, 0.2, 1.0, 2.0];
        assert!(g.same_orbit(a.view(), array![0.2, 0.5, 2.0, 1.0].view(), 1e-12));
        assert!(g.same_orbit(a.view(), array![-0.5, 0.2, -1.0, 2.0].view(), 1e-12));
        assert!(!g.same_orbit(a.view(), array![0.5, 0.2, 2.0, 1.0].view(), 1e-12));
        assert_eq!(g.orbit_size(a.view(), 1e-12), 8); // 2!·2²
        let even = HiddenUnits::new(&[1, 2, 1], false);
        assert!(!even.same_orbit(a.view(), array![-0.5, 0.2, -1.0, 2.0].view(), 1e-12));
        assert_eq!(even.orbit_size(a.view(), 1e-12), 2);
        // A dead unit: flips and the swap with... nothing (one dead unit) → 2·2 = 4 points.
        let d = array![0.5, 0.0, 1.0, 0.0];
        assert_eq!(g.orbit_size(d.view(), 1e-12), 4);
        assert_eq!(g.orbit_size(Array1::zeros(4).view(), 1e-12), 1);
    }

    /// Fix of 1 → 2 → 1 with two equal units: θ = (w, w, v, v) and nothing else (4 → 2 dims);
    /// with opposite units (w, −w, v, −v) under odd σ: the antisymmetric pair, again 2 dims.
    #[test]
    fn fixed_subspace_of_equal_and_opposite_units() {
        let g = HiddenUnits::new(&[1, 2, 1], true);
        let p = g
            .fixed_subspace(array![0.5, 0.5, 1.0, 1.0].view(), 1e-12)
            .unwrap();
        assert_eq!(p.ncols(), 2);
        let proj = p.dot(&p.t());
        let x = array![1.0, 3.0, -2.0, 4.0];
        assert!((proj.dot(&x) - array![2.0, 2.0, 1.0, 1.0])
            .iter()
            .all(|d| d.abs() < 1e-14));
        let q = g
            .fixed_subspace(array![0.5, -0.5, 1.0, -1.0].view(), 1e-12)
            .unwrap();
        let y = q.dot(&q.t()).dot(&x);
        assert!((y - array![-1.0, 1.0, -3.0, 3.0])
            .iter()
            .all(|d| d.abs() < 1e-14));
        assert!(g
            .fixed_subspace(array![0.5, 0.2, 1.0, 2.0].view(), 1e-12)
            .is_none());
        // A dead unit under odd σ: its coordinates are zero in Fix.
        let r = g
            .fixed_subspace(array![0.5, 0.0, 1.0, 0.0].view(), 1e-12)
            .unwrap();
        assert_eq!(r.ncols(), 2);
        assert!(r.row(1).iter().chain(r.row(3).iter()).all(|x| *x == 0.0));
    }
}
