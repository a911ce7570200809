//! Real servers for integration tests: Prometheus and Pushgateway from Debian's packages,
//! started on free loopback ports in a temporary directory and killed when dropped.
//! A missing binary fails the test with the command that installs it; it never skips.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// The path of a required binary, or a loud failure naming the package.
pub fn require(binary: &str, package: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = Path::new(dir).join(binary);
        if p.exists() {
            return p;
        }
    }
    panic!(
        "{binary} is not installed: these tests talk to a real server. Install it with \
         `apt-get install -y {package}` (the README's test command does this)."
    );
}

/// A child process killed (and reaped) on drop.
pub struct Proc {
    child: Child,
    pub name: &'static str,
    pub log: PathBuf,
}

impl Proc {
    pub fn spawn(name: &'static str, bin: &Path, args: &[String], dir: &Path) -> Proc {
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let err = out.try_clone().unwrap();
        let child = Command::new(bin)
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        Proc { child, name, log }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Blocking GET returning (status, body); None when the connection fails.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .ok()?;
    let r = client.get(url).send().ok()?;
    let status = r.status().as_u16();
    Some((status, r.text().unwrap_or_default()))
}

pub fn wait_until(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}

pub struct Pushgateway {
    pub proc: Proc,
    pub port: u16,
}

impl Pushgateway {
    pub fn start(dir: &Path) -> Pushgateway {
        let bin = require("prometheus-pushgateway", "prometheus-pushgateway");
        let port = free_port();
        let args = vec![format!("--web.listen-address=127.0.0.1:{port}")];
        let proc = Proc::spawn("pushgateway", &bin, &args, dir);
        let url = format!("http://127.0.0.1:{port}/-/ready");
        wait_until("pushgateway ready", Duration::from_secs(20), || {
            http_get(&url).is_some_and(|(s, _)| s == 200)
        });
        Pushgateway { proc, port }
    }

    /// Replaces the metrics of a job with text exposition format.
    pub fn push(&self, job: &str, text: &str) {
        let url = format!("http://127.0.0.1:{}/metrics/job/{job}", self.port);
        let r = reqwest::blocking::Client::new()
            .put(url)
            .body(text.to_string())
            .send()
            .unwrap();
        assert!(r.status().is_success(), "push failed: {}", r.status());
    }
}

pub struct Prometheus {
    pub proc: Proc,
    pub port: u16,
    bin: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
}

impl Prometheus {
    /// Starts Prometheus scraping the pushgateway every second.
    pub fn start(dir: &Path, pushgateway_port: u16, rules: Option<&str>) -> Prometheus {
        Prometheus::start_with(dir, pushgateway_port, rules, None)
    }

    /// The same, evaluating `rules` every second and sending alerts to an Alertmanager.
    pub fn start_with(
        dir: &Path,
        pushgateway_port: u16,
        rules: Option<&str>,
        alertmanager_port: Option<u16>,
    ) -> Prometheus {
        let bin = require("prometheus", "prometheus");
        let port = free_port();
        let mut cfg = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: pushgateway\n    honor_labels: true\n    \
             static_configs:\n      - targets: ['127.0.0.1:{pushgateway_port}']\n"
        );
        if let Some(rules) = rules {
            std::fs::write(dir.join("rules.yml"), rules).unwrap();
            cfg.push_str("rule_files:\n  - rules.yml\n");
        }
        if let Some(am) = alertmanager_port {
            cfg.push_str(&format!(
                "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{am}']\n"
            ));
        }
        std::fs::write(dir.join("prometheus.yml"), cfg).unwrap();
        let args = vec![
            format!("--config.file={}", dir.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--web.enable-lifecycle".into(),
        ];
        let proc = Proc::spawn("prometheus", &bin, &args, dir);
        let mut p = Prometheus {
            proc,
            port,
            bin,
            args,
            dir: dir.to_path_buf(),
        };
        p.wait_ready();
        p
    }

    fn wait_ready(&mut self) {
        let url = format!("{}/-/ready", self.url());
        let log = self.proc.log.clone();
        wait_until("prometheus ready", Duration::from_secs(30), || {
            http_get(&url).is_some_and(|(s, _)| s == 200)
        });
        let _ = log;
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        self.proc.stop();
    }

    /// Starts it again on the same port and storage.
    pub fn restart(&mut self) {
        self.proc.stop();
        self.proc = Proc::spawn("prometheus", &self.bin, &self.args, &self.dir);
        self.wait_ready();
    }

    /// Prometheus's own answer to an instant query, as JSON.
    pub fn query(&self, q: &str) -> serde_json::Value {
        let r = reqwest::blocking::Client::new()
            .get(format!("{}/api/v1/query", self.url()))
            .query(&[("query", q)])
            .send()
            .unwrap();
        r.json().unwrap()
    }

    /// Waits until an instant query returns at least one series.
    pub fn wait_for_series(&self, q: &str) {
        wait_until(
            &format!("`{q}` to have data"),
            Duration::from_secs(30),
            || {
                self.query(q)["data"]["result"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            },
        );
    }
}

pub struct Alertmanager {
    pub proc: Proc,
    pub port: u16,
}

impl Alertmanager {
    /// A single Alertmanager (no cluster) routing everything to a receiver that does nothing.
    pub fn start(dir: &Path) -> Alertmanager {
        let bin = require("prometheus-alertmanager", "prometheus-alertmanager");
        let port = free_port();
        let am_dir = dir.join("alertmanager");
        std::fs::create_dir_all(&am_dir).unwrap();
        std::fs::write(
            am_dir.join("am.yml"),
            "route:\n  receiver: 'null'\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: 'null'\n",
        )
        .unwrap();
        let args = vec![
            format!("--config.file={}", am_dir.join("am.yml").display()),
            format!("--storage.path={}", am_dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--cluster.listen-address=".into(),
        ];
        let proc = Proc::spawn("alertmanager", &bin, &args, &am_dir);
        let url = format!("http://127.0.0.1:{port}/-/ready");
        wait_until("alertmanager ready", Duration::from_secs(30), || {
            http_get(&url).is_some_and(|(s, _)| s == 200)
        });
        Alertmanager { proc, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn get(&self, path: &str) -> serde_json::Value {
        let (status, body) = http_get(&format!("{}{path}", self.url())).unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// POSTs `body` as JSON to `path`; fails the test unless Alertmanager accepts it. Returns
    /// the answer's JSON (`null` for an empty answer).
    pub fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let r = reqwest::blocking::Client::new()
            .post(format!("{}{path}", self.url()))
            .json(body)
            .send()
            .unwrap();
        let status = r.status();
        let text = r.text().unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// Expires silence `id` directly in Alertmanager (as a teammate would).
    pub fn expire(&self, id: &str) {
        let r = reqwest::blocking::Client::new()
            .delete(format!("{}/api/v2/silence/{id}", self.url()))
            .send()
            .unwrap();
        let status = r.status();
        assert!(status.is_success(), "expire {id}: {status}");
    }

    /// Creates a silence directly in Alertmanager (as a teammate would).
    pub fn silence(&self, matchers: &[(&str, &str)], created_by: &str) -> String {
        let now = chrono::Utc::now();
        let body = serde_json::json!({
            "matchers": matchers.iter().map(|(n, v)| serde_json::json!({"name": n, "value": v, "isRegex": false, "isEqual": true})).collect::<Vec<_>>(),
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
            "createdBy": created_by,
            "comment": "on it",
        });
        let v = self.post("/api/v2/silences", &body);
        v["silenceID"].as_str().unwrap().to_string()
    }
}
