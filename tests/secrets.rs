//! Tokens come from the environment or files only and never show: not in `check`, snapshots or
//! errors — even when a server echoes them back. Files holding secrets that other users can read
//! are named with the `chmod` that fixes them.

#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "tok-3f9a2c7d41e8-very-secret";

/// A server that refuses everything and quotes the Authorization header back, as a careless
/// proxy might.
fn start_echo() -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let echo = |h: HeaderMap| async move {
                let auth = h
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (StatusCode::UNAUTHORIZED, format!("bad credentials: {auth}"))
            };
            let app = Router::new().fallback(get(echo));
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).unwrap()
}

fn run(dir: &std::path::Path, args: &[&str]) -> (String, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_oncall"))
        .args(args)
        .env("ONCALL_TEST_SECRET", TOKEN)
        .env("ONCALL_DATA_DIR", dir)
        .env_remove("ONCALL_CONFIG")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (all, out.status.success())
}

#[test]
fn tokens_never_show_even_when_a_server_echoes_them() {
    let addr = start_echo();
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}-file\n")).unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sources.prom]\nkind = \"prometheus\"\nurl = \"http://{addr}\"\nbearer_token_env = \"ONCALL_TEST_SECRET\"\n\n\
             [sources.prom2]\nkind = \"prometheus\"\nurl = \"http://{addr}\"\nbearer_token_file = \"{}\"\n\n\
             [sources.sentry]\nkind = \"sentry\"\nurl = \"http://{addr}\"\norg = \"acme\"\ntoken_env = \"ONCALL_TEST_SECRET\"\n\n\
             [[pages]]\ntitle = \"P\"\n  [[pages.panels]]\n  title = \"A\"\n  kind = \"stat\"\n  source = \"prom\"\n  query = \"up\"\n\
               [[pages.panels]]\n  title = \"B\"\n  kind = \"stat\"\n  source = \"prom2\"\n  query = \"up\"\n\
               [[pages.panels]]\n  title = \"E\"\n  kind = \"errors\"\n  source = \"sentry\"\n",
            token_file.display()
        ),
    )
    .unwrap();
    let c = cfg.to_str().unwrap();
    let mut seen_redacted = false;
    for args in [
        vec!["check", "--config", c],
        vec![
            "snapshot", "--config", c, "--format", "json", "--wait", "5s",
        ],
        vec![
            "snapshot", "--config", c, "--format", "text", "--width", "200", "--height", "40",
            "--wait", "5s",
        ],
    ] {
        let (out, _) = run(dir.path(), &args);
        assert!(!out.contains(TOKEN), "{args:?} shows the token:\n{out}");
        assert!(
            !out.contains("tok-3f9a"),
            "{args:?} shows part of the token:\n{out}"
        );
        seen_redacted |= out.contains("[redacted]");
    }
    assert!(
        seen_redacted,
        "the echoed token should appear as [redacted] in an error"
    );
}

#[cfg(unix)]
#[test]
fn secret_files_open_to_others_are_named_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "abcdef123456\n").unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[sources.prom]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\ntimeout = \"1s\"\nbearer_token_file = \"{}\"\n",
            token.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (out, _) = run(dir.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert!(
        out.contains(&format!("chmod 600 {}", token.display())),
        "{out}"
    );
    assert!(
        !out.contains(&format!("chmod 600 {}", cfg.display())),
        "{out}"
    );
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (out, _) = run(dir.path(), &["check", "--config", cfg.to_str().unwrap()]);
    assert!(!out.contains("chmod"), "{out}");
}
