//! Alertmanager `/api/v2` client: alerts, silences (acknowledgements), the three error body shapes.
//!
//! Label values, annotations and silence comments are remote text. They are kept raw here; they
//! are sanitized where incidents are built. Only error messages are sanitized in this module.

use super::{Http, SourceError, short_body};
use crate::config::SourceConfig;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub type Labels = BTreeMap<String, String>;

/// One alert as `GET /api/v2/alerts` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct AmAlert {
    pub fingerprint: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub generator_url: Option<String>,
    /// `unprocessed`, `active` or `suppressed`.
    pub state: String,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub receivers: Vec<String>,
}

/// A silence matcher. `is_equal` is false for `!=` / `!~`; Alertmanager 0.25 may omit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub is_regex: bool,
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// A silence as `GET /api/v2/silences` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
    /// `active`, `pending` or `expired`.
    pub state: String,
}

/// The body of `POST /api/v2/silences`. With `id`, Alertmanager updates (extends) that silence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSilence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub matchers: Vec<Matcher>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_by: String,
    pub comment: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlert {
    fingerprint: String,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    status: RawAlertStatus,
    #[serde(default)]
    receivers: Vec<RawReceiver>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAlertStatus {
    state: String,
    #[serde(default)]
    silenced_by: Option<Vec<String>>,
    #[serde(default)]
    inhibited_by: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawReceiver {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSilence {
    id: String,
    status: RawSilenceStatus,
    matchers: Vec<Matcher>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    #[serde(default)]
    created_by: String,
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
struct RawSilenceStatus {
    state: String,
}

#[derive(Deserialize)]
struct SilenceId {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

/// Parses a `GET /api/v2/alerts` answer, whatever its status.
pub fn parse_alerts(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<AmAlert>, SourceError> {
    let raw: Vec<RawAlert> = decode(status, content_type, body, "an alert list")?;
    Ok(raw.into_iter().map(AmAlert::from).collect())
}

impl From<RawAlert> for AmAlert {
    fn from(r: RawAlert) -> AmAlert {
        AmAlert {
            fingerprint: r.fingerprint,
            labels: r.labels,
            annotations: r.annotations,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            updated_at: r.updated_at,
            generator_url: r.generator_url.filter(|u| !u.is_empty()),
            state: r.status.state,
            silenced_by: r.status.silenced_by.unwrap_or_default(),
            inhibited_by: r.status.inhibited_by.unwrap_or_default(),
            receivers: r.receivers.into_iter().map(|r| r.name).collect(),
        }
    }
}

/// Parses a `GET /api/v2/silences` answer, whatever its status.
pub fn parse_silences(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<Silence>, SourceError> {
    let raw: Vec<RawSilence> = decode(status, content_type, body, "a silence list")?;
    Ok(raw.into_iter().map(Silence::from).collect())
}

/// Parses a `GET /api/v2/silence/{id}` answer (one silence), whatever its status.
pub fn parse_silence(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Silence, SourceError> {
    let raw: RawSilence = decode(status, content_type, body, "a silence")?;
    Ok(Silence::from(raw))
}

impl From<RawSilence> for Silence {
    fn from(r: RawSilence) -> Silence {
        Silence {
            id: r.id,
            matchers: r.matchers,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            created_by: r.created_by,
            comment: r.comment,
            state: r.status.state,
        }
    }
}

/// Parses a `POST /api/v2/silences` answer (`{"silenceID": "…"}`), whatever its status.
pub fn parse_silence_id(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<String, SourceError> {
    let id: SilenceId = decode(status, content_type, body, "a silence id")?;
    Ok(id.silence_id)
}

fn looks_json(content_type: Option<&str>, body: &[u8]) -> bool {
    content_type.is_some_and(|c| c.contains("json"))
        || matches!(
            body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[' | b'"')
        )
}

/// Turns a non-2xx answer into [`SourceError::Http`]; 2xx answers pass.
///
/// Alertmanager sends three shapes: `{"code":612,"message":"…"}` (validation, usually 422), a bare
/// JSON string (handler errors, 400/500) or an empty body (404). Anything else is shown as text.
pub fn check_status(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), SourceError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    let text = |s: &str| crate::sanitize::line(s.trim());
    let message = if body.iter().all(u8::is_ascii_whitespace) {
        reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("(empty body)")
            .to_string()
    } else if !looks_json(content_type, body) {
        short_body(body)
    } else {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::String(s)) => text(&s),
            Ok(serde_json::Value::Object(o)) => match o.get("message").and_then(|m| m.as_str()) {
                Some(m) => text(m),
                None => short_body(body),
            },
            _ => short_body(body),
        }
    };
    Err(SourceError::Http { status, message })
}

fn decode<T: DeserializeOwned>(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    what: &str,
) -> Result<T, SourceError> {
    check_status(status, content_type, body)?;
    if !looks_json(content_type, body) {
        return Err(SourceError::Http {
            status,
            message: short_body(body),
        });
    }
    serde_json::from_slice(body)
        .map_err(|e| SourceError::Decode(format!("not {what} from Alertmanager: {e}")))
}

/// Whether all `silence_matchers` match `labels`, as Alertmanager decides (a missing label is "").
///
/// Limit: there is no regex engine here. A regex matcher matches when its value is `.*` (anything),
/// `.+` (non-empty), a plain literal equal to the label value, or literal alternatives (`a|b|c`).
/// Any other pattern is compared literally, so it may miss alerts that Alertmanager would silence;
/// Alertmanager's own `silencedBy` stays the authority.
pub fn matches(silence_matchers: &[Matcher], labels: &Labels) -> bool {
    silence_matchers.iter().all(|m| {
        let value = labels.get(&m.name).map_or("", String::as_str);
        let hit = if m.is_regex {
            regex_lite_match(&m.value, value)
        } else {
            m.value == value
        };
        hit == m.is_equal
    })
}

fn regex_lite_match(pattern: &str, value: &str) -> bool {
    match pattern {
        ".*" => true,
        ".+" => !value.is_empty(),
        _ if pattern == value => true,
        _ => {
            let meta = |c: char| "\\.+*?()[]{}^$".contains(c);
            !pattern.contains(meta) && pattern.split('|').any(|alt| alt == value)
        }
    }
}

/// Equality matchers on every label of an alert: a silence of exactly this alert.
pub fn identifying_matchers(labels: &Labels) -> Vec<Matcher> {
    labels
        .iter()
        .map(|(name, value)| Matcher {
            name: name.clone(),
            value: value.clone(),
            is_regex: false,
            is_equal: true,
        })
        .collect()
}

/// Several Alertmanagers of one cluster return the same alert: keep one per fingerprint (the most
/// recently updated), in the order fingerprints first appear.
pub fn dedupe(alerts: Vec<AmAlert>) -> Vec<AmAlert> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<AmAlert> = Vec::with_capacity(alerts.len());
    for alert in alerts {
        match index.get(&alert.fingerprint) {
            Some(&i) => {
                if alert.updated_at > out[i].updated_at {
                    out[i] = alert;
                }
            }
            None => {
                index.insert(alert.fingerprint.clone(), out.len());
                out.push(alert);
            }
        }
    }
    out
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved characters).
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// How long a silence list is used without asking again, while the alerts name no silence
/// outside it.
pub const SILENCES_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30);

/// The active silences of the last list read, and when; and the silences the alerts named at
/// the last poll.
#[derive(Debug)]
struct Kept {
    at: std::time::Instant,
    silences: Vec<Silence>,
    named: Vec<String>,
}

/// An Alertmanager server.
#[derive(Clone, Debug)]
pub struct Alertmanager {
    http: Http,
    /// Shared by the client's clones; forgotten when oncall changes a silence.
    silences: std::sync::Arc<std::sync::Mutex<Option<Kept>>>,
}

impl Alertmanager {
    pub fn new(cfg: &SourceConfig) -> Result<Alertmanager, SourceError> {
        Ok(Alertmanager {
            http: Http::new(cfg)?,
            silences: std::sync::Arc::default(),
        })
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        self.silences
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The alerts and the active silences (the only ones an alert can name). The silence list
    /// (which holds every expired silence of the last days too) is read again only when an
    /// alert names a silence not active in the list last read (new, or pending then), when a
    /// silence the alerts named at the last poll is named no more (it may have ended), when
    /// that list is older than [`SILENCES_MAX_AGE`], or after oncall changed a silence;
    /// otherwise the list last read is used. Whether an alert is silenced comes from the alert
    /// itself, so a silence expired or deleted meanwhile shows at once.
    pub async fn alerts_and_silences(
        &self,
        now: std::time::Instant,
    ) -> Result<(Vec<AmAlert>, Vec<Silence>), SourceError> {
        let alerts = self.alerts().await?;
        let mut named: Vec<String> = alerts.iter().flat_map(|a| a.silenced_by.clone()).collect();
        named.sort_unstable();
        named.dedup();
        let fresh = self.kept().as_mut().and_then(|k| {
            let known = |id: &String| k.silences.iter().any(|s| &s.id == id);
            let young = now.saturating_duration_since(k.at) < SILENCES_MAX_AGE;
            let still_named = k.named.iter().all(|id| named.binary_search(id).is_ok());
            let fresh = young && still_named && named.iter().all(known);
            fresh.then(|| {
                k.named.clone_from(&named);
                k.silences.clone()
            })
        });
        if let Some(silences) = fresh {
            return Ok((alerts, silences));
        }
        let mut silences = self.silences().await?;
        silences.retain(|s| s.state == "active");
        *self.kept() = Some(Kept {
            at: now,
            silences: silences.clone(),
            named,
        });
        Ok((alerts, silences))
    }

    /// Every alert: active, silenced, inhibited and unprocessed.
    pub async fn alerts(&self) -> Result<Vec<AmAlert>, SourceError> {
        let query = [
            ("active", "true"),
            ("silenced", "true"),
            ("inhibited", "true"),
            ("unprocessed", "true"),
        ];
        let (status, ctype, body) = self.get("/api/v2/alerts", &query).await?;
        Http::decode(body, move |b| parse_alerts(status, ctype.as_deref(), b)).await
    }

    /// Every silence: active, pending and expired.
    pub async fn silences(&self) -> Result<Vec<Silence>, SourceError> {
        let (status, ctype, body) = self.get("/api/v2/silences", &[]).await?;
        Http::decode(body, move |b| parse_silences(status, ctype.as_deref(), b)).await
    }

    /// Creates a silence, or updates the one named by `s.id`; returns the silence id (Alertmanager
    /// may answer with a new id when the old silence cannot be changed in place).
    pub async fn create_silence(&self, s: &NewSilence) -> Result<String, SourceError> {
        let req = self
            .http
            .client
            .post(self.http.url("/api/v2/silences"))
            .json(s);
        // A list read while the change is on its way is forgotten too.
        *self.kept() = None;
        let sent = self.http.send(req).await;
        *self.kept() = None;
        let (status, ctype, body) = sent?;
        parse_silence_id(status, ctype.as_deref(), &body)
    }

    /// Expires a silence. A silence that is already gone counts as done: Alertmanager 0.25 answers
    /// 500 "silence not found" for an unknown id, 0.26 and later 404, and expiring an expired
    /// silence answers 500 "silence … already expired".
    pub async fn expire_silence(&self, id: &str) -> Result<(), SourceError> {
        let url = self
            .http
            .url(&format!("/api/v2/silence/{}", path_segment(id)));
        *self.kept() = None;
        let sent = self.http.send(self.http.client.delete(url)).await;
        *self.kept() = None;
        let (status, ctype, body) = sent?;
        match check_status(status, ctype.as_deref(), &body) {
            Err(SourceError::Http { status: 404, .. }) => Ok(()),
            Err(SourceError::Http {
                status: 500,
                message,
            }) if message == "silence not found" || message.ends_with("already expired") => Ok(()),
            other => other,
        }
    }

    /// Asks the server who it is (`/api/v2/status`); returns its version.
    pub async fn probe(&self) -> Result<String, SourceError> {
        let (status, ctype, body) = self.get("/api/v2/status", &[]).await?;
        let v: serde_json::Value = decode(status, ctype.as_deref(), &body, "a status")?;
        let version = v["versionInfo"]["version"].as_str().ok_or_else(|| {
            SourceError::Decode("not an Alertmanager status: no versionInfo.version".into())
        })?;
        Ok(crate::sanitize::line(version))
    }

    /// A GET, retried with backoff while the status says it may help, within the source's timeout.
    async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<(u16, Option<String>, Vec<u8>), SourceError> {
        let deadline = Instant::now() + self.http.timeout;
        let mut backoff = Duration::from_millis(200);
        loop {
            let req = self.http.client.get(self.http.url(path)).query(query);
            let answer = self.http.send(req).await?;
            let retry = matches!(answer.0, 502..=504) && Instant::now() + backoff < deadline;
            if !retry {
                return Ok(answer);
            }
            tracing::debug!(path, status = answer.0, "retrying");
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
}
