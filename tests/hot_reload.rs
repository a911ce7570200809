//! Editing the config while the dashboard runs: a good edit takes effect and keeps what the
//! dashboard knows (incidents); a bad edit is reported with file, line and key, and changes
//! nothing.

#![allow(clippy::unwrap_used)]

use oncall::action::{Action, AlertBatch};
use oncall::config::Config;
use oncall::poll::Clients;
use oncall::sources::prometheus::PromAlert;
use oncall::state::State;
use oncall::update::update;

const A: &str = r#"
[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:1"
[[pages]]
title = "Before"
  [[pages.panels]]
  title = "Error rate"
  kind = "stat"
  query = "x"
"#;

#[test]
fn a_good_edit_applies_and_a_bad_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, A).unwrap();
    let cfg = Config::load(&path).unwrap();
    let now = chrono::Utc::now();
    let mut state = State::new(&cfg, now);
    let mut clients = Clients::new(&cfg);
    let alert = PromAlert {
        labels: [("alertname".to_string(), "Boom".to_string())]
            .into_iter()
            .collect(),
        annotations: Default::default(),
        state: "firing".into(),
        active_at: Some(now),
        value: 1.0,
    };
    update(
        &mut state,
        Action::AlertsLoaded {
            source: "prom".into(),
            result: Ok(AlertBatch::Prometheus(vec![alert])),
        },
        now,
    );
    assert_eq!(state.incidents.list.len(), 1);

    // Good edit: a renamed page and a second panel.
    let good = A.replace("Before", "After").replace(
        "  query = \"x\"\n",
        "  query = \"x\"\n  [[pages.panels]]\n  title = \"Sessions\"\n  kind = \"stat\"\n  query = \"y\"\n",
    );
    std::fs::write(&path, good).unwrap();
    oncall::app::reload(&path, &mut state, &mut clients).unwrap();
    assert_eq!(state.pages[0].title, "After");
    assert_eq!(state.panels.len(), 2);
    assert_eq!(state.incidents.list.len(), 1, "incidents survive a reload");
    assert_eq!(state.message.as_deref(), Some("config reloaded"));

    // Bad edit: an unknown key. The running config stays.
    std::fs::write(
        &path,
        A.replace("kind = \"stat\"", "kind = \"stat\"\n  colour = \"red\""),
    )
    .unwrap();
    let err = oncall::app::reload(&path, &mut state, &mut clients).unwrap_err();
    assert!(err.contains(&format!("{}:", path.display())), "{err}");
    assert!(
        err.contains("colour") && err.contains("keeping the running config"),
        "{err}"
    );
    assert_eq!(state.pages[0].title, "After");
    assert_eq!(state.panels.len(), 2);
}
