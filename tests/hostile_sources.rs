//! Every source kind against a server that misbehaves in every way: the answer becomes the
//! panel's (or the source's) error within the source's timeout, nothing hangs or grows without
//! bound, and the process carries on.

#![allow(clippy::unwrap_used)]

use oncall::config::Config;
use oncall::headless::Headless;
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

fn config(kind: &str, url: &str) -> Config {
    let (extra, panel) = match kind {
        "prometheus" => ("", "kind = \"stat\"\n  query = \"up\""),
        "alertmanager" => ("", "kind = \"incidents\""),
        "loki" => ("", "kind = \"logs\"\n  query = '{app=\"x\"}'"),
        _ => ("org = \"acme\"\n", "kind = \"errors\""),
    };
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
