//! `handgrad serve`: a page to draw a digit on and watch the model decide, and the JSON API
//! behind it.
//!
//! The page (`assets/`, compiled into the binary: no file is ever read from disk) sends the
//! drawing as a PNG to `POST /api/predict` at every stroke; the answer is what `handgrad
//! predict --json` says of the same picture (the same preparation, the same code), plus the
//! ten classes ranked and the reason for the scores ([`crate::explain`]).
//!
//! | request | answer |
//! |---|---|
//! | `GET /`, `/app.js`, `/style.css` | the page |
//! | `GET /api/model` | what the model is: architecture, dataset, class names |
//! | `POST /api/predict[?ink=auto\|dark\|light]`, a PNG or JPEG body | the prediction (JSON) |
//! | anything else | a 4xx status and `{"error": "one line"}` |
//!
//! The HTTP side is an axum router (on hyper and tokio, which burn already builds), served by
//! an accept loop of handgrad's own on hyper's HTTP/1 connections: one handler takes every
//! request and hands it to [`App::handle`], a plain function from a request to a reply
//! that holds the routes above in one `match`. The answers are computed off the runtime's
//! threads (`spawn_blocking`), at most one per worker at a time: a predict of the page's
//! drawing takes about a millisecond, but a large picture takes longer, and the page and
//! other clients are served meanwhile.
//!
//! Meant for this machine or a classroom's network (`connections.rs`): a request's head must
//! arrive within [`HEADER_TIMEOUT`] (hyper's timer, which also closes a connection idle that
//! long), its body within [`BODY_TIMEOUT`]; at most [`Limits::max_connections`] connections
//! are open at once, below the process's open-files limit, and past that bound a connection
//! that waits for a request gives its place to a new one, or the new one gets a fast `503`.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, Result, anyhow};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use burn::tensor::Device;
use serde::Serialize;

use crate::drawing::{Ink, decode_drawing_within};
use crate::explain::{self, Explanation, Guess, Prediction};
use crate::model::Model;
use crate::persist::ModelMeta;

mod connections;
pub use connections::{
    DEFAULT_MAX_CONNECTIONS, FILE_MARGIN, HEADER_TIMEOUT, Limits, SHED_LOG_INTERVAL, open_files_limit,
};

/// The largest request body accepted: a drawing on a large canvas is well under 1 MB.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// The most pixels a posted picture may have: 16 million (a 4000 × 4000 drawing; the page
/// sends 280 × 280). Preparing a picture takes about 20 bytes a pixel, so this bounds a
/// request's memory at about 320 MB, where `predict`'s 100 million would allow 2 GB.
pub const MAX_POSTED_PIXELS: u64 = 16_000_000;

/// How long a client may take to send its body.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const STYLE_CSS: &str = include_str!("assets/style.css");

/// What the server answers with: the model, its description, where it computes.
#[derive(Clone)]
pub struct App {
    model: Model,
    meta: ModelMeta,
    device: Device,
}

/// `POST /api/predict`'s answer: [`Prediction`] (exactly `predict --json`'s fields), then the
/// ten classes ranked and the explanation.
#[derive(Serialize)]
pub struct Answer {
    /// `top`, `inverted`, `input`, as `predict --json` gives them.
    #[serde(flatten)]
    pub prediction: Prediction,
    /// All ten classes, most probable first (the first three are `top`).
    pub classes: Vec<Guess>,
    /// Why: the evidence maps of the logistic regression, or the MLP's hidden activations.
    pub explanation: Explanation,
}

/// `GET /api/model`'s answer.
#[derive(Serialize)]
struct ModelInfo {
    architecture: String,
    dataset: &'static str,
    classes: [&'static str; 10],
    epochs: usize,
    test_accuracy: Option<f64>,
}

/// A response before it is sent: status, content type, body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body's media type.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self { status: 200, content_type, body: body.into() }
    }

    fn json(value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::ok("application/json", body),
            Err(e) => Self::error(500, &format!("internal error: {e}")),
        }
    }

    /// `{"error": "…"}` with a 4xx or 5xx status.
    pub fn error(status: u16, message: &str) -> Self {
        let body = serde_json::json!({ "error": message }).to_string();
        Self { status, content_type: "application/json", body: body.into_bytes() }
    }
}

impl App {
    /// Serves `model`, described by `meta`, computing on `device`.
    pub fn new(model: Model, meta: ModelMeta, device: Device) -> Self {
        Self { model, meta, device }
    }

