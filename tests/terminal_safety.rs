//! The real binary in a real terminal (tmux), fed hostile text by fixture servers speaking Loki's
//! and Sentry's wire format from the shared fixtures: the bytes it writes to the terminal carry
//! no OSC (title, notification, clipboard), no DCS, no bell, no C1 control — only its own drawing.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Serves the edge-case fixtures for Loki's query_range and Sentry's issue list.
fn start_servers() -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let loki = fixture("loki/query_range_streams_edge_cases.json");
            let sentry = fixture("sentry/org_issues_page1_edge_cases.json");
            let app = Router::new()
                .route(
                    "/loki/api/v1/query_range",
                    get(move || {
                        let body = loki.clone();
                        async move {
                            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                        }
                    }),
                )
                .route(
                    "/api/0/organizations/acme/issues/",
                    get(move || {
                        let body = sentry.clone();
                        async move {
                            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                        }
                    }),
                );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

fn tmux() -> PathBuf {
    for d in ["/usr/bin", "/usr/local/bin", "/bin"] {
        let p = Path::new(d).join("tmux");
        if p.exists() {
            return p;
        }
    }
    panic!("tmux is not installed: apt-get install -y tmux (the README's test command does this)");
}

fn tm(sock: &str, args: &[&str]) -> String {
    let out = Command::new(tmux())
        .arg("-L")
        .arg(sock)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stops a test's tmux server (and the shell and dashboard in it) however the test ends, a
/// failed assertion included.
struct Server(String);
impl Drop for Server {
    fn drop(&mut self) {
        tm(&self.0, &["kill-server"]);
    }
}

#[test]
fn hostile_text_never_reaches_the_terminal_as_control_sequences() {
    let addr = start_servers();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[general]
refresh = "1s"
[sources.logs]
kind = "loki"
url = "http://{addr}"
[sources.sentry]
kind = "sentry"
url = "http://{addr}"
org = "acme"
[[pages]]
title = "Hostile"
  [[pages.panels]]
  title = "Logs"
  kind = "logs"
  query = '{{app="edge-cases"}}'
  width = 24
  height = 16
  [[pages.panels]]
  title = "Errors"
  kind = "errors"
  width = 24
  height = 10
"#
        ),
    )
    .unwrap();
    let raw = dir.path().join("pty.bin");
    let sock = format!("oncall-safety-{}", std::process::id());
    let cmd = format!(
        "ONCALL_DATA_DIR={} {} --config {}",
        dir.path().display(),
        env!("CARGO_BIN_EXE_oncall"),
        cfg.display()
    );
    tm(
        &sock,
        &["new-session", "-d", "-s", "t", "-x", "160", "-y", "40"],
    );
    tm(&sock, &["set-option", "-t", "t", "status", "off"]);
    tm(
        &sock,
        &[
            "pipe-pane",
            "-o",
            "-t",
            "t",
            &format!("cat > {}", raw.display()),
        ],
    );
    tm(&sock, &["send-keys", "-t", "t", &cmd, "Enter"]);
    std::thread::sleep(Duration::from_secs(5));
    let screen = tm(&sock, &["capture-pane", "-p", "-t", "t"]);
    tm(&sock, &["send-keys", "-t", "t", "q"]);
    std::thread::sleep(Duration::from_millis(800));
    tm(&sock, &["kill-server"]);
    let bytes = std::fs::read(&raw).unwrap();

    assert!(
        screen.contains("terminal injection:"),
        "the hostile line is shown, cleaned:\n{screen}"
    );
    assert!(screen.contains("disk almost full"), "{screen}");
    assert!(!screen.contains("pwned"), "{screen}");
    assert!(bytes.len() > 1000, "nothing captured from the pty");
    // Our own drawing uses CSI only. Anything else came from remote text.
    let find = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle);
    for (what, needle) in [
        ("OSC", &b"\x1b]"[..]),
        ("DCS", b"\x1bP"),
        ("APC", b"\x1b_"),
        ("PM", b"\x1b^"),
        ("SOS", b"\x1bX"),
        ("BEL", b"\x07"),
        ("title payload", b"pwned window title"),
        ("notification payload", b"fake desktop notification"),
        ("clipboard payload", b"ZWNobyBwd25lZ"),
        ("C1 CSI", "\u{9b}".as_bytes()),
        ("C1 NEL", "\u{85}".as_bytes()),
        ("RTL override", "\u{202e}".as_bytes()),
    ] {
        assert!(
            find(needle).is_none(),
            "{what} reached the terminal at byte {:?}",
            find(needle)
        );
    }
    // The program's own control sequences are CSI (ESC [) and nothing else.
    for (i, w) in bytes.windows(2).enumerate() {
        if w[0] == 0x1b {
            assert!(
                matches!(w[1], b'[' | b'7' | b'8' | b'=' | b'>' | b'('),
                "unexpected ESC {:?} at {i}",
                w[1] as char
            );
        }
    }
}

