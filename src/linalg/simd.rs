//! SIMD register state after faer's AVX kernels.

/// Clears the upper halves of the vector registers (`vzeroupper`) on the calling thread.
///
/// faer's AVX-512 GEMM kernels return with dirty upper register state; afterwards every
/// legacy-SSE instruction (glibc's `tanh`, `exp`, … as called by the activations) pays a
/// transition penalty — measured 7 ns → 140–300 ns per `tanh` on this project's machine,
/// persisting until the next `vzeroupper`. Calling this before transcendental-heavy loops and
/// after our GEMMs keeps them at full speed.
pub(crate) fn clear_simd_upper_state() {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx")]
        unsafe fn zeroupper() {
            core::arch::x86_64::_mm256_zeroupper();
        }
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: AVX support was checked at run time; vzeroupper only zeroes the upper
            // register halves, which hold no live values across this call boundary.
            unsafe { zeroupper() }
        }
    }
}
