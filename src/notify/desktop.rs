//! Desktop notifications over D-Bus (notify-rust on zbus, no C library), best-effort.
//!
//! Every D-Bus call here blocks, so it runs on a blocking thread, never on the async runtime.
//! Waiting for the engineer's answer (an action button or a click) also happens there, with a
//! timeout, and the result comes back as a [`DesktopEvent`] on a tokio channel.

use super::policy::{NoteKind, Notification};
use notify_rust::{ActionResponse, Hint, NotificationHandle};
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// How long `available` waits for a notification service to answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long sending one notification may take.
pub const SHOW_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a notification's buttons are listened to when nobody answers or closes it.
pub const ACTION_WAIT: Duration = Duration::from_secs(600);

/// What happened to a notification handed to [`spawn_show`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesktopEvent {
    Shown {
        incident: String,
    },
    Failed {
        incident: String,
        error: String,
    },
    /// The engineer chose `"ack"`, `"runbook"` or `"default"` (a click on the body).
    Action {
        incident: String,
        action: String,
    },
}

/// Whether a notification service answers on the session bus (false with no bus, as over SSH).
pub async fn available() -> bool {
    let probe = tokio::task::spawn_blocking(|| notify_rust::get_server_information().is_ok());
    matches!(
        tokio::time::timeout(PROBE_TIMEOUT, probe).await,
        Ok(Ok(true))
    )
}

/// The action buttons offered for a notification, as `(key, label)`: a click on the body,
/// "Open runbook" when there is a runbook, "Acknowledge" when it is about one incident.
pub fn actions(n: &Notification) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![("default", "Open")];
    if n.runbook.is_some() {
        out.push(("runbook", "Open runbook"));
    }
    if n.kind != NoteKind::Storm && !n.incident.is_empty() {
        out.push(("ack", "Acknowledge"));
    }
    out
}

/// Escapes text for a service that reads the body as markup.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The D-Bus notification: app "oncall", summary, body, urgency and category hints, and the
/// actions when wanted. `markup` escapes the body for a service with `body-markup`.
pub fn build(n: &Notification, with_actions: bool, markup: bool) -> notify_rust::Notification {
    let mut d = notify_rust::Notification::new();
    d.appname("oncall")
        .summary(&n.summary)
        .body(&if markup {
            escape_markup(&n.body)
        } else {
            n.body.clone()
        })
        .hint(Hint::Urgency(match n.urgency {
            super::Urgency::Low => notify_rust::Urgency::Low,
            super::Urgency::Normal => notify_rust::Urgency::Normal,
            super::Urgency::Critical => notify_rust::Urgency::Critical,
        }))
        .hint(Hint::Category("alert".into()));
    if with_actions {
        for (key, label) in actions(n) {
            d.action(key, label);
        }
    }
    d
}

/// A shown notification, kept to hear which action the engineer chooses.
pub struct Handle {
    rt: tokio::runtime::Runtime,
    inner: NotificationHandle,
    actions: bool,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("id", &self.inner.id())
            .field("actions", &self.actions)
            .finish()
    }
}

impl Handle {
    /// The id the notification service gave it.
    pub fn id(&self) -> u32 {
        self.inner.id()
    }

    /// Whether it carries action buttons (the service offers them).
    pub fn has_actions(&self) -> bool {
        self.actions
    }

    /// Blocks until an action is chosen (its key), the notification is closed or `timeout`
    /// passes (`None`). Call it on a blocking thread, never from async code.
    pub fn wait(self, timeout: Duration) -> Option<String> {
        self.wait_or(timeout, std::future::pending::<()>())
    }

    /// As [`Handle::wait`], also ending when `cancel` completes.
    pub fn wait_or(self, timeout: Duration, cancel: impl Future<Output = ()>) -> Option<String> {
        if !self.actions {
            return None;
        }
        let Handle { rt, inner, .. } = self;
        rt.block_on(answer(&inner, timeout, cancel))
    }
}

/// The action key chosen for a shown notification; `None` when it closes, on `timeout` or when
/// `cancel` completes.
async fn answer(
    inner: &NotificationHandle,
    timeout: Duration,
    cancel: impl Future<Output = ()>,
) -> Option<String> {
    let mut chosen = None;
    let wait = inner.wait_for_action_async(|r| {
        if let ActionResponse::Custom(key) = r {
            chosen = Some((*key).to_string());
        }
    });
    tokio::select! {
        _ = tokio::time::timeout(timeout, wait) => {}
        () = cancel => {}
    }
    chosen
}

/// What [`show`] needs before talking to the service: the notification as sent, whether it has
/// actions, and the runtime its connection lives on.
fn prepare(
    n: &Notification,
    actions: bool,
) -> Result<(notify_rust::Notification, bool, tokio::runtime::Runtime), String> {
    let caps = notify_rust::get_capabilities()
        .map_err(|e| format!("no desktop notification service ({e})"))?;
    let with_actions = actions && caps.iter().any(|c| c == "actions");
    let markup = caps.iter().any(|c| c == "body-markup");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the notification thread: {e}"))?;
    Ok((build(n, with_actions, markup), with_actions, rt))
}

async fn send(desktop: &notify_rust::Notification) -> Result<NotificationHandle, String> {
    match tokio::time::timeout(SHOW_TIMEOUT, desktop.show_async()).await {
        Ok(Ok(handle)) => Ok(handle),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the notification service did not answer".into()),
    }
}

/// Sends one notification; blocks, so call it on a blocking thread (`spawn_blocking`). The
/// actions are offered when `actions` is set and the service has the `actions` capability.
pub fn show(n: &Notification, actions: bool) -> Result<Handle, String> {
    let (desktop, actions, rt) = prepare(n, actions)?;
    let inner = rt.block_on(send(&desktop))?;
    Ok(Handle { rt, inner, actions })
}

/// Shows `n` on a blocking thread and reports on `tx`: `Shown` or `Failed`, then `Action` if
/// the engineer chooses one within [`ACTION_WAIT`]. Listening starts right after the service
/// answers. The wait ends early when the receiver is dropped, so it never holds up shutdown.
/// Needs a tokio runtime.
pub fn spawn_show(n: Notification, tx: UnboundedSender<DesktopEvent>) {
    tokio::task::spawn_blocking(move || {
        let incident = n.incident.clone();
        let (desktop, actions, rt) = match prepare(&n, true) {
            Ok(ready) => ready,
            Err(error) => {
                let _ = tx.send(DesktopEvent::Failed { incident, error });
                return;
            }
        };
        rt.block_on(async {
            let handle = match send(&desktop).await {
                Ok(handle) => handle,
                Err(error) => {
                    let _ = tx.send(DesktopEvent::Failed { incident, error });
                    return;
                }
            };
            let _ = tx.send(DesktopEvent::Shown {
                incident: incident.clone(),
            });
            if actions {
                if let Some(action) = answer(&handle, ACTION_WAIT, tx.closed()).await {
                    let _ = tx.send(DesktopEvent::Action { incident, action });
                }
            }
        });
    });
}