    /// The answer to one request: `method`, the request target `url` (path and query) and the
    /// body. Never panics on any input.
    pub fn handle(&self, method: &Method, url: &str, body: Body) -> Reply {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        if path.contains("..") || percent_decoded(path).contains("..") {
            return Reply::error(400, "a path with '..' is refused");
        }
        let get = *method == Method::GET || *method == Method::HEAD;
        match path {
            "/" | "/index.html" if get => Reply::ok("text/html; charset=utf-8", INDEX_HTML),
            "/app.js" if get => Reply::ok("text/javascript; charset=utf-8", APP_JS),
            "/style.css" if get => Reply::ok("text/css; charset=utf-8", STYLE_CSS),
            "/api/model" if get => Reply::json(&self.info()),
            "/api/predict" if *method == Method::POST => match body {
                Body::Bytes(bytes) => self.predict(&bytes, query),
                Body::TooLarge => {
                    Reply::error(413, &format!("the image is over the {} MiB a request may carry", MAX_BODY >> 20))
                }
                Body::TooSlow => {
                    Reply::error(408, &format!("the body did not arrive within {} s", BODY_TIMEOUT.as_secs()))
                }
            },
            "/api/predict" => Reply::error(405, &format!("{method} /api/predict: use POST with an image body")),
            "/" | "/index.html" | "/app.js" | "/style.css" | "/api/model" => {
                Reply::error(405, &format!("{method} {path}: use GET"))
            }
            _ => Reply::error(404, &format!("{path}: no such page (the page is /, the API /api/predict)")),
        }
    }

    fn info(&self) -> ModelInfo {
        let dataset = self.meta.dataset();
        ModelInfo {
            architecture: self.meta.architecture().describe(),
            dataset: dataset.title(),
            classes: dataset.class_names(),
            epochs: self.meta.epochs_done,
            test_accuracy: self.meta.test_accuracy,
        }
    }

    /// `POST /api/predict`: the picture prepared as `predict` prepares it, then classified.
    fn predict(&self, bytes: &[u8], query: &str) -> Reply {
        let ink = match query_value(query, "ink") {
            None | Some("auto") => Ink::Auto,
            Some("dark") => Ink::Dark,
            Some("light") => Ink::Light,
            Some(other) => return Reply::error(400, &format!("ink={other}: use auto, dark or light")),
        };
        if bytes.is_empty() {
            return Reply::error(400, "empty body: send a PNG or JPEG image");
        }
        let prepared = match decode_drawing_within(bytes, ink, self.meta.dataset(), MAX_POSTED_PIXELS) {
            Ok(prepared) => prepared,
            Err(e) => return Reply::error(400, &format!("{e:#}")),
        };
        Reply::json(&self.answer(&prepared.pixels, prepared.inverted))
    }

    /// The answer for one prepared image.
    pub fn answer(&self, pixels: &[u8], inverted: bool) -> Answer {
        let names = self.meta.dataset().class_names();
        // The probabilities come from the model's own forward pass, as `predict` computes them
        // (equal to the bit); the explanation takes the same scores apart pixel by pixel, a
        // second small pass (784 × 10) whose sums agree within rounding.
        let classes = explain::ranked(&explain::probabilities(&self.model, pixels, &self.device), &names);
        Answer {
            prediction: Prediction::from_ranked(&classes, inverted, pixels),
            classes,
            explanation: explain::explain(&self.model, pixels, &self.device),
        }
    }
}

/// A request's body as read: its bytes, or the fact that it is over [`MAX_BODY`].
pub enum Body {
    /// The whole body.
    Bytes(Vec<u8>),
    /// Over the limit (not read further).
    TooLarge,
    /// Not all there after [`BODY_TIMEOUT`].
    TooSlow,
}

/// The value of `key` in a query string `a=1&b=2` (no percent-decoding: the values are words).
fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

/// `%2e%2E` and friends decoded (bytes that are not valid escapes are kept as they are), to
/// see a `..` however it is written.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|&b| hex(b)), bytes.get(i + 2).and_then(|&b| hex(b))) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A server listening on its address, before it serves.
pub struct Server {
    listener: TcpListener,
    app: App,
    limits: Limits,
}

