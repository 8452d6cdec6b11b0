//! Weights across the bridge to numpy and PyTorch, and back: the logistic regression's `W`
//! (784 × 10, the lab's orientation: one column per class) and `b` as .npy files numpy loads
//! as the lab's arrays, and the model as safetensors (burn-store's `SafetensorsStore`, with
//! PyTorch's names and orientation: `linear.weight` [10, 784], `linear.bias` [10]).
//!
//! The values cross bit for bit: an f32 model writes `<f4` arrays, an f64 one `<f8`, and an
//! import keeps the precision of its arrays.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore};
use burn::tensor::{DType, Device, Tensor, TensorData};
use npyz::{NpyFile, Order, TypeChar, WriterBuilder};

use crate::data::{CLASSES, PIXELS};
use crate::model::{Init, LogisticRegression, Precision};

/// The values of an array, in its precision.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// float32 (`<f4`).
    F32(Vec<f32>),
    /// float64 (`<f8`).
    F64(Vec<f64>),
}

impl Values {
    /// The values of a tensor, in its precision.
    fn of<const D: usize>(t: Tensor<D>) -> Self {
        let data = t.into_data();
        match data.dtype() {
            DType::F64 => Values::F64(data.iter::<f64>().collect()),
            _ => Values::F32(data.iter::<f32>().collect()),
        }
    }

    /// Their precision.
    pub fn precision(&self) -> Precision {
        match self {
            Values::F32(_) => Precision::F32,
            Values::F64(_) => Precision::F64,
        }
    }

    /// How many values are NaN or infinite, and the index of the first, if any is.
    fn non_finite(&self) -> Option<(usize, usize)> {
        fn count<T: Copy>(v: &[T], finite: impl Fn(T) -> bool) -> Option<(usize, usize)> {
            let first = v.iter().position(|&x| !finite(x))?;
            Some((v[first..].iter().filter(|&&x| !finite(x)).count(), first))
        }
        match self {
            Values::F32(v) => count(v, f32::is_finite),
            Values::F64(v) => count(v, f64::is_finite),
        }
    }

    fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    /// A tensor of `shape` holding them, on `device`, in their precision.
    fn tensor<const D: usize>(self, shape: [usize; D], device: &Device) -> Tensor<D> {
        match self {
            Values::F32(v) => Tensor::from_data(TensorData::new(v, shape), device),
            Values::F64(v) => Tensor::from_data(TensorData::new(v, shape), (device, DType::F64)),
        }
    }

    /// The values in C order, from an array of `shape` stored in Fortran order.
    fn c_order(self, rows: usize, cols: usize) -> Self {
        fn transpose<T: Copy>(v: &[T], rows: usize, cols: usize) -> Vec<T> {
            (0..rows * cols).map(|k| v[(k % cols) * rows + k / cols]).collect()
        }
        match self {
            Values::F32(v) => Values::F32(transpose(&v, rows, cols)),
            Values::F64(v) => Values::F64(transpose(&v, rows, cols)),
        }
    }
}

/// An .npy file of `shape` holding `values` (C order, little-endian).
pub fn npy_bytes(values: &Values, shape: &[u64]) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let written = match values {
        Values::F32(v) => write_npy(&mut bytes, "<f4", shape, v),
        Values::F64(v) => write_npy(&mut bytes, "<f8", shape, v),
    };
    written.map_err(|e| anyhow!("cannot encode an .npy array: {e}"))?;
    Ok(bytes)
}

fn write_npy<T: npyz::Serialize + Copy>(out: &mut Vec<u8>, descr: &str, shape: &[u64], values: &[T]) -> std::io::Result<()> {
    let dtype = npyz::DType::Plain(descr.parse().expect("a valid type string"));
    let mut writer = npyz::WriteOptions::<T>::new().dtype(dtype).shape(shape).writer(out).begin_nd()?;
    writer.extend(values.iter().copied())?;
    writer.finish()
}

