//! `handgrad devices`: what this binary can compute on, here.

use anyhow::Result;

use crate::backend::Backend;

/// Prints the compiled-in backends and, for wgpu, the adapters found.
pub fn run() -> Result<()> {
    let default = Backend::default_backend().ok();
    println!("backends compiled into this binary (choose with --device NAME):");
    for backend in Backend::compiled_in() {
        let note = if Some(backend) == default { " (the default)" } else { "" };
        match backend {
            Backend::Ndarray => match crate::blas::threads() {
                // A `blas` build: which OpenBLAS, and the threads handgrad gives each call.
                Some(_) => println!("  ndarray  CPU, burn-ndarray on {}{note}", crate::blas::describe()),
                None => println!("  ndarray  CPU, burn-ndarray{note}"),
            },
            Backend::Flex => println!("  flex     CPU, burn-flex{note}"),
            Backend::Wgpu => print_wgpu(note),
        }
    }
    let missing: Vec<&str> = Backend::ALL
        .iter()
        .filter(|b| !b.compiled())
        .map(|b| b.name())
        .collect();
    if !missing.is_empty() {
        println!(
            "not compiled in: {} (rebuild with `cargo build --release --features {}`)",
            missing.join(", "),
            missing.join(",")
        );
    }
    Ok(())
}

#[cfg(feature = "wgpu")]
fn print_wgpu(note: &str) {
    let adapters = crate::backend::wgpu_adapters();
    if adapters.is_empty() {
        println!(
            "  wgpu     no graphics adapter found: no Vulkan, Metal or DX12 driver{note} \
             (Debian: apt-get install mesa-vulkan-drivers for a software one)"
        );
        return;
    }
    println!("  wgpu     graphics adapters found{note} (--device wgpu takes wgpu's pick, a discrete GPU first):");
    for (i, a) in adapters.iter().enumerate() {
        let hint = if a.kind.starts_with("CPU") {
            " — a software driver on the CPU: it runs, slowly (no GPU here)"
        } else {
            ""
        };
        println!("           {i}: {} · {}{hint}", a.name, a.kind);
    }
}

#[cfg(not(feature = "wgpu"))]
fn print_wgpu(_: &str) {}
