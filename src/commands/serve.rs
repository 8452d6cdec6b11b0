//! `handgrad serve --model RUN`: the drawing page ([`crate::serve`]) on a local port.

use std::io::Write;
use std::net::SocketAddr;

use anyhow::{Context, Result};

use crate::cli::ServeArgs;
use crate::persist::load_model;
use crate::serve::{App, Server};

/// Loads the model, listens, says where, and serves until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<()> {
    let device = args.device.backend()?.open()?;
    let (model, meta, file) = load_model(&args.model, &device)?;
    let described = format!("{} trained on {}", meta.architecture().describe(), meta.dataset().title());
    let mut server = Server::bind(SocketAddr::new(args.host, args.port), App::new(model, meta, device))?;
    if let Some(n) = args.max_connections {
        server = server.max_connections(n as usize).with_context(|| format!("--max-connections {n}"))?;
    }
    let most = server.limits().max_connections;
    let workers = args
        .workers
        .map_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()), usize::from);
    let addr = server.addr();
    let host = if addr.ip().is_unspecified() { "localhost".to_string() } else { addr.ip().to_string() };
    let url = if addr.is_ipv6() { format!("http://[{host}]:{}/", addr.port()) } else { format!("http://{host}:{}/", addr.port()) };
    println!("handgrad serve: {url}  ({described}, {}; up to {most} connections; Ctrl-C stops)", file.display());
    if !addr.ip().is_loopback() {
        println!("note: listening on {}: other machines can reach the page", addr.ip());
    }
    // The URL is what a script waits for: let it through a pipe now.
    std::io::stdout().flush()?;
    server.run(workers)
}
