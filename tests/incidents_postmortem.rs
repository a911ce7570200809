//! Post-mortems rendered from an incident and its journal.

use chrono::{DateTime, Utc};
use oncall::config::SeverityConfig;
use oncall::incidents::journal::{Event, EventKind};
use oncall::incidents::postmortem::render;
use oncall::incidents::{Incident, IncidentState, Severity};
use std::collections::BTreeMap;

static MADRID: std::sync::LazyLock<oncall::tz::Tz> =
    std::sync::LazyLock::new(|| "Europe/Madrid".parse().expect("Europe/Madrid"));

fn at(hhmm: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-01-20T{hhmm}:00Z"))
        .expect("valid")
        .with_timezone(&Utc)
}

fn ev(hhmm: &str, kind: EventKind) -> Event {
    Event {
        ts: at(hhmm),
        incident: "am:abc".into(),
        kind,
    }
}

fn incident(sev: Severity, state: IncidentState) -> Incident {
    Incident {
        state,
        summary: "App is down: 0 of 3 replicas ready".into(),
        description: "All pods OOMKilled.\nSee the dashboard.".into(),
        runbook: Some("https://wiki.example.com/runbooks/app-down".into()),
        labels: [("alertname", "AppDown"), ("priority", "P0")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Incident::open("am:abc", "AppDown", sev, "am", at("11:05"))
    }
}

fn detected() -> EventKind {
    EventKind::Detected {
        title: "AppDown".into(),
        severity: Severity::P0,
        source: "am".into(),
        summary: "App is down".into(),
        labels: BTreeMap::new(),
    }
}

fn acked(by: &str) -> EventKind {
    EventKind::Acknowledged {
        by: by.into(),
        note: None,
        silence_id: Some("s-1".into()),
    }
}

fn note(text: &str) -> EventKind {
    EventKind::Note {
        by: "alice".into(),
        text: text.into(),
    }
}

fn resolved_p0() -> (Incident, Vec<Event>) {
    let mut inc = incident(Severity::P0, IncidentState::Resolved);
    inc.acked_by = Some("alice".into());
    inc.acked_at = Some(at("11:06"));
    inc.resolved_at = Some(at("11:20"));
    let mut other = ev("11:07", note("unrelated"));
    other.incident = "am:other".into();
    let events = vec![
        ev("11:05", detected()),
        ev("11:06", acked("alice")),
        other,
        ev("11:10", note("Root cause identified (OOM)")),
        ev(
            "11:15",
            EventKind::RunbookCommand {
                argv: ["kubectl", "rollout", "undo", "deployment/app"]
                    .map(String::from)
                    .to_vec(),
                exit_code: Some(0),
                output_tail: "deployment.apps/app rolled back\n".into(),
            },
        ),
        ev("11:20", EventKind::Resolved { by: None }),
    ];
    (inc, events)
}

#[test]
fn resolved_p0_with_ack_note_and_runbook_command() {
    let (inc, events) = resolved_p0();
    let md = render(&inc, &events, *MADRID, &SeverityConfig::default());
    for want in [
        "# Post-Incident Review: P0 AppDown (2026-01-20)\n",
        "## Summary\nApp is down: 0 of 3 replicas ready\n",
        "- **Severity**: P0 (Critical)\n",
        "- **Source**: am\n",
        "- **Started**: 2026-01-20 12:05 CET\n",
        "- **Resolved**: 2026-01-20 12:20 CET\n",
        "- **Duration**: 15 min\n",
        "- **Description**:\n  All pods OOMKilled.\n  See the dashboard.\n",
        "## Timeline\n- 12:05: Alert triggered (am)\n- 12:06: Acknowledged by alice\n",
        "- 12:10: Note (alice):\n  Root cause identified (OOM)\n",
        "- 12:15: Runbook command `kubectl rollout undo deployment/app` exited 0\n",
        "  ```text\n  deployment.apps/app rolled back\n  ```\n- 12:20: Resolved\n",
        "**Total duration**: 15 min\n",
        "**Time to acknowledge**: 1 min ✅ within the 5 min target\n",
        "**Time to resolve**: 15 min\n",
        "**Users Affected**: _to fill in_\n",
        "**Data Loss**: _to fill in_\n",
        "## Root Cause\n_to fill in_\n",
        "## What Went Well\n✅ Acknowledged in 1 min  \n",
        "✅ Runbook command `kubectl rollout undo deployment/app` succeeded",
        "## What Went Wrong\n_to fill in_\n",
        "## Action Items\n- [ ] ",
        "## Prevention\n",
        "### Labels\n- `alertname`: AppDown\n- `priority`: P0\n",
    ] {
        assert!(md.contains(want), "missing {want:?} in:\n{md}");
    }
    assert!(!md.contains("unrelated"), "{md}");
    let order = [
        "## Summary",
        "## Timeline",
        "**Total duration**",
        "## Root Cause",
        "## What Went Well",
        "## What Went Wrong",
        "## Action Items",
        "## Prevention",
        "## Appendix",
    ];
    let pos: Vec<usize> = order.iter().map(|h| md.find(h).expect(h)).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{md}");
}

#[test]
fn late_acknowledgement_is_called_out() {
    let (mut inc, mut events) = resolved_p0();
    inc.acked_at = Some(at("11:17"));
    events[1] = ev("11:17", acked("bob"));
    let md = render(&inc, &events, *MADRID, &SeverityConfig::default());
    assert!(
        md.contains("**Time to acknowledge**: 12 min ❌ over the 5 min target\n"),
        "{md}"
    );
    assert!(
        md.contains("## What Went Wrong\n❌ Acknowledged after 12 min (target 5 min)"),
        "{md}"
    );
}

#[test]
fn open_incident_is_ongoing() {
    let inc = incident(Severity::P1, IncidentState::Open);
    let events = vec![ev("11:05", detected())];
    let md = render(&inc, &events, *MADRID, &SeverityConfig::default());
    assert!(
        md.starts_with("# Post-Incident Review: P1 AppDown (2026-01-20)\n"),
        "{md}"
    );
    assert!(md.contains("- **Resolved**: ongoing\n"), "{md}");
    assert!(md.contains("**Total duration**: ongoing\n"), "{md}");
    assert!(
        md.contains("**Time to acknowledge**: not acknowledged\n"),
        "{md}"
    );
    assert!(md.contains("**Time to resolve**: ongoing\n"), "{md}");
    assert!(!md.contains('✅') && !md.contains('❌'), "{md}");
}

#[test]
fn resolved_p1_is_measured_against_its_resolve_target() {
    let mut inc = incident(Severity::P1, IncidentState::Resolved);
    inc.resolved_at = Some(at("11:37"));
    let md = render(&inc, &[], *MADRID, &SeverityConfig::default());
    assert!(
        md.contains("**Time to resolve**: 32 min ✅ within the 1 h target\n"),
        "{md}"
    );
    assert!(md.contains("✅ Resolved in 32 min"), "{md}");
    assert!(md.contains("- 12:05: Alert triggered (am)\n"), "{md}");
}

#[test]
fn hostile_text_cannot_inject_structure_or_escapes() {
    let mut inc = incident(Severity::P0, IncidentState::Open);
    inc.title = "AppDown\n# Injected title".into();
    inc.summary = "# Summary heading\n\x1b]0;pwned\x07ok".into();
    inc.annotations.insert(
        "description".into(),
        "line\n## Fake\n<script>x</script>".into(),
    );
    let events = vec![
        ev("11:05", detected()),
        ev(
            "11:06",
            note("looks fine\n# Fake heading\n\x1b[2J\x1b]52;c;ZXZpbA==\x07===\n```"),
        ),
    ];
    let md = render(&inc, &events, *MADRID, &SeverityConfig::default());
    assert!(!md.contains('\u{1b}') && !md.contains('\u{7}'), "{md:?}");
    assert!(!md.contains("pwned") && !md.contains("ZXZpbA"), "{md}");
    let ours = [
        "# Post-Incident Review:",
        "## ",
        "### Labels",
        "### Annotations",
    ];
    for line in md.lines() {
        let t = line.trim_start();
        if t.starts_with('#') {
            assert!(
                ours.iter().any(|o| line.starts_with(o)),
                "injected heading {line:?} in:\n{md}"
            );
            assert!(!t.contains("Fake") && !t.contains("heading\n"), "{line:?}");
        }
        assert!(
            !t.starts_with("===") && !t.starts_with("```") && !t.starts_with("<script"),
            "{line:?}"
        );
    }
    assert!(md.contains("  \\# Fake heading\n"), "{md}");
    assert!(md.contains("## Summary\n\\# Summary heading\nok\n"), "{md}");
    assert!(
        md.starts_with("# Post-Incident Review: P0 AppDown⏎# Injected title (2026-01-20)\n"),
        "{md}"
    );
}
