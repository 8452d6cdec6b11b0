//! `handgrad serve`'s page in a real browser: headless Chromium, driven through chromedriver
//! (the W3C WebDriver protocol, spoken here over plain HTTP), draws digits with mouse events
//! and checks that the page shows the digit, the input the model saw and the ten evidence
//! maps — and that what the page shows is what the API and `handgrad predict --json` say of
//! the page's own picture. Needs Debian's `chromium` and `chromium-driver` (`.ci/run`
//! installs them) and the MNIST test files (../shared/data/mnist-test).
//!
//! The screenshot of the page goes to `$CARGO_TARGET_TMPDIR/serve-page.png`, and also to
//! `$HANDGRAD_SCREENSHOT` when that is set (the README's picture is made that way).

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::http::{self, Served};
use common::trained_on_mnist;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, with one headless Chromium session; both end when dropped.
struct Browser {
    driver: Child,
    addr: String,
    session: String,
}

impl Browser {
    fn start() -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: apt-get install chromium chromium-driver (.ci/run does)"
            );
        }
        // Port 0: chromedriver takes a free one and says which.
        let mut driver = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.split("started successfully on port ").nth(1).map(|p| p.trim_end_matches('.').to_string()))
            .expect("chromedriver did not say its port");
        // Keep reading what it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let addr = format!("127.0.0.1:{port}");
        let mut browser = Browser { driver, addr, session: String::new() };
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,1000", "--force-device-scale-factor=1"]
            }
        }}});
        let created = browser.call("POST", "/session", &capabilities);
        browser.session = created["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
        browser
    }

    /// One WebDriver command; its `value`.
    fn call(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" || method == "DELETE" { Vec::new() } else { serde_json::to_vec(body).unwrap() };
        let reply = http::request(&self.addr, method, path, &[("Content-Type", "application/json")], &body);
        let value = reply.json()["value"].clone();
        assert_eq!(reply.status, 200, "{method} {path}: {value}");
        value
    }

    fn session_call(&self, method: &str, path: &str, body: &Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn open(&self, url: &str) {
        self.session_call("POST", "/url", &json!({ "url": url }));
    }

    fn script(&self, script: &str) -> Value {
        self.session_call("POST", "/execute/sync", &json!({ "script": script, "args": [] }))
    }

    fn element(&self, css: &str) -> Value {
        self.session_call("POST", "/element", &json!({ "using": "css selector", "value": css }))
    }

    fn click(&self, css: &str) {
        let element = self.element(css);
        let id = element.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_string();
        self.session_call("POST", &format!("/element/{id}/click"), &json!({}));
    }

    /// Mouse strokes on the drawing pad: each a list of points relative to the pad's centre.
    fn draw(&self, strokes: &[Stroke]) {
        let pad = self.element("#pad");
        let mut actions = Vec::new();
        for stroke in strokes {
            let (x, y) = stroke[0];
            actions.push(json!({"type": "pointerMove", "origin": pad, "x": x, "y": y, "duration": 0}));
            actions.push(json!({"type": "pointerDown", "button": 0}));
            for &(x, y) in &stroke[1..] {
                actions.push(json!({"type": "pointerMove", "origin": pad, "x": x, "y": y, "duration": 10}));
            }
            actions.push(json!({"type": "pointerUp", "button": 0}));
        }
        let body = json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": actions}]});
        self.session_call("POST", "/actions", &body);
    }

    /// Waits until the page shows an answer (or the empty state) and has nothing in flight.
    fn settled(&self, state: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = Value::Null;
        loop {
            let now = self.script("return [document.body.dataset.state, document.body.dataset.answers]");
            if now[0] == state && now == last {
                return now;
            }
            assert!(Instant::now() < deadline, "the page never settled in {state:?}: {now}");
            last = now;
            std::thread::sleep(Duration::from_millis(400));
        }
    }

    fn screenshot(&self) -> Vec<u8> {
        base64(self.session_call("GET", "/screenshot", &Value::Null).as_str().unwrap())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http::request(&self.addr, "DELETE", &format!("/session/{}", self.session), &[], b"");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let clean: Vec<u8> = text.bytes().filter(|&c| c != b'=' && !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &c)| n | value(c) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// A stroke: points relative to the pad's centre, in CSS pixels.
type Stroke = Vec<(i64, i64)>;

/// Points along straight segments through `corners`, every few pixels.
fn path(corners: &[(i64, i64)]) -> Stroke {
    let mut points = vec![corners[0]];
    for pair in corners.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let steps = ((x1 - x0).abs().max((y1 - y0).abs()) / 8).max(1);
        points.extend((1..=steps).map(|k| (x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps)));
    }
    points
}

/// An ellipse of radii `rx`, `ry`, closed.
fn ellipse(rx: f64, ry: f64) -> Stroke {
    (0..=36)
        .map(|k| {
            let t = k as f64 / 36.0 * std::f64::consts::TAU;
            ((rx * t.sin()).round() as i64, (-ry * t.cos()).round() as i64)
        })
        .collect()
}

#[test]
#[ignore = "needs chromium and chromium-driver (.ci/run installs them) and the MNIST test files in ../shared/data/mnist-test"]
fn a_digit_drawn_with_the_mouse_is_recognised_and_explained() {
    let (dir, _data, run) = trained_on_mnist("serve-browser");
    let served = Served::start(&run, &[]);
    let browser = Browser::start();
    browser.open(&format!("http://{}/", served.addr));
    browser.settled("empty");

    let digits: Vec<(u64, Vec<Stroke>)> = vec![
        (1, vec![path(&[(-12, -95), (5, 95)])]),
        (0, vec![ellipse(55.0, 90.0)]),
        (7, vec![path(&[(-65, -85), (65, -85)]), path(&[(65, -85), (-10, 95)])]),
    ];
    for (k, (digit, strokes)) in digits.iter().enumerate() {
        if k > 0 {
            browser.click("#clear");
            browser.settled("empty");
        }
        browser.draw(strokes);
        browser.settled("shown");
        let shown = browser.script(
            "const v = document.getElementById('verdict');
             const white = (c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] + d[i+1] + d[i+2] < 3 * 250) n++; return n; };
             const input = document.getElementById('input').getContext('2d').getImageData(0, 0, 28, 28).data;
             let lit = 0; for (let i = 0; i < input.length; i += 4) if (input[i] > 0) lit++;
             return { class: Number(v.dataset.class), text: v.textContent,
                      maps: [...document.querySelectorAll('#evidence canvas')].map(white),
                      lit, bars: document.querySelectorAll('#bars li').length,
                      top: window.lastAnswer.top, input: window.lastAnswer.input,
                      png: document.getElementById('pad').toDataURL('image/png') };",
        );
        eprintln!("drew {digit}: the page says {}", shown["text"]);
        assert_eq!(shown["class"], *digit, "{}", shown["text"]);
        assert_eq!(shown["bars"], 10);
        let maps = shown["maps"].as_array().unwrap();
        assert_eq!(maps.len(), 10, "ten evidence maps");
        assert!(maps.iter().all(|m| m.as_u64().unwrap() > 20), "every map shows votes: {maps:?}");
        assert!(shown["lit"].as_u64().unwrap() > 30, "the 28×28 input shows ink");

        // The page's own picture, sent to the API and to `handgrad predict --json`: the same answer.
        let png = base64(shown["png"].as_str().unwrap().trim_start_matches("data:image/png;base64,"));
        let path = dir.join(format!("page-drawing-{digit}.png"));
        std::fs::write(&path, &png).unwrap();
        let api = http::predict(&served.addr, &png).json();
        assert_eq!(api["top"][0]["class"], *digit);
        let out = Command::new(env!("CARGO_BIN_EXE_handgrad"))
            .args(["predict", "--json", "--model", run.to_str().unwrap(), path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(cli[0]["top"], api["top"]);
        assert_eq!(cli[0]["input"], api["input"]);
        // And the page showed that very answer.
        assert_eq!(shown["top"], api["top"], "the page's answer");
        assert_eq!(shown["input"], api["input"], "the page's input");
    }

    // Undo takes the 7's last stroke away: a new answer, for the bar alone.
    let before = browser.settled("shown");
    browser.click("#undo");
    let after = browser.settled("shown");
    assert_ne!(before[1], after[1], "undo asks again");
    browser.click("#undo");
    browser.settled("empty");
    // The 7 again, for the picture.
    browser.draw(&digits[2].1);
    browser.settled("shown");

    let shot = browser.screenshot();
    let picture = image::load_from_memory(&shot).unwrap();
    assert!(picture.width() >= 1000, "a screenshot of {}×{}", picture.width(), picture.height());
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-page.png");
    std::fs::write(&target, &shot).unwrap();
    if let Some(copy) = std::env::var_os("HANDGRAD_SCREENSHOT") {
        std::fs::write(copy, &shot).unwrap();
    }
    eprintln!("screenshot: {}", target.display());
    let stderr = served.stop();
    assert!(stderr.is_empty(), "the server logged: {stderr}");
}