/// A server serving in the background ([`Server::spawn`]), until [`Running::stop`].
pub struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    thread: JoinHandle<Result<()>>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Listens on `addr` (port 0: any free port), to serve as many connections at once as
    /// this process's open-files limit allows ([`Limits::of_this_process`]).
    pub fn bind(addr: SocketAddr, app: App) -> Result<Self> {
        let limits = Limits::of_this_process()?;
        let listener = TcpListener::bind(addr).map_err(|e| anyhow!("cannot listen on {addr}: {e}"))?;
        listener.set_nonblocking(true)?;
        Ok(Self { listener, app, limits })
    }

    /// At most `n` connections at once instead (an error when the open-files limit has no
    /// room for them).
    pub fn max_connections(mut self, n: usize) -> Result<Self> {
        self.limits = Limits::under(self.limits.open_files, Some(n))?;
        Ok(self)
    }

    /// How many connections it serves at once, and under which open-files limit.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The address it listens on (with the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves on `workers` threads until the process ends.
    pub fn run(self, workers: usize) -> Result<()> {
        self.serve(workers, std::future::pending())
    }

    /// Serves on `workers` threads in the background.
    pub fn spawn(self, workers: usize) -> Running {
        let addr = self.addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            self.serve(workers, async {
                let _ = stopped.await;
            })
        });
        Running { stop, thread, addr }
    }

    fn serve(self, workers: usize, until: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .enable_all()
            .build()
            .context("cannot start the server's threads")?;
        let shared = Shared { app: Arc::new(self.app), computing: Arc::new(tokio::sync::Semaphore::new(workers.max(1))) };
        let router = axum::Router::new().fallback(serve_one).with_state(shared);
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(self.listener)?;
            connections::serve(listener, router, self.limits, until).await
        })?;
        Ok(())
    }
}

impl Running {
    /// Stops taking requests, lets the ones in flight finish, and waits for the server.
    pub fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.thread.join().map_err(|_| anyhow!("the server's thread panicked"))?
    }
}

/// What every request's handler shares: the app, and one permit per worker to compute.
#[derive(Clone)]
struct Shared {
    app: Arc<App>,
    computing: Arc<tokio::sync::Semaphore>,
}

/// Every request: the body read (up to [`MAX_BODY`], within [`BODY_TIMEOUT`]), [`App::handle`]
/// on a blocking thread, the reply sent, and a log line on stderr when it failed. A panic while
/// answering (a bug) becomes a 500 for this request; the server goes on.
async fn serve_one(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let announced = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let body = if announced.is_some_and(|n| n > MAX_BODY as u64) {
        Body::TooLarge // not read at all: the connection is closed after the answer
    } else {
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
            Err(_) => Body::TooSlow,
            Ok(Ok(bytes)) => Body::Bytes(bytes.into()),
            Ok(Err(e)) if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>()) => {
                Body::TooLarge
            }
            // The client went away in the middle of its body: what arrived is judged as it is.
            Ok(Err(_)) => Body::Bytes(Vec::new()),
        }
    };
    let url = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let method = parts.method;
    let permit = shared.computing.acquire_owned().await;
    let (app, m, u) = (Arc::clone(&shared.app), method.clone(), url.clone());
    let reply = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        app.handle(&m, &u, body)
    })
    .await
    .unwrap_or_else(|_| Reply::error(500, "internal error while answering (a bug: please report it)"));
    if reply.status >= 400 {
        eprintln!("{method} {url}: {} {}", reply.status, String::from_utf8_lossy(&reply.body));
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // (hyper sends no body in answer to HEAD.)
    let mut response = (status, reply.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(reply.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if reply.status == 405 {
        let allow = if url.starts_with("/api/predict") { "POST" } else { "GET, HEAD" };
        headers.insert(header::ALLOW, HeaderValue::from_static(allow));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_dot_is_seen_however_it_is_written() {
        for path in ["/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2e%2Fsecret", "/a/..%2f"] {
            assert!(path.contains("..") || percent_decoded(path).contains(".."), "{path}");
        }
        assert_eq!(percent_decoded("/app.js"), "/app.js");
        assert_eq!(percent_decoded("/%zz%4"), "/%zz%4");
    }

    #[test]
    fn query_values() {
        assert_eq!(query_value("ink=dark", "ink"), Some("dark"));
        assert_eq!(query_value("a=1&ink=light", "ink"), Some("light"));
        assert_eq!(query_value("inky=1", "ink"), None);
        assert_eq!(query_value("", "ink"), None);
    }
}
