//! The connections behind [`super::Server`]: an accept loop of handgrad's own around hyper's
//! HTTP/1 connections (hyper-util's Tokio timer drives hyper's header timeout), and a bound on
//! how many are open at once, below the process's open-files limit.
//!
//! - A connection waiting for a request's head — a new one, one that sent half a head, or an
//!   idle keep-alive one — is closed by hyper after [`HEADER_TIMEOUT`] (hyper runs that timer
//!   whenever a connection waits for a head, so it is also the idle timeout). A body is given
//!   [`super::BODY_TIMEOUT`] by the handler.
//! - At most [`Limits::max_connections`] are served at once. At the bound, a new connection
//!   takes the place of the connection that has waited longest for a head (it is closed): a
//!   client holding connections open without sending requests cannot lock others out. When
//!   every connection held is busy with a request, a new one gets a `503` and one JSON line,
//!   at once, and is closed.
//! - While it sheds load the server says so on stderr, one line per [`SHED_LOG_INTERVAL`], with
//!   the number of connections it holds.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

/// How long a connection may wait for a request's head (the request line and the headers)
/// before hyper closes it: a new connection, one that sent part of a head, and an idle
/// keep-alive connection alike.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Files kept out of the connections' share of the open-files limit: the server's own (the
/// standard streams, the listener, the runtime's), and room for the few connections accepted
/// over the bound while the ones they replace are being closed.
pub const FILE_MARGIN: u64 = 64;

/// The bound when the open-files limit allows more (or there is none): a classroom's browsers
/// open a few connections each.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// How often, at most, the server logs that it is shedding load.
pub const SHED_LOG_INTERVAL: Duration = Duration::from_secs(5);

/// Connections accepted over the bound while those they replace are being closed, at most.
const OVER_THE_BOUND: usize = 16;

/// How many connections the server holds at once, and the open-files limit it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most connections served at once.
    pub max_connections: usize,
    /// The process's open-files limit (`RLIMIT_NOFILE`, soft) when it has one.
    pub open_files: Option<u64>,
}

impl Limits {
    /// The default bound under this process's open-files limit: the limit less
    /// [`FILE_MARGIN`], at most [`DEFAULT_MAX_CONNECTIONS`].
    pub fn of_this_process() -> Result<Limits> {
        Limits::under(open_files_limit(), None)
    }

    /// `max_connections` (or the default when `None`) under an open-files limit
    /// (`None`: none); an error when the limit leaves no room for it.
    pub fn under(open_files: Option<u64>, max_connections: Option<usize>) -> Result<Limits> {
        let room = open_files.map_or(u64::MAX, |n| n.saturating_sub(FILE_MARGIN));
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        if room < 1 {
            bail!(
                "this process may open only {} files (ulimit -n), {FILE_MARGIN} of which the server keeps for its own: \
                 raise the limit",
                open_files.unwrap_or_default()
            );
        }
        let max_connections = match max_connections {
            None => room.min(DEFAULT_MAX_CONNECTIONS),
            Some(0) => bail!("at least one connection is needed"),
            Some(n) if n > room => bail!(
                "at most {room} connections fit under this process's open-files limit of {} ({FILE_MARGIN} kept \
                 for the server's own files): ask fewer or raise the limit (ulimit -n)",
                open_files.unwrap_or_default()
            ),
            Some(n) => n,
        };
        Ok(Limits { max_connections, open_files })
    }
}

