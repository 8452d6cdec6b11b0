//! A short local load on `handgrad serve`'s API: how many predictions a second, and how long
//! each takes, with 1 to 8 clients at once, without and with an abusive client holding
//! half-open connections. Loopback only, bounded in requests, connections and time.
//!
//! ```sh
//! cargo run --release --example serve_load -- artifacts/fashion-logreg artifacts/fashion-mlp
//! ```
//!
//! The server is handgrad's own ([`handgrad::serve::Server`], with as many workers as
//! `handgrad serve` starts by default), in this process; the clients are threads that each
//! open a connection per request (as `curl` does), POST one of 30 drawings (the digits the
//! predict tests draw, dark on light, 300 × 220 PNGs) and read the whole answer. On a machine
//! with few cores the clients and the server share them: the figures are a floor.
//!
//! The server is bounded at 192 connections, as `handgrad serve` is under a 256 open-files
//! limit (macOS's default). The abusive client is a thread that keeps [`ABUSER_CONNECTIONS`]
//! connections open, each having sent half a request head (`GET / HTTP/1.1`, `Host: x`, and
//! no end), and opens a new one for each the server closes (it looks every 10 ms); the same
//! clients then run again. After the load the abuser stops opening and watches the server
//! close what it still holds (the header timeout).
//! Writes `artifacts/serve-load.json` and `artifacts/serve-load.md` (`--out DIR` elsewhere).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use lesson::backend::Backend;
use handgrad::drawing::{Ink, decode_drawing};
use handgrad::persist::load_model;
use handgrad::plot::canvas::{Align, Canvas};
use handgrad::serve::{App, Server};
use serde::Serialize;

/// Requests per client count, at most.
const REQUESTS: usize = 2_000;
/// Seconds per client count, at most.
const SECONDS: f64 = 5.0;
const CLIENTS: [usize; 4] = [1, 2, 4, 8];
/// The server's bound, as under a 256 open-files limit.
const BOUND: usize = 192;
/// Half-open connections the abusive client tries to hold: half again the bound.
const ABUSER_CONNECTIONS: usize = 288;
/// How often the abuser looks for closed connections and opens new ones.
const ABUSER_EVERY: Duration = Duration::from_millis(10);

#[derive(Serialize)]
struct Row {
    model: String,
    /// Whether the abusive client was holding connections meanwhile.
    abuser: bool,
    clients: usize,
    requests: usize,
    failed: usize,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Serialize)]
struct Report {
    workers: usize,
    cores: usize,
    answer_bytes: Vec<(String, usize)>,
    /// The work of one answer without HTTP (preparing the PNG, the forward pass, the
    /// explanation), median over 200, in ms.
    in_process_ms: Vec<(String, f64)>,
    rows: Vec<Row>,
    /// A large drawing (3 900 × 3 900 pixels) posted, and `GET /api/model` asked while it is
    /// being prepared: both times in ms, per model.
    large_picture: Vec<LargePicture>,
    /// The server's bound on connections.
    bound: usize,
    /// What the abusive client saw, per model.
    abuse: Vec<Abuse>,
}

/// The abusive client's side of one model's load.
#[derive(Serialize, Default)]
struct Abuse {
    model: String,
    /// Connections it tried to hold.
    target: usize,
    /// Connections it opened in all, and those the server closed while the load ran.
    opened: usize,
    closed_during_load: usize,
    /// Connections it held, as seen from its side, when the load ended.
    held_at_end: usize,
    /// After it stopped opening: how long until the server had closed all it held, and the
    /// longest any of those had been held (from its half head to its closing), in s.
    all_closed_after_s: f64,
    longest_held_s: f64,
    /// Whether some were still open after 20 s.
    left_open: usize,
}

