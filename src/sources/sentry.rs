//! Sentry issue lists (`/api/0/…/issues/`): the issue model, Link-header cursor pagination,
//! rate-limit headers and the `{"detail": …}` error bodies. Text stays raw; the app sanitizes it.

use super::{SourceError, short_body};
use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// Largest page Sentry serves (`limit`).
pub const MAX_LIMIT: usize = 100;
/// Wait after a 429 that says nothing about when to come back.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(60);
/// Bounds of a wait taken from a 429's headers.
pub const MIN_WAIT: Duration = Duration::from_secs(1);
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq)]
pub struct SentryIssue {
    pub id: String,
    pub short_id: String,
    pub title: String,
    /// `None` when null or empty.
    pub culprit: Option<String>,
    pub level: String,
    pub status: String,
    /// Events; a string in the API, may exceed `u32`.
    pub count: u64,
    pub user_count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// As sent: self-hosted servers may leave out the scheme.
    pub permalink: Option<String>,
    /// The project's slug.
    pub project: Option<String>,
    /// `stats["24h"]`: (unix seconds, events) per hour.
    pub stats_24h: Vec<(i64, u64)>,
}

/// The `rel="next"` and `rel="previous"` links of a `Link` header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkInfo {
    pub next: Option<Link>,
    pub previous: Option<Link>,
}

