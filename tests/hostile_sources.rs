//! Every source kind against a server that misbehaves in every way: the answer becomes the
//! panel's (or the source's) error within the source's timeout, nothing hangs or grows without
//! bound, and the process carries on. And an HTTPS source whose certificate is for another host
//! (signed by a CA the source trusts): the error names both names, other sources carry on, and
//! `tls_insecure` skips the check.

#![allow(clippy::unwrap_used)]

mod support_tls;

use oncall::config::Config;
use oncall::headless::Headless;
use oncall::state::SourceStatus;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Misbehaviour {
    TruncatedJson,
    WrongShape,
    HugeBody,
    EndlessBody,
    HeadersThenSilence,
    ResetMidBody,
    Status503,
    Status429,
    RedirectLoop,
    NoAnswer,
}

const ALL: [Misbehaviour; 10] = [
    Misbehaviour::TruncatedJson,
    Misbehaviour::WrongShape,
    Misbehaviour::HugeBody,
    Misbehaviour::EndlessBody,
    Misbehaviour::HeadersThenSilence,
    Misbehaviour::ResetMidBody,
    Misbehaviour::Status503,
    Misbehaviour::Status429,
    Misbehaviour::RedirectLoop,
    Misbehaviour::NoAnswer,
];

fn respond(mut s: TcpStream, how: Misbehaviour) {
    let mut buf = [0u8; 4096];
    let _ = s.read(&mut buf);
    let head = |status: &str, len: Option<usize>| {
        let len = len.map_or(String::new(), |l| format!("Content-Length: {l}\r\n"));
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{len}Connection: close\r\n\r\n"
        )
    };
    let _ = match how {
        Misbehaviour::TruncatedJson => {
            let body = r#"{"status":"success","data":{"resultType":"vec"#;
            s.write_all(format!("{}{body}", head("200 OK", Some(body.len()))).as_bytes())
        }
        Misbehaviour::WrongShape => {
            let body = r#"{"status":"success","data":[1,2,3],"alerts":"no","streams":7}"#;
            s.write_all(format!("{}{body}", head("200 OK", Some(body.len()))).as_bytes())
        }
        Misbehaviour::HugeBody => {
            // 100 MB announced and sent until the client hangs up.
            let _ = s.write_all(head("200 OK", Some(100 << 20)).as_bytes());
            let chunk = vec![b'['; 1 << 16];
            for _ in 0..1600 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
            }
            Ok(())
        }
        Misbehaviour::EndlessBody => {
            let _ = s.write_all(head("200 OK", None).as_bytes());
            for _ in 0..100 {
                if s.write_all(b"[").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(())
        }
        Misbehaviour::HeadersThenSilence => {
            let _ = s.write_all(head("200 OK", Some(1000)).as_bytes());
            std::thread::sleep(Duration::from_secs(8));
            Ok(())
        }
        Misbehaviour::ResetMidBody => {
            let _ = s.write_all(head("200 OK", Some(1000)).as_bytes());
            let _ = s.write_all(br#"{"status":"succ"#);
            let _ = s.shutdown(std::net::Shutdown::Both);
            Ok(())
        }
        Misbehaviour::Status503 => s.write_all(
            format!("{}Service Unavailable", head("503 Service Unavailable", Some(19))).as_bytes(),
        ),
        Misbehaviour::Status429 => {
            let body = r#"{"detail":"slow down"}"#;
            s.write_all(format!("{}{body}", head("429 Too Many Requests", Some(body.len()))).as_bytes())
        }
        Misbehaviour::RedirectLoop => s.write_all(
            b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        Misbehaviour::NoAnswer => {
            std::thread::sleep(Duration::from_secs(8));
            Ok(())
        }
    };
}

/// A server that answers every connection with `how`, on a thread per connection.
fn serve(how: Misbehaviour) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || respond(s, how));
        }
    });
    addr
}

/// What a source of `kind` needs beyond its url, and the panel keys that show it.
fn kind_parts(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "prometheus" => ("", "kind = \"stat\"\n  query = \"up\""),
        "alertmanager" => ("", "kind = \"incidents\""),
        "loki" => ("", "kind = \"logs\"\n  query = '{app=\"x\"}'"),
        _ => ("org = \"acme\"\n", "kind = \"errors\""),
    }
}