/// Starts the dashboard in a tmux pane running a shell that reports its exit.
fn dashboard_in_tmux(sock: &str, dir: &Path) {
    dashboard_in_shell(sock, dir, |run| format!("{run}; echo EXITED $?; sleep 10"));
}

/// The command line that runs the dashboard with its data in `dir` and one Prometheus source
/// that is down (a config written into `dir`).
fn dashboard_command(dir: &Path) -> String {
    let cfg = dir.join("c.toml");
    std::fs::write(
        &cfg,
        "[sources.prom]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\ntimeout = \"1s\"\n",
    )
    .unwrap();
    format!(
        "ONCALL_DATA_DIR={} {} --config {}",
        dir.display(),
        env!("CARGO_BIN_EXE_oncall"),
        cfg.display()
    )
}

/// Starts the dashboard (source down) in a tmux pane, inside the shell command `shell` makes of
/// the command line that runs it, and waits until it is drawn.
fn dashboard_in_shell(sock: &str, dir: &Path, shell: impl Fn(&str) -> String) {
    let run = dashboard_command(dir);
    tm(
        sock,
        &[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            &shell(&run),
        ],
    );
    std::thread::sleep(Duration::from_secs(2));
    let screen = tm(sock, &["capture-pane", "-p", "-t", "t"]);
    assert!(
        screen.contains("oncall") && screen.contains("prom ✗"),
        "{screen}"
    );
}

