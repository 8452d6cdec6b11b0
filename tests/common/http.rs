//! A plain HTTP/1.1 client for the tests (one request per connection), and `handgrad serve`
//! started as a child process that is killed when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::Duration;

/// An answer: status, headers (names lowercased), body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends `raw` (a whole request, as bytes) to `addr` and reads the answer: up to its
/// Content-Length, or until the server closes the connection.
pub fn raw(addr: &str, raw: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // A server may answer (413) before it has read the whole body: a failed write is fine.
    let _ = stream.write_all(raw);
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 65536];
    loop {
        if complete_length(&bytes).is_some_and(|total| bytes.len() >= total) {
            break;
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
        }
    }
    parse(&bytes)
}

/// The length of the whole answer (head and body) once its head has arrived and announces a
/// Content-Length.
fn complete_length(bytes: &[u8]) -> Option<usize> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..end]).to_ascii_lowercase();
    let length = head.lines().find_map(|l| l.strip_prefix("content-length:"))?.trim().parse::<usize>().ok()?;
    Some(end + length)
}

/// `method target` with `body` and extra `headers`.
pub fn request(addr: &str, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += "\r\n";
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// `POST /api/predict` with an image.
pub fn predict(addr: &str, image: &[u8]) -> Reply {
    request(addr, "POST", "/api/predict", &[("Content-Type", "image/png")], image)
}

fn parse(bytes: &[u8]) -> Reply {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    if let Some(n) = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()) {
        assert!(body.len() >= n, "body cut short: {} of {n} bytes", body.len());
        body.truncate(n);
    }
    Reply { status, headers, body }
}

/// `handgrad serve` in a child process, on a free port; killed when dropped.
pub struct Served {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The first line it printed.
    pub banner: String,
    stderr: Option<ChildStderr>,
}

impl Served {
    /// Starts `handgrad serve --model MODEL --port 0 EXTRA…` and waits for its URL.
    pub fn start(model: &Path, extra: &[&str]) -> Served {
        Served::spawn(serve_command(model, extra))
    }

    /// The same, in a process whose open-files limit is `open_files` (soft and hard).
    #[cfg(unix)]
    pub fn start_with_file_limit(model: &Path, extra: &[&str], open_files: libc::rlim_t) -> Served {
        let mut command = serve_command(model, extra);
        limit_open_files(&mut command, open_files);
        Served::spawn(command)
    }

    fn spawn(mut command: Command) -> Served {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut banner).unwrap();
        let url = banner
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {banner:?}"));
        let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
        let stderr = child.stderr.take();
        Served { child, addr, banner, stderr }
    }

    /// Stops the server and returns what it wrote on stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut text = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut text);
        }
        text
    }
}

/// `handgrad serve --model MODEL --port 0 EXTRA…`, not started.
pub fn serve_command(model: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handgrad"));
    command.args(["serve", "--model", model.to_str().unwrap(), "--port", "0"]).args(extra);
    command
}

/// The process `command` starts may open at most `open_files` files (as under `ulimit -n`).
#[cfg(unix)]
pub fn limit_open_files(command: &mut Command, open_files: libc::rlim_t) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit { rlim_cur: open_files, rlim_max: open_files };
    // SAFETY: between fork and exec, only setrlimit (async-signal-safe) and errno are used.
    unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
        });
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
