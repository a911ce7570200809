//! The silence list against a real Alertmanager: read once, used again while the alerts name no
//! other silence, read again when one does, when it is older than its maximum age, and after
//! oncall changed a silence; whether an alert is silenced always comes from the alert itself.

#![allow(clippy::unwrap_used)]

mod common;

use common::Alertmanager;
use oncall::config::{SourceConfig, SourceKind};
use oncall::sources::alertmanager::{self, AmAlert, NewSilence, SILENCES_MAX_AGE, Silence};
use std::time::{Duration, Instant};

fn post_alert(am: &Alertmanager, name: &str) {
    let now = chrono::Utc::now();
    let body = serde_json::json!([{
        "labels": {"alertname": name, "severity": "warning"},
        "annotations": {"summary": name},
        "startsAt": now.to_rfc3339(),
        "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
    }]);
    am.post("/api/v2/alerts", &body);
}

/// A teammate changes a silence's comment in place (same id), as `amtool silence update` does.
fn recomment(am: &Alertmanager, id: &str, comment: &str) {
    let mut s = am.get(&format!("/api/v2/silence/{id}"));
    s["comment"] = comment.into();
    let body = serde_json::json!({
        "id": id, "matchers": s["matchers"], "startsAt": s["startsAt"], "endsAt": s["endsAt"],
        "createdBy": s["createdBy"], "comment": comment,
    });
    let v = am.post("/api/v2/silences", &body);
    assert_eq!(v["silenceID"], id, "updated in place");
}

fn comment_of(silences: &[Silence], id: &str) -> String {
    silences
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.comment.clone())
        .unwrap_or_else(|| panic!("no silence {id} in {silences:?}"))
}

fn silenced_by<'a>(alerts: &'a [AmAlert], name: &str) -> &'a [String] {
    alerts
        .iter()
        .find(|a| a.labels.get("alertname").map(String::as_str) == Some(name))
        .map_or(&[], |a| a.silenced_by.as_slice())
}

#[test]
fn the_silence_list_is_read_again_only_when_it_may_have_changed() {
    let dir = tempfile::tempdir().unwrap();
    let am = Alertmanager::start(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client =
        alertmanager::Alertmanager::new(&SourceConfig::new(SourceKind::Alertmanager, &am.url()))
            .unwrap();
    let read = |at: Instant| rt.block_on(client.alerts_and_silences(at)).unwrap();
    post_alert(&am, "DiskFull");
    post_alert(&am, "QueueStuck");
    let first = am.silence(&[("alertname", "DiskFull")], "bob");
    let t0 = Instant::now();
    common::wait_until("DiskFull silenced", Duration::from_secs(10), || {
        silenced_by(&read(t0).0, "DiskFull") == std::slice::from_ref(&first)
    });
    assert_eq!(comment_of(&read(t0).1, &first), "on it");

    // Changed in place by a teammate: the list already read is used while it is young.
    recomment(&am, &first, "still on it");
    let (alerts, silences) = read(t0 + Duration::from_secs(1));
    assert_eq!(
        silenced_by(&alerts, "DiskFull"),
        std::slice::from_ref(&first)
    );
    assert_eq!(
        comment_of(&silences, &first),
        "on it",
        "kept, not read again"
    );
    // Once it is older than its maximum age, it is read again.
    let later = t0 + SILENCES_MAX_AGE + Duration::from_secs(1);
    assert_eq!(comment_of(&read(later).1, &first), "still on it");

    // A silence the list does not hold, named by an alert, is read at once.
    let second = am.silence(&[("alertname", "QueueStuck")], "carol");
    let at = later + Duration::from_secs(1);
    common::wait_until("QueueStuck silenced", Duration::from_secs(10), || {
        let (alerts, silences) = read(at);
        silenced_by(&alerts, "QueueStuck") == std::slice::from_ref(&second)
            && silences
                .iter()
                .any(|s| s.id == second && s.created_by == "carol")
    });

    // A silence that starts later is pending when the list is read: once it starts and an
    // alert names it, the list is read again, so the alert shows acknowledged.
    post_alert(&am, "CacheCold");
    let starts = chrono::Utc::now() + chrono::Duration::seconds(2);
    let pending = am.post(
        "/api/v2/silences",
        &serde_json::json!({
            "matchers": [{"name": "alertname", "value": "CacheCold", "isRegex": false, "isEqual": true}],
            "startsAt": starts.to_rfc3339(),
            "endsAt": (starts + chrono::Duration::hours(1)).to_rfc3339(),
            "createdBy": "dave",
            "comment": "after the deploy",
        }),
    )["silenceID"]
        .as_str()
        .unwrap()
        .to_string();
    // Read again (the list is old) while the silence is still pending.
    let reread = later + SILENCES_MAX_AGE + Duration::from_secs(2);
    let (alerts, silences) = read(reread);
    assert!(
        silenced_by(&alerts, "CacheCold").is_empty(),
        "not started yet"
    );
    assert!(
        silences.iter().all(|s| s.id != pending),
        "only active silences"
    );
    common::wait_until("CacheCold silenced", Duration::from_secs(10), || {
        let (alerts, silences) = read(reread + Duration::from_secs(1));
        silenced_by(&alerts, "CacheCold") == std::slice::from_ref(&pending)
            && silences
                .iter()
                .any(|s| s.id == pending && s.state == "active")
    });

    // Expired by a teammate: the alert says so at once, whatever the list held.
    let r = reqwest::blocking::Client::new()
        .delete(format!("{}/api/v2/silence/{second}", am.url()))
        .send()
        .unwrap();
    assert!(r.status().is_success());
    common::wait_until(
        "QueueStuck no longer silenced",
        Duration::from_secs(10),
        || silenced_by(&read(at).0, "QueueStuck").is_empty(),
    );

    // A silence oncall changes makes it read the list again.
    recomment(&am, &first, "handed over");
    let s = comment_of(&read(at).1, &first);
    assert_eq!(s, "still on it", "kept, not read again");
    let kept: Silence = read(at).1.into_iter().find(|s| s.id == first).unwrap();
    let extended = NewSilence {
        id: Some(first.clone()),
        matchers: kept.matchers,
        starts_at: kept.starts_at,
        ends_at: kept.ends_at + chrono::Duration::minutes(30),
        created_by: kept.created_by,
        comment: "handed over".into(),
    };
    let id = rt.block_on(client.create_silence(&extended)).unwrap();
    assert_eq!(id, first);
    let after = read(at).1.into_iter().find(|s| s.id == first).unwrap();
    assert_eq!(
        after.ends_at, extended.ends_at,
        "read again after the change"
    );
}