fn config(kind: &str, url: &str) -> Config {
    let (extra, panel) = kind_parts(kind);
    let text = format!(
        "[sources.s]\nkind = \"{kind}\"\nurl = \"{url}\"\ntimeout = \"2s\"\n{extra}\n\
         [[pages]]\ntitle = \"P\"\n  [[pages.panels]]\n  title = \"X\"\n  source = \"s\"\n  {panel}\n"
    );
    Config::parse(&text, Path::new("h.toml")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_survives_every_misbehaviour_within_its_timeout() {
    let mut report = Vec::new();
    for how in ALL {
        let addr = serve(how);
        for kind in ["prometheus", "alertmanager", "loki", "sentry"] {
            let cfg = config(kind, &format!("http://{addr}"));
            let mut h = Headless::new(&cfg);
            let started = Instant::now();
            let settled = h.round(Duration::from_secs(6)).await;
            let took = started.elapsed();
            assert!(settled, "{kind} × {how:?}: an answer took longer than 6 s");
            assert!(
                took < Duration::from_secs(4),
                "{kind} × {how:?}: took {took:?} with a 2 s timeout"
            );
            let source = h.state.source("s").unwrap();
            let panel_error = h.state.panels[0].error.clone();
            let what = source.last_error.clone().or(panel_error);
            assert!(what.is_some(), "{kind} × {how:?}: no error shown");
            report.push(format!("{kind} × {how:?}: {}", what.unwrap_or_default()));
        }
    }
    // The matrix, for the README's reliability section.
    println!("{}", report.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unresolvable_host_is_a_source_error() {
    let cfg = config("prometheus", "http://no-such-host.invalid:9090");
    let mut h = Headless::new(&cfg);
    assert!(h.round(Duration::from_secs(6)).await);
    let err = h.state.source("s").unwrap().last_error.clone().unwrap();
    assert!(err.contains("cannot connect"), "{err}");
}

/// A well-formed, empty answer for each API the panels below ask.
fn good_answer(path: &str) -> &'static str {
    if path.starts_with("/api/v1/alerts") {
        r#"{"status":"success","data":{"alerts":[]}}"#
    } else if path.starts_with("/api/v1/query_range") {
        r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#
    } else if path.starts_with("/api/v1/query") {
        r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#
    } else if path.starts_with("/loki/api/v1/query_range") {
        r#"{"status":"success","data":{"resultType":"streams","result":[]}}"#
    } else {
        // Alertmanager's alerts and silences, Sentry's issues.
        "[]"
    }
}

/// Reads one request and answers it well.
fn answer_well(s: &mut (impl Read + Write)) {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&req);
    let path = text.split_whitespace().nth(1).unwrap_or("/");
    let body = good_answer(path);
    let _ = write!(
        s,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.flush();
}

/// A plain HTTP server that answers well.
fn serve_well() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || answer_well(&mut s));
        }
    });
    addr
}

/// An HTTPS server on loopback with the certificate `name` (`localhost` or `wrong-host`),
/// answering well to whoever completes the handshake.
fn serve_tls(name: &str) -> SocketAddr {
    let config = support_tls::server_config(name);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, s);
                answer_well(&mut tls);
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    addr
}

/// Two sources of one kind: `s` at `url` with `tls` settings, `good` on plain HTTP; a panel each.
fn two_sources(kind: &str, url: &str, tls: &str, good: SocketAddr) -> Config {
    let (extra, panel) = kind_parts(kind);
    let text = format!(
        "[sources.s]\nkind = \"{kind}\"\nurl = \"{url}\"\ntimeout = \"2s\"\n{extra}{tls}\n\
         [sources.good]\nkind = \"{kind}\"\nurl = \"http://{good}\"\ntimeout = \"2s\"\n{extra}\n\
         [[pages]]\ntitle = \"P\"\n\
           [[pages.panels]]\n  title = \"X\"\n  source = \"s\"\n  {panel}\n\
           [[pages.panels]]\n  title = \"Y\"\n  source = \"good\"\n  {panel}\n"
    );
    Config::parse(&text, Path::new("tls.toml")).unwrap()
}

/// The error `source` shows (on the source, or on its panel), if any.
fn shown_error(h: &Headless, source: &str, panel: usize) -> Option<String> {
    let s = h.state.source(source).unwrap();
    s.last_error.clone().or(h.state.panels[panel].error.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_for_another_host_is_named_and_only_its_source_fails() {
    let wrong = serve_tls("wrong-host");
    let right = serve_tls("localhost");
    let good = serve_well();
    let ca = support_tls::fixture("ca.pem");
    let trust = format!("ca_file = \"{}\"\n", ca.display());
    let mut report = Vec::new();
    for kind in ["prometheus", "alertmanager", "loki", "sentry"] {
        for host in ["localhost", "127.0.0.1"] {
            let round = |port: u16, tls: &str| {
                let cfg = two_sources(kind, &format!("https://{host}:{port}"), tls, good);
                async move {
                    let mut h = Headless::new(&cfg);
                    let started = Instant::now();
                    assert!(h.round(Duration::from_secs(6)).await, "{kind} {host}");
                    assert!(started.elapsed() < Duration::from_secs(3), "{kind} {host}");
                    h
                }
            };
            // The control: the same CA, a certificate for this host, works. So below only the
            // host name is wrong.
            let h = round(right.port(), &trust).await;
            assert_eq!(shown_error(&h, "s", 0), None, "{kind} {host}: control");

            let h = round(wrong.port(), &trust).await;
            let err = shown_error(&h, "s", 0)
                .unwrap_or_else(|| panic!("{kind} {host}: a wrong-host certificate was accepted"));
            report.push(format!("{kind} × https://{host}: {err}"));
            assert!(
                err.starts_with("TLS: ")
                    && err.contains("certificate")
                    && err.contains(host)
                    && err.contains("wrong.example"),
                "{kind} {host}: the error does not name the host problem: {err}"
            );
            assert_eq!(
                h.state.source("s").unwrap().status(),
                SourceStatus::Error,
                "{kind} {host}"
            );
            // The other source and its panel carry on.
            assert_eq!(
                shown_error(&h, "good", 1),
                None,
                "{kind} {host}: good source"
            );
            assert_eq!(h.state.source("good").unwrap().status(), SourceStatus::Ok);

            // Without ca_file the private CA is not trusted: that is a different message.
            let h = round(right.port(), "").await;
            let err = shown_error(&h, "s", 0).unwrap_or_default();
            assert!(
                err.starts_with("TLS: ") && err.contains("issuer") && err.contains("ca_file"),
                "{kind} {host}: untrusted CA: {err}"
            );

            // tls_insecure = true skips certificate checks, as documented.
            let h = round(wrong.port(), "tls_insecure = true\n").await;
            assert_eq!(shown_error(&h, "s", 0), None, "{kind} {host}: tls_insecure");
        }
    }
    println!("{}", report.join("\n"));
}
