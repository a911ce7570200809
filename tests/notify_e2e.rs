//! The real dashboard, in a terminal, on a private session bus with a notification service,
//! against a real Alertmanager: one desktop notification per new P1/P2 incident (none for P4, no
//! repeats across polls), and pressing "Acknowledge" on it acknowledges the incident — a silence
//! in Alertmanager created by the dashboard's user.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn notify_capture() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/notify-capture");
    assert!(p.exists(), "{} is missing from the checkout", p.display());
    for bin in ["/usr/bin/dbus-run-session", "/usr/bin/python3"] {
        assert!(
            Path::new(bin).exists(),
            "{bin} is missing: apt-get install -y dbus python3-dbus python3-gi"
        );
    }
    p
}

fn post_alerts(am: &common::Alertmanager) {
    let now = chrono::Utc::now().to_rfc3339();
    let alert = |name: &str, sev: &str, summary: &str| {
        serde_json::json!({
            "labels": {"alertname": name, "severity": sev, "service": "checkout"},
            "annotations": {"summary": summary},
            "startsAt": now,
        })
    };
    let body = serde_json::json!([
        alert("HighErrorRate", "critical", "Error ratio 3.1% above 1%"),
        alert("SlowCheckout", "error", "p95 260 ms above 200 ms"),
        alert("ButtonColour", "info", "the pay button is teal"),
    ]);
    am.post("/api/v2/alerts", &body);
    common::wait_until("alerts in Alertmanager", Duration::from_secs(20), || {
        am.get("/api/v2/alerts")
            .as_array()
            .is_some_and(|a| a.len() == 3)
    });
}

#[test]
fn desktop_notifications_and_acknowledge_from_the_notification() {
    let capture = notify_capture();
    let dir = tempfile::tempdir().unwrap();
    let am = common::Alertmanager::start(dir.path());
    post_alerts(&am);
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[general]\nrefresh = \"1s\"\nuser = \"alice\"\n\n[sources.am]\nkind = \"alertmanager\"\nurl = \"{}\"\n\n[notify]\ndesktop = \"on\"\nterminal = \"off\"\nmin_severity = \"P2\"\n",
            am.url()
        ),
    )
    .unwrap();
    let sock = format!("oncall-notify-{}", std::process::id());
    let run = format!(
        "tmux -L {sock} new-session -d -x 120 -y 40 'ONCALL_DATA_DIR={data} {bin} --config {cfg}'; sleep 12; tmux -L {sock} send-keys q; sleep 1; tmux -L {sock} kill-server 2>/dev/null; true",
        data = dir.path().display(),
        bin = env!("CARGO_BIN_EXE_oncall"),
        cfg = cfg.display(),
    );
    let log = dir.path().join("notifications.jsonl");
    let out = Command::new(&capture)
        .args(["-a", "ack", "-t", "30", "--", "bash", "-c", &run])
        .env("NOTIFY_LOG", &log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let notes: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summaries: Vec<&str> = notes
        .iter()
        .map(|n| n["summary"].as_str().unwrap())
        .collect();
    let mut sorted = summaries.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["P1 HighErrorRate", "P2 SlowCheckout"],
        "one each for P1 and P2, none for P4, no repeats across 12 polls: {text}"
    );
    let p1 = notes
        .iter()
        .find(|n| n["summary"] == "P1 HighErrorRate")
        .unwrap();
    assert!(
        p1["body"].as_str().unwrap().contains("Error ratio 3.1%"),
        "{p1}"
    );
    assert_eq!(p1["app_name"], "oncall", "{p1}");
    assert!(p1.to_string().contains("Acknowledge"), "{p1}");

    // The "Acknowledge" button (clicked by the service) acknowledged both through Alertmanager.
    let silences = am.get("/api/v2/silences");
    let by_alice: Vec<&serde_json::Value> = silences
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["createdBy"] == "alice")
        .collect();
    assert_eq!(by_alice.len(), 2, "{silences:#}");
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    assert_eq!(
        journal.matches("\"event\":\"notified\"").count(),
        2,
        "{journal}"
    );
    assert_eq!(
        journal.matches("\"event\":\"acknowledged\"").count(),
        2,
        "{journal}"
    );
}