impl LinkInfo {
    /// The cursor of the next page, when Sentry says there is one (`results="true"`).
    pub fn next_cursor(&self) -> Option<&str> {
        self.next
            .as_ref()
            .filter(|l| l.results)
            .map(|l| l.cursor.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub url: String,
    /// The `cursor` attribute, else the URL's `cursor` parameter; opaque.
    pub cursor: String,
    /// `results="true"`; a link without the attribute counts as having results.
    pub results: bool,
}

/// Splits on `sep` outside `"…"` and `<…>`.
fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut angle) = (Vec::new(), 0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' if !angle => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            c if c == sep && !quoted && !angle => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn url_cursor(url: &str) -> Option<String> {
    let base = Url::parse("http://localhost/").ok()?;
    let url = base.join(url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

/// Parses a `Link` header value (an empty value means a single page).
pub fn parse_link_header(value: &str) -> LinkInfo {
    let mut info = LinkInfo::default();
    for part in split_outside(value, ',') {
        let part = part.trim();
        let Some((url, params)) = part.strip_prefix('<').and_then(|p| p.split_once('>')) else {
            continue;
        };
        let (mut rel, mut results, mut cursor) = (String::new(), None, None);
        for param in split_outside(params, ';') {
            let Some((key, val)) = param.split_once('=') else {
                continue;
            };
            let val = val.trim().trim_matches('"').to_string();
            match key.trim().to_ascii_lowercase().as_str() {
                "rel" => rel = val,
                "results" => results = Some(val.eq_ignore_ascii_case("true")),
                "cursor" => cursor = Some(val),
                _ => {}
            }
        }
        let link = Link {
            url: url.trim().to_string(),
            cursor: cursor.or_else(|| url_cursor(url)).unwrap_or_default(),
            results: results.unwrap_or(true),
        };
        for r in rel.split_whitespace().map(str::to_ascii_lowercase) {
            let slot = match r.as_str() {
                "next" => &mut info.next,
                "previous" | "prev" => &mut info.previous,
                _ => continue,
            };
            slot.get_or_insert_with(|| link.clone());
        }
    }
    info
}

/// `X-Sentry-Rate-Limit-{Limit,Remaining,Reset}` (SaaS only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// UTC epoch seconds.
    pub reset_epoch: Option<i64>,
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

fn header_epoch(headers: &HeaderMap, name: &str) -> Option<i64> {
    let text = header_text(headers, name)?;
    text.parse()
        .ok()
        .or_else(|| text.parse::<f64>().ok().map(|f| f.ceil() as i64))
}

/// The rate-limit headers, or `None` when the server sent none of them.
pub fn parse_rate_limit(headers: &HeaderMap) -> Option<RateLimit> {
    let number = |name| header_text(headers, name).and_then(|v| v.parse().ok());
    let rl = RateLimit {
        limit: number("x-sentry-rate-limit-limit"),
        remaining: number("x-sentry-rate-limit-remaining"),
        reset_epoch: header_epoch(headers, "x-sentry-rate-limit-reset"),
    };
    (rl.limit.is_some() || rl.remaining.is_some() || rl.reset_epoch.is_some()).then_some(rl)
}

/// When to ask again after a 429: `Retry-After` (seconds or HTTP date) if a proxy added one,
/// else `X-Sentry-Rate-Limit-Reset`, else [`DEFAULT_WAIT`]; kept between [`MIN_WAIT`] and
/// [`MAX_WAIT`].
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Duration {
    let until = |at: DateTime<Utc>| (at - now).to_std().unwrap_or(Duration::ZERO);
    let from_retry_after = header_text(headers, RETRY_AFTER.as_str()).and_then(|v| {
        v.parse::<u64>().map(Duration::from_secs).ok().or_else(|| {
            DateTime::parse_from_rfc2822(v)
                .ok()
                .map(|at| until(at.with_timezone(&Utc)))
        })
    });
    let from_reset = || {
        header_epoch(headers, "x-sentry-rate-limit-reset")
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .map(until)
    };
    from_retry_after
        .or_else(from_reset)
        .unwrap_or(DEFAULT_WAIT)
        .clamp(MIN_WAIT, MAX_WAIT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIssue {
    #[serde(default)]
    id: Value,
    short_id: Option<String>,
    title: Option<String>,
    culprit: Option<String>,
    level: Option<String>,
    status: Option<String>,
    #[serde(default)]
    count: Value,
    #[serde(default)]
    user_count: Value,
    first_seen: Option<String>,
    last_seen: Option<String>,
    permalink: Option<String>,
    project: Option<RawProject>,
    #[serde(default)]
    stats: Value,
}

#[derive(Deserialize)]
struct RawProject {
    slug: Option<String>,
}

/// A count sent as a string (`"2147483648"`) or a number.
fn number(v: &Value) -> u64 {
    match v {
        Value::String(s) => s.trim().parse().unwrap_or(0),
        Value::Number(n) => n
            .as_u64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0).max(0.0) as u64),
        _ => 0,
    }
}

fn time(v: Option<String>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v?.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl RawIssue {
    fn into_issue(self) -> Result<SentryIssue, SourceError> {
        let id = match self.id {
            Value::String(s) if !s.is_empty() => s,
            Value::Number(n) => n.to_string(),
            _ => return Err(SourceError::Decode("an issue without an id".into())),
        };
        let stats_24h = self.stats["24h"]
            .as_array()
            .map(|points| {
                let point = |p: &Value| Some((p.get(0)?.as_f64()? as i64, number(p.get(1)?)));
                points.iter().filter_map(point).collect()
            })
            .unwrap_or_default();
        Ok(SentryIssue {
            short_id: self.short_id.unwrap_or_else(|| id.clone()),
            id,
            title: self.title.unwrap_or_default(),
            culprit: self.culprit.filter(|c| !c.is_empty()),
            level: self.level.unwrap_or_else(|| "unknown".into()),
            status: self.status.unwrap_or_default(),
            count: number(&self.count),
            user_count: number(&self.user_count),
            first_seen: time(self.first_seen),
            last_seen: time(self.last_seen),
            permalink: self.permalink.filter(|p| !p.is_empty()),
            project: self.project.and_then(|p| p.slug),
            stats_24h,
        })
    }
}

fn detail_text(detail: &Value) -> Option<String> {
    match detail {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => ["message", "code"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
            .map(str::to_string),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(detail_text).collect();
            (!texts.is_empty()).then(|| texts.join("; "))
        }
        _ => None,
    }
}

fn object_message(o: &Map<String, Value>) -> Option<String> {
    let detail = detail_text(o.get("detail")?)?;
    Some(match o.get("errorId").and_then(Value::as_str) {
        Some(id) => format!("{detail} (error id {id})"),
        None => detail,
    })
}

/// The message of an error body: `{"detail": "…"}`, `{"detail": {code, message, extra}}`, a bare
/// JSON string, whatever the Content-Type (429s are JSON served as `text/html`); else its text.
pub fn error_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(Value::String(s)) => Some(s),
        Ok(Value::Object(o)) => object_message(&o),
        _ => None,
    };
    match text.map(|t| crate::sanitize::bounded(t.trim(), false, 300)) {
        Some(t) if !t.is_empty() => t,
        _ => short_body(body),
    }
}

/// Parses an issue-list answer, whatever its status.
pub fn parse_issues(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<SentryIssue>, SourceError> {
    if !(200..300).contains(&status) {
        let message = error_message(body);
        return Err(SourceError::Http { status, message });
    }
    let raw: Vec<RawIssue> = serde_json::from_slice(body).map_err(|e| {
        let kind = content_type.unwrap_or("no Content-Type");
        let text = short_body(body);
        SourceError::Decode(format!("not a Sentry issue list ({kind}: {e}): {text}"))
    })?;
    raw.into_iter().map(RawIssue::into_issue).collect()
}

/// Sort order of an issue list (query parameter `sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Last seen, newest first.
    #[default]
    Date,
    /// Events, most first.
    Freq,
    /// First seen, newest first.
    New,
    /// Users affected, most first.
    User,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Date => "date",
            Sort::Freq => "freq",
            Sort::New => "new",
            Sort::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Sort> {
        [Sort::Date, Sort::Freq, Sort::New, Sort::User]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Sorts as the server would, ties broken by id.
    pub fn apply(self, issues: &mut [SentryIssue]) {
        issues.sort_by(|a, b| {
            let key = match self {
                Sort::Date => b.last_seen.cmp(&a.last_seen),
                Sort::New => b.first_seen.cmp(&a.first_seen),
                Sort::Freq => b.count.cmp(&a.count),
                Sort::User => b.user_count.cmp(&a.user_count),
            };
            key.then_with(|| a.id.cmp(&b.id))
        })
    }
}

/// A Sentry error: a source failure, or a 429 with the time to wait before asking again.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SentryError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("rate limited for {}: {message}", crate::duration::format_duration(*.wait))]
    RateLimited { wait: Duration, message: String },
}

impl SentryError {
    /// How long to wait before the next request, when the server said so.
    pub fn wait(&self) -> Option<Duration> {
        match self {
            SentryError::RateLimited { wait, .. } => Some(*wait),
            SentryError::Source(_) => None,
        }
    }
}

impl From<SentryError> for SourceError {
    fn from(e: SentryError) -> Self {
        match e {
            SentryError::Source(e) => e,
            SentryError::RateLimited { message, .. } => SourceError::Http {
                status: 429,
                message,
            },
        }
    }
}

mod client;
#[cfg(test)]
mod tests;

pub use client::Sentry;
