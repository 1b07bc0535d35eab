//! faer's global parallelism, fixed so that results do not depend on the thread count.

use faer::Par;

/// The parallelism actbif gives faer's own kernels (eigendecompositions, LU, LBLᵀ, QR and
/// matrix products): faer's default, `Par::rayon(0)`, splits work — and so sums — by the size
/// of the rayon pool, which made eigenvalues differ by ~1e-15 between `RAYON_NUM_THREADS` = 1
/// and 2. A fixed setting makes every result bit-identical for any thread count on the same
/// machine; sequential, because the parallel speed-up of these kernels at the sizes the dense
/// solver handles is small next to the structured Hessian assembly (which is parallel in
/// fixed blocks, see `models::two_layer::structured`).
pub const FAER_PARALLELISM: Par = Par::Seq;

/// Sets faer's global parallelism to [`FAER_PARALLELISM`] (once per process; later calls do
/// nothing). Every dense entry point of this module calls it, as do the CLI and
/// `app::commands` at their start, so that faer calls made elsewhere in the crate are
/// covered too. A program that wants faer's default back may call
/// `faer::set_global_parallelism` afterwards, at the cost of thread-count-dependent bits.
pub fn fix_parallelism() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| faer::set_global_parallelism(FAER_PARALLELISM));
}
