//! With the `blas` feature on Linux: checks that the system's OpenBLAS can be linked, so that a
//! machine without it gets one line saying which package to install when the build reaches this
//! crate, instead of a linker error when the first binary is linked.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=LIBRARY_PATH");
    let blas = std::env::var_os("CARGO_FEATURE_BLAS").is_some();
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if !blas || !linux {
        return;
    }
    // What the linker searches for `-lopenblas`: the library directories of the usual
    // prefixes (Debian's multiarch one included) and LIBRARY_PATH.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let mut dirs: Vec<String> = ["/usr/local/lib", "/usr/lib", "/usr/lib64", "/lib", "/lib64"]
        .map(String::from)
        .to_vec();
    dirs.push(format!("/usr/lib/{arch}-linux-gnu"));
    dirs.push(format!("/lib/{arch}-linux-gnu"));
    if let Some(paths) = std::env::var_os("LIBRARY_PATH") {
        dirs.extend(std::env::split_paths(&paths).map(|p| p.display().to_string()));
    }
    // pkg-config knows it when its .pc file is there (Debian's libopenblas-dev installs one).
    let pkg_config = std::process::Command::new("pkg-config")
        .args(["--exists", "openblas"])
        .status()
        .is_ok_and(|s| s.success());
    let found = pkg_config || dirs.iter().any(|d| {
        ["libopenblas.so", "libopenblas.a"].iter().any(|f| Path::new(d).join(f).exists())
    });
    if !found {
        println!(
            "cargo::error=the `blas` feature links the system's OpenBLAS, which is not installed: \
             on Debian or Ubuntu `sudo apt-get install libopenblas-dev`, or build without `--features blas`"
        );
    }
}