/// The process's open-files limit (the soft one, which applies), when it has one.
pub fn open_files_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the struct it is given, nothing else.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        // (rlim_t is u64 on Linux and macOS, narrower elsewhere.)
        #[allow(clippy::unnecessary_cast)]
        let soft = limit.rlim_cur as u64;
        (read && limit.rlim_cur != libc::RLIM_INFINITY).then_some(soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A connection's state, as the bound sees it.
const WAITING: u8 = 0; // for a request's head
const BUSY: u8 = 1; // a request is being answered
const CLOSING: u8 = 2; // chosen to make room: its task closes it

/// One open connection.
struct Conn {
    state: AtomicU8,
    /// When it began waiting for a head (ms since the table was made).
    since: AtomicU64,
    close: Notify,
}

/// The open connections.
struct Table {
    limits: Limits,
    epoch: Instant,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    /// Connections chosen to make room and not closed yet.
    closing: AtomicUsize,
    /// Told when a connection is closed.
    dropped: Notify,
    /// Since the last log line: waiting connections closed to make room, and refused ones.
    made_room: AtomicUsize,
    refused: AtomicUsize,
}

impl Table {
    fn new(limits: Limits) -> Self {
        Table {
            limits,
            epoch: Instant::now(),
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            closing: AtomicUsize::new(0),
            dropped: Notify::new(),
            made_room: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        // A panic while the table was held cannot leave it half-changed (one insert or remove).
        self.conns.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open(&self) -> usize {
        self.lock().len()
    }

    /// A place for a new connection: free, or made by closing the connection that has waited
    /// longest for a head.
    fn admit(self: &Arc<Self>) -> Admission {
        let mut conns = self.lock();
        let max = self.limits.max_connections;
        let open = conns.len();
        let closing = self.closing.load(Ordering::SeqCst);
        if open >= max + OVER_THE_BOUND {
            return Admission::Closing;
        }
        if open.saturating_sub(closing) >= max {
            // Ties on the millisecond (a burst of connections) go to the first admitted.
            let oldest = conns
                .iter()
                .filter(|(_, c)| c.state.load(Ordering::SeqCst) == WAITING)
                .min_by_key(|(id, c)| (c.since.load(Ordering::SeqCst), **id))
                .map(|(_, c)| c);
            // (A compare-exchange: it may have begun a request just now.)
            let Some(oldest) = oldest.filter(|c| {
                c.state.compare_exchange(WAITING, CLOSING, Ordering::SeqCst, Ordering::SeqCst).is_ok()
            }) else {
                return Admission::AllBusy;
            };
            self.closing.fetch_add(1, Ordering::SeqCst);
            self.made_room.fetch_add(1, Ordering::SeqCst);
            oldest.close.notify_one();
        }
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let conn = Arc::new(Conn { state: AtomicU8::new(WAITING), since: AtomicU64::new(self.now_ms()), close: Notify::new() });
        conns.insert(id, Arc::clone(&conn));
        Admission::Held(Held { table: Arc::clone(self), id, conn })
    }

    /// A place for a new connection, waiting (at most [`CLOSING_WAIT`]) while too many of
    /// those chosen to make room are still being closed; `None` when every connection held
    /// is busy with a request.
    async fn place(self: &Arc<Self>) -> Option<Held> {
        let waited = Instant::now();
        loop {
            match self.admit() {
                Admission::Held(held) => return Some(held),
                Admission::AllBusy => return None,
                // Their tasks close them as soon as they run (this wait lets them).
                Admission::Closing if waited.elapsed() < CLOSING_WAIT => {
                    let _ = tokio::time::timeout(Duration::from_millis(50), self.dropped.notified()).await;
                }
                Admission::Closing => return None,
            }
        }
    }
}

/// What [`Table::admit`] found.
enum Admission {
    Held(Held),
    /// Every connection held is busy with a request.
    AllBusy,
    /// Too many chosen to make room are still open.
    Closing,
}

/// How long a new connection may wait for those chosen to make room to be closed.
const CLOSING_WAIT: Duration = Duration::from_secs(1);

/// A connection's place in the table, given back when dropped.
struct Held {
    table: Arc<Table>,
    id: u64,
    conn: Arc<Conn>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.table.lock().remove(&self.id);
        if self.conn.state.load(Ordering::SeqCst) == CLOSING {
            self.table.closing.fetch_sub(1, Ordering::SeqCst);
        }
        self.table.dropped.notify_one();
    }
}

/// A request being answered on a connection: while it lives, the connection is not closed to
/// make room; after it, the connection waits for a head again, from now.
struct Busy {
    table: Arc<Table>,
    conn: Arc<Conn>,
}

impl Busy {
    fn begin(table: &Arc<Table>, conn: &Arc<Conn>) -> Busy {
        let _ = conn.state.compare_exchange(WAITING, BUSY, Ordering::SeqCst, Ordering::SeqCst);
        Busy { table: Arc::clone(table), conn: Arc::clone(conn) }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.conn.since.store(self.table.now_ms(), Ordering::SeqCst);
        let _ = self.conn.state.compare_exchange(BUSY, WAITING, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Accepts connections on `listener` and serves `router` on each until `until` completes;
/// then lets the requests in flight finish (idle connections are closed at once).
pub(super) async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    until: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let table = Arc::new(Table::new(limits));
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).keep_alive(true);
    let builder = Arc::new(builder);
    let (stop, stopping) = watch::channel(false);
    let logger = tokio::spawn(log_shedding(Arc::clone(&table)));
    let mut tasks = JoinSet::new();
    let mut accept_error_logged: Option<Instant> = None;
    let mut until = std::pin::pin!(until);
    loop {
        tokio::select! {
            biased;
            () = &mut until => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match table.place().await {
                    Some(held) => {
                        tasks.spawn(connection(stream, held, router.clone(), Arc::clone(&builder), stopping.clone()));
                    }
                    None => refuse(stream, &table),
                },
                // The client gave up before it was accepted.
                Err(e) if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused
                ) => {}
                // Out of files (EMFILE) or the like: say so (once per interval) and wait a moment.
                Err(e) => {
                    if accept_error_logged.is_none_or(|at| at.elapsed() >= SHED_LOG_INTERVAL) {
                        eprintln!("handgrad serve: cannot accept a connection ({e}); {} open", table.open());
                        accept_error_logged = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    logger.abort();
    Ok(())
}

/// One connection served by hyper, until it ends, is chosen to make room, or the server stops.
async fn connection(
    stream: TcpStream,
    held: Held,
    router: axum::Router,
    builder: Arc<http1::Builder>,
    mut stopping: watch::Receiver<bool>,
) {
    let service = {
        let (table, conn) = (Arc::clone(&held.table), Arc::clone(&held.conn));
        let router = TowerToHyperService::new(router);
        hyper::service::service_fn(move |request: axum::http::Request<Incoming>| {
            let busy = Busy::begin(&table, &conn);
            let answer = router.call(request);
            async move {
                let answer = answer.await;
                drop(busy);
                answer
            }
        })
    };
    let served = builder.serve_connection(TokioIo::new(stream), service);
    let mut served = std::pin::pin!(served);
    // Errors (a client gone, a head that did not come in time) end the connection, unlogged:
    // under abuse they would be a flood.
    tokio::select! {
        _ = served.as_mut() => {}
        () = held.conn.close.notified() => {}
        _ = stopping.changed() => {
            served.as_mut().graceful_shutdown();
            tokio::select! {
                _ = served.as_mut() => {}
                () = held.conn.close.notified() => {}
            }
        }
    }
    drop(held);
}

/// A `503` and one JSON line, written at once (the connection is new: its send buffer has
/// room), then the connection closed.
fn refuse(stream: TcpStream, table: &Table) {
    table.refused.fetch_add(1, Ordering::SeqCst);
    let body = serde_json::json!({
        "error": format!(
            "the server holds its bound of {} connections, all busy with requests: try again in a moment",
            table.limits.max_connections
        )
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         retry-after: 1\r\ncache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    // What the client has sent already is read first, so that closing sends no reset that
    // could overtake the answer.
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match stream.try_read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
    let _ = stream.try_write(answer.as_bytes());
}

/// One line per [`SHED_LOG_INTERVAL`] while connections are closed to make room or refused.
async fn log_shedding(table: Arc<Table>) {
    let mut every = tokio::time::interval(SHED_LOG_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let made_room = table.made_room.swap(0, Ordering::SeqCst);
        let refused = table.refused.swap(0, Ordering::SeqCst);
        if made_room + refused > 0 {
            let closing = table.closing.load(Ordering::SeqCst);
            eprintln!(
                "handgrad serve: shedding load: {} connections held (bound {}){}; in the last {} s, {made_room} \
                 waiting for a request closed to make room, {refused} refused with 503",
                table.open().saturating_sub(closing),
                table.limits.max_connections,
                if closing > 0 { format!(", {closing} more being closed") } else { String::new() },
                SHED_LOG_INTERVAL.as_secs()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_stays_under_the_file_limit() {
        assert_eq!(Limits::under(Some(256), None).unwrap().max_connections, 192);
        assert_eq!(Limits::under(Some(1_000_000), None).unwrap().max_connections, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(Limits::under(None, None).unwrap().max_connections, DEFAULT_MAX_CONNECTIONS);
        assert_eq!(Limits::under(Some(256), Some(8)).unwrap().max_connections, 8);
        assert_eq!(Limits::under(None, Some(100_000)).unwrap().max_connections, 100_000);
        let over = Limits::under(Some(256), Some(193)).unwrap_err().to_string();
        assert!(over.contains("at most 192 connections fit under this process's open-files limit of 256"), "{over}");
        assert!(Limits::under(Some(64), None).unwrap_err().to_string().contains("only 64 files"));
        assert!(Limits::under(Some(256), Some(0)).is_err());
    }
}
