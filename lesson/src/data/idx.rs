//! A validating reader (and a small writer) for the IDX format of MNIST and Fashion-MNIST.
//!
//! An IDX file is a big-endian header — two zero bytes, a type byte (0x08 = u8), the number
//! of dimensions — then one u32 per dimension, then the data. Images are `0x00000803`
//! (count × 28 × 28), labels `0x00000801` (count). Files may be raw or gzip-compressed.
//!
//! Every failure is an [`IdxError`] that names the file and says what is wrong: the reader
//! never trusts a count from the header to size an allocation and never panics on bad bytes.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

/// Side of an MNIST image in pixels.
pub const SIDE: usize = 28;
/// Pixels in one image (the lab's `d = 784`).
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes.
pub const CLASSES: usize = 10;
/// More items than this in one file is taken for a corrupt header (MNIST has 60 000).
pub const MAX_ITEMS: usize = 10_000_000;

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What went wrong with one IDX file.
#[derive(Debug)]
pub struct IdxError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for IdxError {}

fn fail<T>(path: &Path, problem: impl Into<String>) -> Result<T, IdxError> {
    Err(IdxError {
        path: path.to_path_buf(),
        problem: problem.into(),
    })
}

/// Images of one IDX file: `count` images of 784 bytes each, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// `count × 784` gray levels, 0 (black) to 255 (white).
    pub pixels: Vec<u8>,
}

/// Reads an image file (`0x00000803`, count × 28 × 28).
pub fn read_images(path: &Path) -> Result<IdxImages, IdxError> {
    let mut reader = open(path)?;
    let header = read_header(path, &mut reader, IMAGES_MAGIC, 3, "images")?;
    let (count, rows, cols) = (header[0], header[1], header[2]);
    if rows != SIDE || cols != SIDE {
        return fail(
            path,
            format!("images are {rows}×{cols}, expected {SIDE}×{SIDE}"),
        );
    }
    let pixels = read_payload(path, &mut reader, count * PIXELS)?;
    Ok(IdxImages { count, pixels })
}

/// Reads a label file (`0x00000801`); every label must be a class index below 10.
pub fn read_labels(path: &Path) -> Result<Vec<u8>, IdxError> {
    let mut reader = open(path)?;
    let header = read_header(path, &mut reader, LABELS_MAGIC, 1, "labels")?;
    let labels = read_payload(path, &mut reader, header[0])?;
    if let Some((i, &bad)) = labels.iter().enumerate().find(|(_, l)| **l as usize >= CLASSES) {
        return fail(
            path,
            format!("label {bad} at index {i} is not a class (expected 0..={})", CLASSES - 1),
        );
    }
    Ok(labels)
}

/// Opens a file for reading, through a gzip decoder when it is one.
///
/// A name ending in `.gz` must be gzip; any other file is read raw unless it starts with the
/// gzip magic bytes.
fn open(path: &Path) -> Result<Box<dyn Read>, IdxError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return fail(path, "no such file"),
        Err(e) => return fail(path, format!("cannot open: {e}")),
    };
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).or_else(|e| fail(path, format!("cannot read: {e}")))?;
    if got == 0 {
        return fail(path, "empty file");
    }
    let is_gzip = got == 2 && magic == GZIP_MAGIC;
    let named_gz = path.extension().is_some_and(|e| e == "gz");
    if named_gz && !is_gzip {
        return fail(path, "not a gzip file (the name ends in .gz)");
    }
    let rest = io::Cursor::new(magic[..got].to_vec()).chain(file);
    let reader: Box<dyn Read> = if is_gzip {
        Box::new(io::BufReader::with_capacity(1 << 16, GzDecoder::new(rest)))
    } else {
        Box::new(io::BufReader::with_capacity(1 << 16, rest))
    };
    Ok(reader)
}

/// Reads the magic number and the dimensions; checks the magic and the item count.
fn read_header(
    path: &Path,
    reader: &mut dyn Read,
    magic: u32,
    ndims: usize,
    what: &str,
) -> Result<Vec<usize>, IdxError> {
    let mut buf = vec![0u8; 4 + 4 * ndims];
    let got = read_up_to(reader, &mut buf).or_else(|e| fail(path, read_error(&e)))?;
    if got == 0 {
        return fail(path, "empty file");
    }
    if got < 4 {
        return fail(path, format!("truncated header: {got} bytes, expected {}", buf.len()));
    }
    let found = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if found != magic {
        let other = match found {
            IMAGES_MAGIC => " (an images file)",
            LABELS_MAGIC => " (a labels file)",
            _ => "",
        };
        return fail(
            path,
            format!("bad magic number 0x{found:08x}{other}, expected 0x{magic:08x} for {what}"),
        );
    }
    if got < buf.len() {
        return fail(path, format!("truncated header: {got} bytes, expected {}", buf.len()));
    }
    let dims: Vec<usize> = buf[4..]
        .chunks_exact(4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .collect();
    if dims[0] == 0 {
        return fail(path, format!("the header declares 0 {what}"));
    }
    if dims[0] > MAX_ITEMS {
        return fail(
            path,
            format!("the header declares {} {what}, more than the {MAX_ITEMS} allowed", dims[0]),
        );
    }
    Ok(dims)
}

/// Reads exactly `len` bytes of data and checks that nothing follows them.
///
/// The buffer grows with the bytes actually read, so a lying header cannot make it reserve
/// more memory than the file holds.
fn read_payload(path: &Path, reader: &mut dyn Read, len: usize) -> Result<Vec<u8>, IdxError> {
    let mut data = Vec::with_capacity(len.min(1 << 20));
    reader
        .take(len as u64 + 1)
        .read_to_end(&mut data)
        .or_else(|e| fail(path, read_error(&e)))?;
    if data.len() < len {
        return fail(
            path,
            format!("truncated data: {} bytes, expected {len}", data.len()),
        );
    }
    if data.len() > len {
        return fail(path, format!("trailing bytes after the {len} bytes of data"));
    }
    Ok(data)
}

fn read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated gzip stream".to_string(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => format!("corrupt gzip data: {e}"),
        _ => format!("cannot read: {e}"),
    }
}

/// Fills `buf` as far as the reader goes; returns how many bytes it got.
fn read_up_to(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Encodes images as an IDX file (`count × 28 × 28`).
pub fn encode_images(pixels: &[u8]) -> Vec<u8> {
    let count = (pixels.len() / PIXELS) as u32;
    let mut out = Vec::with_capacity(16 + pixels.len());
    for word in [IMAGES_MAGIC, count, SIDE as u32, SIDE as u32] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Encodes labels as an IDX file.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    for word in [LABELS_MAGIC, labels.len() as u32] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(labels);
    out
}

/// Gzip-compresses bytes (for writing `.gz` IDX files).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