/// Reads the lab's array `name` (`W` or `b`) from an .npy file: float32 or float64,
/// little-endian, of one of the `shapes` (the first is the one to name). C or Fortran order.
pub fn read_npy(path: &Path, name: &str, shapes: &[&[u64]]) -> Result<(Values, Vec<u64>)> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    let npy = NpyFile::new(&bytes[..]).map_err(|e| anyhow!("{}: not an .npy file ({e})", path.display()))?;
    let shape = npy.shape().to_vec();
    let dims = |s: &[u64]| match s {
        [n] => format!("({n},)"),
        _ => format!("({})", s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")),
    };
    if !shapes.contains(&shape.as_slice()) {
        let expected = shapes.iter().map(|s| dims(s)).collect::<Vec<_>>().join(" or ");
        let hint = match name {
            "W" if shape == [CLASSES as u64, PIXELS as u64] => {
                ": this W is transposed (PyTorch's [out, in]); the lab's W has one column per class, save W.T"
            }
            _ => "",
        };
        bail!("{}: {name} has shape {}, the lab's {name} is {expected}{hint}", path.display(), dims(&shape));
    }
    let npyz::DType::Plain(t) = npy.dtype() else {
        bail!("{}: {name} holds structured values ({}), the lab's are float32 or float64", path.display(), npy.dtype().descr());
    };
    if t.type_char() != TypeChar::Float || !matches!(t.size_field(), 4 | 8) {
        bail!("{}: {name} holds {} values, the lab's are float32 or float64 ('<f4' or '<f8')", path.display(), npy.dtype().descr());
    }
    if t.endianness() == npyz::Endianness::Big {
        bail!(
            "{}: {name} is big-endian ({}); handgrad reads little-endian arrays: save {name}.astype('<f{}')",
            path.display(),
            npy.dtype().descr(),
            t.size_field()
        );
    }
    let fortran = npy.order() == Order::Fortran;
    let damaged = |e: std::io::Error| anyhow!("{}: {name} cannot be read whole ({e}): truncated?", path.display());
    let values = match t.size_field() {
        4 => Values::F32(npy.into_vec::<f32>().map_err(damaged)?),
        _ => Values::F64(npy.into_vec::<f64>().map_err(damaged)?),
    };
    let values = match (fortran, shape.as_slice()) {
        (true, &[rows, cols]) => values.c_order(rows as usize, cols as usize),
        _ => values,
    };
    let cols = if shape.len() == 2 { shape[1] as usize } else { 0 };
    if let Some((count, first)) = values.non_finite() {
        bail!("{}: {}", path.display(), non_finite_line(name, count, &index(first, cols)));
    }
    Ok((values, shape))
}

/// `[i]`, or `[row, col]` for a matrix with `cols` columns (0: a vector).
fn index(flat: usize, cols: usize) -> String {
    match cols {
        0 => format!("[{flat}]"),
        _ => format!("[{}, {}]", flat / cols, flat % cols),
    }
}

/// The one line that refuses weights holding NaN or infinity (a diverged run's).
fn non_finite_line(name: &str, count: usize, first_at: &str) -> String {
    let values = if count == 1 { "value that is" } else { "values that are" };
    format!(
        "{name} holds {count} {values} NaN or infinite, the first at {name}{first_at}: \
         a diverged run? A model needs finite weights"
    )
}

/// `W` (784 × 10) and `b` of a logistic regression, in its precision.
pub fn lab_arrays(model: &LogisticRegression) -> (Values, Values) {
    (Values::of(model.w()), Values::of(model.b()))
}

/// The logistic regression of the lab's `W` (784 × 10) and `b` (10 values), which must have
/// one precision.
pub fn from_lab_arrays(w: Values, b: Values, device: &Device) -> Result<LogisticRegression> {
    if w.precision() != b.precision() {
        bail!(
            "W is {} and b {}: save both in one precision (W.astype(b.dtype), or the other way)",
            dtype_name(w.precision()),
            dtype_name(b.precision())
        );
    }
    debug_assert_eq!((w.len(), b.len()), (PIXELS * CLASSES, CLASSES));
    Ok(LogisticRegression::from_parameters(w.tensor([PIXELS, CLASSES], device), b.tensor([CLASSES], device)))
}

fn dtype_name(p: Precision) -> &'static str {
    match p {
        Precision::F32 => "float32",
        Precision::F64 => "float64",
    }
}

