//! The demo's runbooks: the shipped runbook files, written to a temporary folder for the life of
//! the demo, matched to the simulated alerts, with commands that only print what they would do.

use crate::runbook::{CommandConfig, RunbookConfig};
use std::path::{Path, PathBuf};

/// The runbooks shipped in `runbooks/`, embedded.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "incident-response.md",
        include_str!("../../runbooks/incident-response.md"),
    ),
    ("app-down.md", include_str!("../../runbooks/app-down.md")),
    (
        "high-error-rate.md",
        include_str!("../../runbooks/high-error-rate.md"),
    ),
    (
        "slow-responses.md",
        include_str!("../../runbooks/slow-responses.md"),
    ),
    (
        "database-failover.md",
        include_str!("../../runbooks/database-failover.md"),
    ),
    ("rollback.md", include_str!("../../runbooks/rollback.md")),
];

/// A folder holding the runbook files; removed when dropped.
pub struct RunbookDir(PathBuf);

impl RunbookDir {
    pub fn create() -> std::io::Result<RunbookDir> {
        let dir = std::env::temp_dir().join(format!("oncall-demo-runbooks-{}", std::process::id()));
        for (name, text) in SHIPPED {
            crate::fsutil::write_atomic(&dir.join(name), text.as_bytes(), None)?;
        }
        Ok(RunbookDir(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for RunbookDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn print(name: &str, argv: &[&str], dangerous: bool) -> CommandConfig {
    let mut full = vec!["echo".to_string(), "would run:".to_string()];
    full.extend(argv.iter().map(|s| s.to_string()));
    CommandConfig {
        name: format!("{name} (demo: prints the command)"),
        argv: full,
        dangerous,
        timeout: None,
    }
}

fn entry(alert: &str, file: &str, commands: Vec<CommandConfig>) -> RunbookConfig {
    RunbookConfig {
        matchers: [("alertname".to_string(), alert.to_string())]
            .into_iter()
            .collect(),
        url: None,
        file: Some(PathBuf::from(file)),
        commands,
    }
}

/// `[[runbooks]]` for the simulated alerts (files relative to [`RunbookDir`]).
pub fn config() -> Vec<RunbookConfig> {
    let pods = print(
        "Show the checkout pods",
        &["kubectl", "get", "pods", "-l", "app={{labels.service}}"],
        false,
    );
    let rollback = print(
        "Roll back the deployment",
        &[
            "kubectl",
            "rollout",
            "undo",
            "deployment/{{labels.service}}",
        ],
        true,
    );
    vec![
        entry(
            "CheckoutDown",
            "app-down.md",
            vec![pods.clone(), rollback.clone()],
        ),
        entry("HighErrorRate", "high-error-rate.md", vec![pods, rollback]),
        entry("SlowResponses", "slow-responses.md", Vec::new()),
        entry(
            "DatabaseConnectionsHigh",
            "database-failover.md",
            Vec::new(),
        ),
    ]
}
