//! The HTTP side of the Sentry source: endpoints, cursor walk, 429s.

use super::{
    LinkInfo, MAX_LIMIT, SentryError, SentryIssue, Sort, error_message, parse_issues,
    parse_link_header, retry_after,
};
use crate::config::SourceConfig;
use crate::sources::{Http, SourceError};
use chrono::Utc;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LINK};
use std::collections::HashSet;

/// A Sentry organization, or some of its projects.
#[derive(Clone, Debug)]
pub struct Sentry {
    http: Http,
    base: Url,
    org: String,
    projects: Vec<String>,
    query: String,
    limit: usize,
}

/// One answer: its issues and its pagination links.
struct Page {
    issues: Vec<SentryIssue>,
    links: LinkInfo,
}

/// Percent-encodes one path segment (slugs are plain, but nothing is assumed).
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

impl Sentry {
    /// The source of `cfg`: `org` is required; `query` defaults to `is:unresolved`.
    pub fn new(cfg: &SourceConfig) -> Result<Sentry, SourceError> {
        let http = Http::new(cfg)?;
        let base = Url::parse(&http.base)
            .map_err(|e| SourceError::Setup(format!("invalid sentry url `{}`: {e}", cfg.url)))?;
        let org = cfg
            .org
            .clone()
            .filter(|o| !o.trim().is_empty())
            .ok_or_else(|| SourceError::Setup("a sentry source needs `org`".into()))?;
        Ok(Sentry {
            http,
            base,
            org,
            projects: cfg.projects.clone(),
            query: cfg.query.clone().unwrap_or_else(|| "is:unresolved".into()),
            limit: MAX_LIMIT,
        })
    }

    /// Issues per request (`limit`), 1 to [`MAX_LIMIT`] (the default).
    pub fn with_page_size(mut self, limit: usize) -> Sentry {
        self.limit = limit.clamp(1, MAX_LIMIT);
        self
    }

    /// The paths asked: one per project, or the organization's.
    pub fn endpoints(&self) -> Vec<String> {
        let org = segment(&self.org);
        if self.projects.is_empty() {
            return vec![format!("/api/0/organizations/{org}/issues/")];
        }
        let path = |p: &String| format!("/api/0/projects/{org}/{}/issues/", segment(p));
        self.projects.iter().map(path).collect()
    }

    /// One request per project (`/api/0/projects/{org}/{project}/issues/`), or the organization
    /// endpoint (`/api/0/organizations/{org}/issues/`) without projects; `statsPeriod=24h`.
    /// Follows `rel="next"` while `results="true"`, up to `max_pages` pages per endpoint, and
    /// only while the next link stays on the configured scheme, host and port: its cursor is
    /// echoed on the same endpoint and query (which is what Sentry's link holds). Results are
    /// merged, deduplicated by id and sorted per `sort`.
    pub async fn issues(
        &self,
        sort: Sort,
        max_pages: usize,
    ) -> Result<Vec<SentryIssue>, SentryError> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        for path in self.endpoints() {
            for issue in self.walk(&path, sort, max_pages.max(1)).await? {
                if seen.insert(issue.id.clone()) {
                    all.push(issue);
                }
            }
        }
        sort.apply(&mut all);
        Ok(all)
    }

    /// Asks for one issue of the first endpoint: checks the URL, token, organization and project.
    pub async fn probe(&self) -> Result<(), SourceError> {
        let path = self.endpoints().into_iter().next().unwrap_or_default();
        let url = self.page_url(&path, Sort::Date, 1, None)?;
        self.fetch(url).await?;
        Ok(())
    }

    fn page_url(
        &self,
        path: &str,
        sort: Sort,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Url, SourceError> {
        let mut url = Url::parse(&self.http.url(path))
            .map_err(|e| SourceError::Setup(format!("invalid sentry url: {e}")))?;
        url.query_pairs_mut()
            .append_pair("query", &self.query)
            .append_pair("sort", sort.as_str())
            .append_pair("statsPeriod", "24h")
            .append_pair("limit", &limit.to_string());
        if let Some(cursor) = cursor {
            url.query_pairs_mut().append_pair("cursor", cursor);
        }
        Ok(url)
    }

    async fn walk(
        &self,
        path: &str,
        sort: Sort,
        max_pages: usize,
    ) -> Result<Vec<SentryIssue>, SentryError> {
        let mut url = self.page_url(path, sort, self.limit, None)?;
        let mut cursors = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..max_pages {
            let page = self.fetch(url.clone()).await?;
            out.extend(page.issues);
            let Some(next) = page.links.next.filter(|l| l.results) else {
                break;
            };
            let on_host = url
                .join(&next.url)
                .is_ok_and(|u| same_origin(&u, &self.base));
            if !on_host {
                tracing::warn!(path, "sentry: next page is on another host; not followed");
                break;
            }
            if next.cursor.is_empty() || !cursors.insert(next.cursor.clone()) {
                break;
            }
            url = self.page_url(path, sort, self.limit, Some(&next.cursor))?;
        }
        Ok(out)
    }

    async fn fetch(&self, url: Url) -> Result<Page, SentryError> {
        let (status, headers, body) = self.http.send_full(self.http.client.get(url)).await?;
        if status == 429 {
            let wait = retry_after(&headers, Utc::now());
            let message = error_message(&body);
            return Err(SentryError::RateLimited { wait, message });
        }
        let ctype = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let issues = parse_issues(status, ctype, &body)?;
        let link: Vec<String> = headers
            .get_all(LINK)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let links = parse_link_header(&link.join(", "));
        Ok(Page { issues, links })
    }
}