/// The model as safetensors, in PyTorch's layout: `linear.weight` [10, 784] (`Wᵀ`, as
/// `torch.nn.Linear(784, 10)` keeps it) and `linear.bias` [10].
pub fn safetensors_bytes(model: &LogisticRegression) -> Result<Vec<u8>> {
    let mut store = SafetensorsStore::from_bytes(None).with_to_adapter(BurnToPyTorchAdapter);
    model.save_into(&mut store).map_err(|e| anyhow!("cannot encode the model as safetensors: {e}"))?;
    store.get_bytes().map_err(|e| anyhow!("cannot encode the model as safetensors: {e}"))
}

/// The model's tensors must be F32 or F64, both alike: the backends build a model of one float
/// precision (an F16 tensor, or a bias of another precision than the weight, would only fail
/// later, inside a forward pass). Read from the file's header, which is an 8-byte little-endian
/// length, then JSON naming each tensor's `dtype`; a file without one is left to burn-store.
fn refuse_other_precisions(path: &Path, bytes: &[u8]) -> Result<()> {
    let header = bytes
        .get(..8)
        .map(|n| u64::from_le_bytes(n.try_into().expect("8 bytes")) as usize)
        .and_then(|n| bytes.get(8..8usize.checked_add(n)?))
        .and_then(|json| serde_json::from_slice::<serde_json::Value>(json).ok());
    let Some(header) = header else { return Ok(()) };
    let dtype = |name: &str| header.get(name).and_then(|t| t.get("dtype")).and_then(|d| d.as_str()).map(str::to_string);
    let (weight, bias) = (dtype("linear.weight"), dtype("linear.bias"));
    for (name, dtype) in [("linear.weight", &weight), ("linear.bias", &bias)] {
        if let Some(dtype) = dtype.as_deref().filter(|d| !matches!(*d, "F32" | "F64")) {
            bail!("{}: {name} holds {dtype} values; handgrad's models are F32 or F64: save it after .float() or .double()", path.display());
        }
    }
    if let (Some(w), Some(b)) = (&weight, &bias)
        && w != b
    {
        bail!("{}: linear.weight is {w} and linear.bias {b}: save both in one precision", path.display());
    }
    Ok(())
}

/// The logistic regression in a safetensors file of PyTorch's layout (what
/// [`safetensors_bytes`] writes); its precision is the file's.
pub fn read_safetensors(path: &Path, device: &Device) -> Result<LogisticRegression> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    refuse_other_precisions(path, &bytes)?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes)).with_from_adapter(PyTorchToBurnAdapter).allow_partial(true);
    let mut model = LogisticRegression::new(Init::Zeros, device);
    let one_line = |e: String| e.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    let result = model
        .load_from(&mut store)
        .map_err(|e| anyhow!("{}: not a safetensors file of this model ({})", path.display(), one_line(e.to_string())))?;
    if !result.missing.is_empty() {
        // In alphabetical order: burn-store lists them in no fixed order.
        let mut missing: Vec<&str> = result.missing.iter().map(|(p, _)| p.as_str()).collect();
        missing.sort_unstable();
        let mut unused = result.unused.clone();
        unused.sort_unstable();
        let held = if unused.is_empty() { "none of them".to_string() } else { unused.join(", ") };
        bail!(
            "{}: no tensor {} (it holds {held}); the logistic regression's are linear.weight [10, 784] and linear.bias [10]",
            path.display(),
            missing.join(", ")
        );
    }
    if let Some(error) = result.errors.first() {
        bail!("{}: {}", path.display(), one_line(error.to_string()));
    }
    // Checked in the file's layout: linear.weight is [10, 784], the lab's W transposed.
    let (w, b) = lab_arrays(&model);
    if let Some((count, first)) = w.c_order(CLASSES, PIXELS).non_finite() {
        bail!("{}: {}", path.display(), non_finite_line("linear.weight", count, &index(first, PIXELS)));
    }
    if let Some((count, first)) = b.non_finite() {
        bail!("{}: {}", path.display(), non_finite_line("linear.bias", count, &index(first, 0)));
    }
    Ok(model)
}