#[derive(Serialize)]
struct LargePicture {
    model: String,
    pixels: u64,
    predict_ms: f64,
    get_during_it_ms: f64,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut models = Vec::new();
    let mut out = PathBuf::from("artifacts");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().context("--out needs a folder")?.into(),
            _ => models.push(PathBuf::from(arg)),
        }
    }
    if models.is_empty() {
        bail!("usage: serve_load RUN_DIR... [--out DIR]");
    }
    let drawings = drawings()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores; // handgrad serve's default
    let large = large_drawing()?;
    let mut report = Report {
        workers,
        cores,
        answer_bytes: Vec::new(),
        in_process_ms: Vec::new(),
        rows: Vec::new(),
        large_picture: Vec::new(),
        bound: BOUND,
        abuse: Vec::new(),
    };
    // The abuser's connections and the server's, in this one process.
    if handgrad::serve::open_files_limit().is_some_and(|n| n < 1_024) {
        bail!("this example holds about 600 connections in one process: raise the open-files limit (ulimit -n 1024)");
    }
    for path in &models {
        let device = Backend::default_backend()?.open()?;
        let (model, meta, _) = load_model(path, &device)?;
        let name = format!("{} ({})", meta.architecture().describe(), path.display());
        let app = App::new(model, meta.clone(), device);

        // The work alone.
        let mut times = Vec::new();
        for k in 0..200 {
            let start = Instant::now();
            let prepared = decode_drawing(&drawings[k % drawings.len()], Ink::Auto, meta.dataset())?;
            std::hint::black_box(app.answer(&prepared.pixels, prepared.inverted));
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        report.in_process_ms.push((name.clone(), percentile(&mut times, 0.5)));

        let running = Server::bind("127.0.0.1:0".parse()?, app)?.max_connections(BOUND)?.spawn(workers);
        let first = post(running.addr, &drawings[0])?;
        report.answer_bytes.push((name.clone(), first.1));
        let say = |row: &Row| {
            eprintln!(
                "{name}: {} clients{}, {} requests ({} failed), {:.0}/s, p50 {:.2} ms, p99 {:.2} ms",
                row.clients,
                if row.abuser { " and the abuser" } else { "" },
                row.requests,
                row.failed,
                row.per_second,
                row.p50_ms,
                row.p99_ms
            )
        };
        for clients in CLIENTS {
            report.rows.push(load(&name, running.addr, &drawings, clients, false));
            say(report.rows.last().unwrap());
        }
        report.large_picture.push(while_large(&name, running.addr, &large)?);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let abuse = std::thread::scope(|s| {
            let abuser = s.spawn(|| abuser(running.addr, &stop));
            // Let it fill the server's bound first.
            std::thread::sleep(Duration::from_secs(1));
            for clients in CLIENTS {
                report.rows.push(load(&name, running.addr, &drawings, clients, true));
                say(report.rows.last().unwrap());
            }
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            abuser.join().expect("the abuser's thread")
        })?;
        eprintln!(
            "{name}: the abuser opened {} connections, {} closed by the server during the load, {} held at its end; \
             all closed {:.1} s after it stopped opening (the longest held {:.1} s)",
            abuse.opened, abuse.closed_during_load, abuse.held_at_end, abuse.all_closed_after_s, abuse.longest_held_s
        );
        report.abuse.push(Abuse { model: name.clone(), ..abuse });
        running.stop()?;
    }
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("serve-load.json"), serde_json::to_string_pretty(&report)? + "\n")?;
    std::fs::write(out.join("serve-load.md"), markdown(&report))?;
    eprintln!("wrote {}", out.join("serve-load.md").display());
    Ok(())
}

