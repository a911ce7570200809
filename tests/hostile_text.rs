//! Injection payloads in alert labels and annotations reach neither the notifications nor the
//! post-mortems as control sequences.

#![allow(clippy::unwrap_used)]

use oncall::action::{Action, AlertBatch, Effect};
use oncall::config::Config;
use oncall::notify::TerminalMode;
use oncall::sources::prometheus::PromAlert;
use oncall::state::State;
use oncall::update::update;
use std::path::Path;

const PAYLOADS: &str = "\u{1b}]0;title\u{7}\u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\\
\u{1b}]9;notify\u{7}\u{1b}]777;notify;x;y\u{7}\u{1b}]99;;z\u{1b}\\\u{1b}]52;c;ZXZpbA==\u{7}\
\u{1b}[2J\u{1b}[H\u{1b}P+q\u{1b}\\\u{9b}31m\u{85}\u{202e}evil\u{200d}";

fn clean(what: &str, text: &str) {
    for bad in ['\u{1b}', '\u{7}', '\u{9c}', '\u{9b}', '\u{85}', '\u{202e}'] {
        assert!(!text.contains(bad), "{what} carries {bad:?}: {text:?}");
    }
}

#[test]
fn notifications_and_post_mortems_carry_no_control_sequences() {
    let cfg = Config::parse(
        "[sources.prom]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:1\"\n[notify]\nmin_severity = \"P4\"\n",
        Path::new("t.toml"),
    )
    .unwrap();
    let now = chrono::Utc::now();
    let mut s = State::new(&cfg, now);
    s.notify.enabled = true;
    update(
        &mut s,
        Action::JournalLoaded {
            events: Vec::new(),
            warnings: Vec::new(),
        },
        now,
    );
    let alert = PromAlert {
        labels: [
            ("alertname".to_string(), format!("Boom{PAYLOADS}")),
            ("severity".to_string(), "critical".to_string()),
            ("service".to_string(), PAYLOADS.to_string()),
        ]
        .into_iter()
        .collect(),
        annotations: [
            ("summary".to_string(), format!("summary {PAYLOADS}")),
            (
                "description".to_string(),
                format!("line one\n# heading?\n{PAYLOADS}"),
            ),
        ]
        .into_iter()
        .collect(),
        state: "firing".into(),
        active_at: Some(now),
        value: 1.0,
    };
    let fx = update(
        &mut s,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(AlertBatch::Prometheus(vec![alert])),
        },
        now,
    );
    let notes: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{fx:?}");
    let n = &notes[0];
    assert!(n.summary.starts_with("P1 Boom"), "{}", n.summary);
    clean("summary", &n.summary);
    clean("body", &n.body);
    for mode in [
        TerminalMode::Osc777,
        TerminalMode::Osc9,
        TerminalMode::Osc99,
        TerminalMode::Bell,
    ] {
        for tmux in [false, true] {
            let seq = oncall::notify::terminal::sequence(mode, n, tmux).unwrap();
            // The sequence's own framing is the only control text in it.
            let inner: String = seq
                .replace("\u{1b}Ptmux;", "")
                .replace("\u{1b}\u{1b}", "\u{1b}")
                .replace("\u{1b}]777;notify;", "")
                .replace("\u{1b}]99;;", "")
                .replace("\u{1b}]9;", "")
                .replace("\u{1b}\\", "")
                .replace('\u{7}', "");
            clean(&format!("{mode:?} tmux={tmux}"), &inner);
        }
    }
    // The post-mortem.
    s.incidents.selected = Some(s.incidents.list[0].id.clone());
    let fx = update(&mut s, Action::Postmortem, now);
    let [Effect::WriteFile { contents, .. }] = &fx[..] else {
        panic!("{fx:?}");
    };
    clean("post-mortem", contents);
    assert!(contents.contains("Boom"), "{contents}");
}
