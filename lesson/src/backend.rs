//! The compute backends, chosen at build time by cargo feature and at run time by name.

use anyhow::{Result, bail};
use burn::tensor::Device;

/// A burn backend handgrad knows about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// burn-ndarray, on the CPU (the default).
    Ndarray,
    /// burn-flex, burn's newer CPU backend.
    Flex,
    /// burn-wgpu: Vulkan, Metal or DX12 — a GPU, or a software driver such as lavapipe.
    Wgpu,
}

impl Backend {
    /// Every backend, in order of preference for the default.
    pub const ALL: [Backend; 3] = [Backend::Ndarray, Backend::Flex, Backend::Wgpu];

    /// Its name on the command line, and its cargo feature.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
            Backend::Wgpu => "wgpu",
        }
    }

    /// Whether this binary was built with it.
    pub fn compiled(self) -> bool {
        match self {
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
        }
    }

    /// The backends compiled into this binary.
    pub fn compiled_in() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.compiled()).collect()
    }

    /// The first compiled-in backend.
    pub fn default_backend() -> Result<Backend> {
        match Self::compiled_in().first() {
            Some(b) => Ok(*b),
            None => bail!(
                "this binary has no backend: rebuild with --features ndarray, flex or wgpu"
            ),
        }
    }

    /// The backend of a name: a known one, compiled in.
    pub fn parse(name: &str) -> Result<Backend> {
        let Some(backend) = Self::ALL.into_iter().find(|b| b.name() == name) else {
            bail!(
                "unknown device '{name}': choose one of {}",
                Self::ALL.map(Backend::name).join(", ")
            );
        };
        if !backend.compiled() {
            let compiled: Vec<_> = Self::compiled_in().iter().map(|b| b.name()).collect();
            bail!(
                "device '{name}' is not compiled into this binary (it has: {}); rebuild with \
                 `cargo build --release --features {name}`",
                compiled.join(", ")
            );
        }
        Ok(backend)
    }

    /// The backend of a device, if it is one of the compiled-in ones.
    pub fn of(device: &Device) -> Option<Backend> {
        Self::compiled_in().into_iter().find(|b| &b.device() == device)
    }

    /// The device to compute on, checked to exist: for wgpu, at least one adapter (a GPU, or
    /// a software Vulkan driver) must be found, else the error says what is missing.
    pub fn open(self) -> Result<Device> {
        #[cfg(feature = "wgpu")]
        if self == Backend::Wgpu && wgpu_adapters().is_empty() {
            return Err(NoAdapter.into());
        }
        Ok(self.device())
    }

    /// The device to compute on (a lazy handle: nothing is opened yet).
    pub fn device(self) -> Device {
        match self {
            #[cfg(feature = "ndarray")]
            // ndarray is deprecated in burn 0.22 in favour of flex; the design keeps it as the
            // default backend, so this one use of its constructor is allowed on purpose.
            #[allow(deprecated)]
            Backend::Ndarray => {
                crate::blas::init(); // OpenBLAS's threads per call, in a `blas` build
                Device::ndarray()
            }
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
            #[allow(unreachable_patterns)]
            other => unreachable!("{} is not compiled in; Backend::parse checks this", other.name()),
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// wgpu found no graphics adapter to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoAdapter;

impl NoAdapter {
    /// What is missing, and where to get it.
    pub const WHY: &'static str = "no graphics adapter found (no Vulkan, Metal or DX12 driver; on \
                                   Debian `apt-get install mesa-vulkan-drivers` gives a software one)";
}

impl std::fmt::Display for NoAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "wgpu: {}; the ndarray backend works on any machine", Self::WHY)
    }
}

impl std::error::Error for NoAdapter {}

/// A wgpu adapter found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adapter {
    /// Its name, as the driver gives it ("NVIDIA H100", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// `discrete GPU`, `integrated GPU`, `virtual GPU` or `CPU (software)`.
    pub kind: String,
}

/// The wgpu adapters burn finds (none without a driver).
#[cfg(feature = "wgpu")]
pub fn wgpu_adapters() -> Vec<Adapter> {
    burn::tensor::Device::enumerate(burn::tensor::DeviceType::Wgpu)
        .iter()
        .map(|device| {
            // The device's description names its kind: `WgpuDevice { kind: Cpu, … }`.
            let text = format!("{device:?}");
            let kind = if text.contains("DiscreteGpu") {
                "discrete GPU"
            } else if text.contains("IntegratedGpu") {
                "integrated GPU"
            } else if text.contains("VirtualGpu") {
                "virtual GPU"
            } else if text.contains("kind: Cpu") {
                "CPU (software)"
            } else {
                "other"
            };
            Adapter {
                name: device.identity().map_or_else(|| "unnamed".to_string(), |id| id.name),
                kind: kind.to_string(),
            }
        })
        .collect()
}