/// Holds up to [`ABUSER_CONNECTIONS`] half-open connections to `addr`, opening one for each
/// the server closes, until `stop`; then watches those left until the server has closed them
/// all (20 s at most).
fn abuser(addr: SocketAddr, stop: &std::sync::atomic::AtomicBool) -> Result<Abuse> {
    let mut held: Vec<(TcpStream, Instant)> = Vec::new();
    let mut report = Abuse { target: ABUSER_CONNECTIONS, ..Abuse::default() };
    let closed = |stream: &mut TcpStream| !matches!(stream.read(&mut [0u8; 64]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        while held.len() < ABUSER_CONNECTIONS {
            let mut stream = TcpStream::connect(addr)?;
            stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")?;
            stream.set_nonblocking(true)?;
            held.push((stream, Instant::now()));
            report.opened += 1;
        }
        std::thread::sleep(ABUSER_EVERY);
        let before = held.len();
        held.retain_mut(|(stream, _)| !closed(stream));
        report.closed_during_load += before - held.len();
    }
    report.held_at_end = held.len();
    let stopped = Instant::now();
    while !held.is_empty() && stopped.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(ABUSER_EVERY);
        held.retain_mut(|(stream, opened)| {
            let gone = closed(stream);
            if gone {
                report.longest_held_s = report.longest_held_s.max(opened.elapsed().as_secs_f64());
            }
            !gone
        });
    }
    report.all_closed_after_s = stopped.elapsed().as_secs_f64();
    report.left_open = held.len();
    if report.left_open > 0 {
        bail!("{} of the abuser's connections still open 20 s after it stopped", report.left_open);
    }
    Ok(report)
}

