//! The matrix library behind the ndarray backend: its own pure-Rust products (matrixmultiply),
//! or the system's OpenBLAS in a build with the `blas` feature — then handgrad, not an
//! environment variable, decides how many threads each of its calls takes.
//!
//! One thread per call: a step's products (100 × 784 × 10) are too small to split, and while
//! an epoch trains on one core the previous epoch's evaluation runs on the other
//! (`handgrad bench` measures it; OpenBLAS's own default, a thread per core, makes its threads
//! fight that evaluation).

/// The threads each BLAS call takes.
pub const THREADS: usize = 1;

#[cfg(feature = "blas")]
mod ffi {
    use std::ffi::{c_char, c_int};

    // OpenBLAS's own entry points (cblas.h), in every build of it (pthreads, OpenMP, serial).
    unsafe extern "C" {
        pub fn openblas_set_num_threads(n: c_int);
        pub fn openblas_get_num_threads() -> c_int;
        pub fn openblas_get_config() -> *const c_char;
    }
}

/// Sets the threads OpenBLAS takes per call to [`THREADS`], once per process (the ndarray
/// device calls it when it is opened); nothing to do without the `blas` feature.
pub fn init() {
    #[cfg(feature = "blas")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: a plain setter of OpenBLAS's thread count, called before any product.
        ONCE.call_once(|| unsafe { ffi::openblas_set_num_threads(THREADS as std::ffi::c_int) });
    }
}

/// The threads a BLAS call takes now, in a build with the `blas` feature.
pub fn threads() -> Option<usize> {
    #[cfg(feature = "blas")]
    {
        // SAFETY: a plain getter.
        let n = unsafe { ffi::openblas_get_num_threads() };
        return Some(n.max(0) as usize);
    }
    #[allow(unreachable_code)]
    None
}

/// What computes ndarray's matrix products in this build: "OpenBLAS 0.3.21 … (1 thread per
/// call)", or "matrixmultiply (pure Rust)".
pub fn describe() -> String {
    #[cfg(feature = "blas")]
    {
        init();
        // SAFETY: OpenBLAS returns a static, NUL-terminated string.
        let config = unsafe { std::ffi::CStr::from_ptr(ffi::openblas_get_config()) };
        let n = threads().unwrap_or(0);
        let s = if n == 1 { "" } else { "s" };
        return format!("{} ({n} thread{s} per call)", config.to_string_lossy().trim());
    }
    #[allow(unreachable_code)]
    "matrixmultiply (pure Rust)".to_string()
}

#[cfg(all(test, feature = "ndarray"))]
mod tests {
    use crate::backend::Backend;

    #[test]
    fn opening_the_ndarray_device_sets_the_threads_per_call() {
        let _ = Backend::Ndarray.device();
        if cfg!(feature = "blas") {
            assert_eq!(super::threads(), Some(super::THREADS));
            assert!(super::describe().starts_with("OpenBLAS"), "{}", super::describe());
        } else {
            assert_eq!(super::threads(), None);
            assert_eq!(super::describe(), "matrixmultiply (pure Rust)");
        }
    }
}