fn wait_for_exit(sock: &str) -> String {
    for _ in 0..30 {
        let screen = tm(sock, &["capture-pane", "-p", "-t", "t"]);
        if screen.contains("EXITED") {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = tm(sock, &["capture-pane", "-p", "-t", "t"]);
    tm(sock, &["kill-server"]);
    panic!("the dashboard did not exit within 3 s:\n{screen}");
}

#[test]
fn ctrl_c_and_sigterm_restore_the_terminal_and_exit() {
    for how in ["ctrl-c", "sigterm", "q"] {
        let dir = tempfile::tempdir().unwrap();
        let sock = format!("oncall-exit-{how}-{}", std::process::id());
        dashboard_in_tmux(&sock, dir.path());
        match how {
            "ctrl-c" => {
                tm(&sock, &["send-keys", "-t", "t", "C-c"]);
            }
            "q" => {
                tm(&sock, &["send-keys", "-t", "t", "q"]);
            }
            _ => {
                let shell = tm(&sock, &["display", "-p", "-t", "t", "#{pane_pid}"]);
                let out = Command::new("pgrep")
                    .args(["-P", shell.trim(), "oncall"])
                    .output()
                    .unwrap();
                let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
                assert!(!pid.is_empty(), "no oncall process under the pane");
                Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            }
        }
        let screen = wait_for_exit(&sock);
        tm(&sock, &["kill-server"]);
        // Back on the normal screen: the dashboard's frame is gone, the shell's line is there.
        assert!(screen.contains("EXITED 0"), "{how}: {screen}");
        assert!(
            !screen.contains("╭"),
            "{how}: the alternate screen was not left:\n{screen}"
        );
    }
}

/// The SSH session drops or the pane is killed: the dashboard must leave at once, quietly, with
/// nothing left running (a write to the vanished terminal used to end in a panic).
#[test]
fn a_terminal_that_goes_away_ends_the_dashboard_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sock = format!("oncall-hup-{}", std::process::id());
    let rc = dir.path().join("rc");
    // The shell ignores the hangup so that it lives to write down how the dashboard ended.
    dashboard_in_shell(&sock, dir.path(), |run| {
        format!("trap '' HUP; {run}; echo $? > {}", rc.display())
    });
    let gone = std::time::Instant::now();
    tm(&sock, &["kill-server"]);
    // The shell creates the file before it writes the status: wait for the whole line.
    let read = || std::fs::read_to_string(&rc).unwrap_or_default();
    while !read().ends_with('\n') && gone.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let code = read();
    assert_eq!(
        code.trim(),
        "0",
        "exit status after the terminal went away (101 is a panic; empty: still running after {:?})",
        gone.elapsed()
    );
    assert!(
        gone.elapsed() < Duration::from_secs(1),
        "took {:?} to leave",
        gone.elapsed()
    );
}

/// A resize and Ctrl-Z then `fg` clear the screen and draw it whole again, and the dashboard
/// goes on. (Clearing through ratatui asked the terminal for its cursor position, an answer that
/// never came while the input thread waited for a key: the dashboard left with "The cursor
/// position could not be read".)
#[test]
fn a_resize_and_a_suspend_redraw_the_dashboard_and_it_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let sock = format!("oncall-tstp-{}", std::process::id());
    let _server = Server(sock.clone());
    // An interactive shell, for job control (Ctrl-Z, fg).
    tm(
        &sock,
        &[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "100",
            "-y",
            "30",
            "bash --norc --noprofile -i",
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    // Run as a job of its own (a list such as `oncall; echo` would go on to the echo at Ctrl-Z).
    let run = dashboard_command(dir.path());
    tm(&sock, &["send-keys", "-t", "t", &run, "Enter"]);
    let screen_with = |want: &str| {
        for _ in 0..50 {
            let screen = tm(&sock, &["capture-pane", "-p", "-t", "t"]);
            if screen.contains(want) {
                return screen;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let screen = tm(&sock, &["capture-pane", "-p", "-t", "t"]);
        tm(&sock, &["kill-server"]);
        panic!("waited 5 s for {want:?}:\n{screen}");
    };
    screen_with("prom ✗");
    tm(&sock, &["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    std::thread::sleep(Duration::from_secs(3));
    let resized = tm(&sock, &["capture-pane", "-p", "-t", "t"]);
    assert!(
        resized.contains("prom ✗") && !resized.contains("EXITED"),
        "after the resize:\n{resized}"
    );
    tm(&sock, &["send-keys", "-t", "t", "C-z"]);
    screen_with("Stopped");
    tm(&sock, &["send-keys", "-t", "t", "fg", "Enter"]);
    std::thread::sleep(Duration::from_secs(3));
    let back = tm(&sock, &["capture-pane", "-p", "-t", "t"]);
    assert!(
        back.contains("prom ✗") && back.contains("╭") && !back.contains("EXITED"),
        "after fg:\n{back}"
    );
    // It still answers keys, and leaves cleanly.
    tm(&sock, &["send-keys", "-t", "t", "q"]);
    std::thread::sleep(Duration::from_secs(1));
    tm(&sock, &["send-keys", "-t", "t", "echo EXITED $?", "Enter"]);
    let end = screen_with("EXITED 0");
    tm(&sock, &["kill-server"]);
    assert!(
        !end.contains("╭"),
        "the alternate screen was not left:\n{end}"
    );
}