/// `clients` threads posting drawings until [`REQUESTS`] in all or [`SECONDS`] have passed.
fn load(name: &str, addr: SocketAddr, drawings: &[Vec<u8>], clients: usize, abuser: bool) -> Row {
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(SECONDS);
    let per_client = REQUESTS / clients;
    let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..clients)
            .map(|c| {
                s.spawn(move || {
                    let (mut times, mut failed) = (Vec::new(), 0);
                    for k in 0..per_client {
                        if Instant::now() > deadline {
                            break;
                        }
                        let t = Instant::now();
                        match post(addr, &drawings[(c * 7 + k) % drawings.len()]) {
                            Ok((200, _)) => times.push(t.elapsed().as_secs_f64() * 1e3),
                            _ => failed += 1,
                        }
                    }
                    (times, failed)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("a client thread")).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let failed = results.iter().map(|r| r.1).sum();
    let mut times: Vec<f64> = results.into_iter().flat_map(|r| r.0).collect();
    Row {
        model: name.to_string(),
        abuser,
        clients,
        requests: times.len() + failed,
        failed,
        seconds,
        per_second: times.len() as f64 / seconds,
        p50_ms: percentile(&mut times, 0.5),
        p90_ms: percentile(&mut times, 0.9),
        p99_ms: percentile(&mut times, 0.99),
        max_ms: percentile(&mut times, 1.0),
    }
}

/// A large drawing posted, and a GET sent 100 ms later, while it is being prepared.
fn while_large(name: &str, addr: SocketAddr, png: &[u8]) -> Result<LargePicture> {
    std::thread::scope(|s| {
        let big = s.spawn(|| {
            let t = Instant::now();
            post(addr, png).map(|(status, _)| (status, t.elapsed().as_secs_f64() * 1e3))
        });
        std::thread::sleep(Duration::from_millis(100));
        let t = Instant::now();
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(format!("GET /api/model HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes())?;
        stream.read_to_end(&mut Vec::new())?;
        let get_during_it_ms = t.elapsed().as_secs_f64() * 1e3;
        let (status, predict_ms) = big.join().expect("the large request's thread")?;
        if status != 200 {
            bail!("the large drawing got {status}");
        }
        eprintln!("{name}: a 3900×3900 drawing in {predict_ms:.0} ms, a GET meanwhile in {get_during_it_ms:.1} ms");
        Ok(LargePicture { model: name.to_string(), pixels: 3_900 * 3_900, predict_ms, get_during_it_ms })
    })
}

/// A 7 drawn with a thick pen on a 3 900 × 3 900 white canvas (a PNG of a few tens of KB).
fn large_drawing() -> Result<Vec<u8>> {
    let side = 3_900u32;
    // The bar of the 7, then its stem from the bar's right end down to the left.
    let bar = |x: u32, y: u32| (901..1_200).contains(&y) && (1_001..2_900).contains(&x);
    let stem = |x: u32, y: u32| (900..3_000).contains(&y) && (x as i64 - (2_900 - (y as i64 - 900) * 9 / 21)).abs() < 150;
    let inked = |x, y| bar(x, y) || stem(x, y);
    let picture = image::GrayImage::from_fn(side, side, |x, y| image::Luma([if inked(x, y) { 0 } else { 255 }]));
    let mut png = Vec::new();
    picture.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(png)
}

/// One `POST /api/predict` on a new connection: the status and the answer's size.
fn post(addr: SocketAddr, png: &[u8]) -> Result<(u16, usize)> {
    let mut stream = TcpStream::connect(addr)?;
    let head = format!(
        "POST /api/predict HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
        png.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(png)?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let status = std::str::from_utf8(answer.get(9..12).unwrap_or_default())?.parse()?;
    let body = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(0, |p| answer.len() - p - 4);
    Ok((status, body))
}

/// The predict tests' drawings: digits 0–9 in the embedded fonts, dark on light, at three
/// sizes and places on a 300 × 220 canvas.
fn drawings() -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for (size, x, y) in [(60.0, 70, 30), (110.0, 200, 50), (160.0, 120, 20)] {
        for digit in 0..10 {
            let mut canvas = Canvas::new(300, 220, [236, 236, 230]);
            canvas.text(&digit.to_string(), x, y, size, [20, 20, 40], Align::Center);
            out.push(canvas.png()?);
        }
    }
    Ok(out)
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

fn markdown(report: &Report) -> String {
    let mut md = String::from("# `handgrad serve` under a short local load\n\n");
    md += &format!(
        "Written by `cargo run --release --example serve_load -- RUN_DIR...`: {} worker threads, {} cores \
         shared with the clients; each client opens a connection per request and POSTs a 300 × 220 PNG \
         drawing; at most {REQUESTS} requests or {SECONDS} s per line. The server holds at most {} connections \
         (as under a 256 open-files limit); in the lines with an abusive client, one more client keeps up to \
         {ABUSER_CONNECTIONS} connections open that have each sent half a request head, and opens a new one for \
         each the server closes.\n\n",
        report.workers, report.cores, report.bound
    );
    md += "| model | one answer in-process (ms) | answer size (bytes) |\n|---|---:|---:|\n";
    for ((name, ms), (_, bytes)) in report.in_process_ms.iter().zip(&report.answer_bytes) {
        md += &format!("| {name} | {ms:.2} | {bytes} |\n");
    }
    md += "\n| model | a 3 900 × 3 900 drawing (ms) | GET /api/model meanwhile (ms) |\n|---|---:|---:|\n";
    for l in &report.large_picture {
        md += &format!("| {} | {:.0} | {:.1} |\n", l.model, l.predict_ms, l.get_during_it_ms);
    }
    md += "\n| model | abusive client | clients | requests | failed | requests/s | p50 ms | p90 ms | p99 ms | max ms |\n";
    md += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for r in &report.rows {
        md += &format!(
            "| {} | {} | {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            r.model,
            if r.abuser { "yes" } else { "no" },
            r.clients,
            r.requests,
            r.failed,
            r.per_second,
            r.p50_ms,
            r.p90_ms,
            r.p99_ms,
            r.max_ms
        );
    }
    md += &format!(
        "\nThe abusive client (server bound: {} connections; it tries to hold {ABUSER_CONNECTIONS} half-open ones, \
         opening a new one for each the server closes):\n\n",
        report.bound
    );
    md += "| model | connections it opened | closed by the server during the load | held when the load ended | \
           all closed after it stopped (s) | longest held (s) |\n|---|---:|---:|---:|---:|---:|\n";
    for a in &report.abuse {
        md += &format!(
            "| {} | {} | {} | {} | {:.1} | {:.1} |\n",
            a.model, a.opened, a.closed_during_load, a.held_at_end, a.all_closed_after_s, a.longest_held_s
        );
    }
    md
}
