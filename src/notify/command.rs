//! `notify.command`: an argv hook run per notification, never through a shell. The incident's
//! fields arrive in environment variables, so no text from an alert can become an argument.

use super::policy::Notification;
use std::process::Stdio;
use std::time::Duration;

/// The environment a hook sees: `ONCALL_SEVERITY` (`P1`), `ONCALL_TITLE` (the incident
/// title), `ONCALL_SUMMARY` (the notification's summary line, `P1 HighErrorRate`),
/// `ONCALL_BODY` (may hold newlines), `ONCALL_INCIDENT_ID` (empty for a storm summary),
/// `ONCALL_URGENCY` (`low`/`normal`/`critical`), `ONCALL_RUNBOOK` (empty when none) and
/// `ONCALL_KIND` (`new`/`escalated`/`overdue`/`repeat`/`storm`).
pub fn hook_env(n: &Notification) -> Vec<(&'static str, String)> {
    let clean = |s: &str| s.replace('\0', "");
    vec![
        ("ONCALL_SEVERITY", n.severity.name().to_string()),
        ("ONCALL_TITLE", clean(&n.title)),
        ("ONCALL_SUMMARY", clean(&n.summary)),
        ("ONCALL_BODY", clean(&n.body)),
        ("ONCALL_INCIDENT_ID", clean(&n.incident)),
        ("ONCALL_URGENCY", n.urgency.name().to_string()),
        ("ONCALL_RUNBOOK", clean(n.runbook.as_deref().unwrap_or(""))),
        ("ONCALL_KIND", n.kind.name().to_string()),
    ]
}

/// Runs `argv` for `n`: stdin and stdout are closed (the terminal belongs to the dashboard),
/// the process is killed at `timeout`, and a non-zero exit is an error naming the exit code and
/// the last line of stderr.
pub async fn run_hook(argv: &[String], n: &Notification, timeout: Duration) -> Result<(), String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "notify.command is empty".to_string())?;
    let child = tokio::process::Command::new(program)
        .args(args)
        .envs(hook_env(n))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    // On timeout the future, and with it the child, is dropped: kill_on_drop kills it.
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Err(_) => {
            return Err(format!(
                "{program} was stopped after {}",
                crate::duration::format_duration(timeout)
            ));
        }
        Ok(Err(e)) => return Err(format!("{program} failed: {e}")),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(crate::sanitize::line)
        .unwrap_or_default();
    let status = match output.status.code() {
        Some(code) => format!("exited with {code}"),
        None => "was killed by a signal".to_string(),
    };
    Err(if last.is_empty() {
        format!("{program} {status}")
    } else {
        format!("{program} {status}: {last}")
    })
}
