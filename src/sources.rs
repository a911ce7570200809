//! HTTP clients for the data sources, with their response models. No UI here.

pub mod alertmanager;
pub mod loki;
pub mod prometheus;
pub mod sentry;
pub mod tls;

use crate::config::SourceConfig;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;

/// Answers at least this large are read on a blocking thread (a 10 000-series answer is a few
/// MiB and takes about 10 ms to read).
const PARSE_HERE: usize = 256 * 1024;
/// Largest response body accepted from any source.
pub const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SourceError {
    #[error("timed out after {0}")]
    Timeout(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The TLS handshake failed: the certificate's host names, issuer or dates.
    #[error("TLS: {0}")]
    Tls(String),
    #[error("HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("{error_type}: {message}")]
    Api { error_type: String, message: String },
    #[error("unreadable answer: {0}")]
    Decode(String),
    #[error("{0}")]
    Setup(String),
}

impl SourceError {
    /// Whether trying again soon may help (per the API's status semantics).
    pub fn retryable(&self) -> bool {
        match self {
            SourceError::Http { status, .. } => matches!(status, 499 | 502 | 503 | 504),
            SourceError::Api { error_type, .. } => {
                matches!(error_type.as_str(), "timeout" | "canceled" | "unavailable")
            }
            _ => false,
        }
    }
}

/// The headers every request to a source carries: configured headers, the Loki tenant
/// (`X-Scope-OrgID`) and credentials (marked sensitive). The HTTP client and the Loki tail
/// websocket both use these.
pub fn default_headers(cfg: &SourceConfig) -> Result<HeaderMap, SourceError> {
    let mut headers = HeaderMap::new();
    for (k, v) in &cfg.headers {
        let name = HeaderName::from_bytes(k.as_bytes())
            .map_err(|_| SourceError::Setup(format!("invalid header name `{k}`")))?;
        let value = HeaderValue::from_str(v)
            .map_err(|_| SourceError::Setup(format!("invalid value for header `{k}`")))?;
        headers.insert(name, value);
    }
    if let Some(tenant) = &cfg.tenant {
        let value = HeaderValue::from_str(tenant)
            .map_err(|_| SourceError::Setup("invalid tenant".into()))?;
        headers.insert("X-Scope-OrgID", value);
    }
    if let Some(token) = bearer_token(cfg)? {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| SourceError::Setup("the bearer token holds invalid bytes".into()))?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    if let (Some(user), Some(var)) = (&cfg.basic_user, &cfg.basic_password_env) {
        let password = secret_env(var)?;
        let raw = format!("{user}:{password}");
        let mut value = HeaderValue::from_str(&format!("Basic {}", base64(raw.as_bytes())))
            .map_err(|_| SourceError::Setup("the basic credentials hold invalid bytes".into()))?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    Ok(headers)
}

/// Whether a source is asked for compressed answers: `compress` when set, else everywhere but
/// on a loopback address, where compression only costs CPU (setting up a decompressor for
/// every answer was a tenth of the dashboard's instructions on a board of six charts).
pub fn compress_answers(cfg: &SourceConfig) -> bool {
    cfg.compress.unwrap_or_else(|| {
        let Ok(url) = reqwest::Url::parse(&cfg.url) else {
            return true;
        };
        let host = url.host_str().unwrap_or_default();
        let ip = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host.eq_ignore_ascii_case("localhost")
            || ip
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        !loopback
    })
}

/// A configured HTTP client for one source: base URL, auth, headers, timeout.
#[derive(Clone, Debug)]
pub struct Http {
    pub client: reqwest::Client,
    pub base: String,
    pub timeout: Duration,
}

impl Http {
    /// Builds the client; secrets are read from the environment or files named in the config.
    pub fn new(cfg: &SourceConfig) -> Result<Http, SourceError> {
        let headers = default_headers(cfg)?;
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("oncall/", env!("CARGO_PKG_VERSION")))
            .timeout(cfg.timeout.0)
            .connect_timeout(cfg.timeout.0.min(Duration::from_secs(5)))
            .gzip(compress_answers(cfg))
            .redirect(reqwest::redirect::Policy::limited(3))
            .danger_accept_invalid_certs(cfg.tls_insecure);
        if let Some(ca) = &cfg.ca_file {
            let pem = std::fs::read(ca).map_err(|e| {
                SourceError::Setup(format!("cannot read ca_file {}: {e}", ca.display()))
            })?;
            let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| {
                SourceError::Setup(format!(
                    "ca_file {} is not a PEM certificate: {e}",
                    ca.display()
                ))
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder
            .build()
            .map_err(|e| SourceError::Setup(format!("cannot build HTTP client: {e}")))?;
        Ok(Http {
            client,
            base: cfg.url.trim_end_matches('/').to_string(),
            timeout: cfg.timeout.0,
        })
    }

    /// Reads an answer with `parse`: here when it is small, on a blocking thread when it is
    /// large, so that a big answer never holds up the keyboard and the screen (they share one
    /// thread with the fetches).
    pub async fn decode<T: Send + 'static>(
        body: Vec<u8>,
        parse: impl FnOnce(&[u8]) -> Result<T, SourceError> + Send + 'static,
    ) -> Result<T, SourceError> {
        if body.len() < PARSE_HERE {
            return parse(&body);
        }
        tokio::task::spawn_blocking(move || parse(&body))
            .await
            .unwrap_or_else(|e| {
                Err(SourceError::Decode(format!(
                    "reading the answer failed: {e}"
                )))
            })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request and reads at most [`MAX_BODY`] bytes of the answer.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<String>, Vec<u8>), SourceError> {
        let (status, headers, body) = self.send_full(req).await?;
        let ctype = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok((status, ctype, body))
    }

    /// [`Http::send`] with all the response headers (Link, rate limits…).
    pub async fn send_full(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(u16, HeaderMap, Vec<u8>), SourceError> {
        let mut resp = req.send().await.map_err(|e| self.classify(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(SourceError::Decode(format!(
                    "answer larger than {} MiB",
                    MAX_BODY / (1024 * 1024)
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, headers, body))
    }

    fn classify(&self, e: &reqwest::Error) -> SourceError {
        if e.is_timeout() {
            return SourceError::Timeout(crate::duration::format_duration(self.timeout));
        }
        let root = root_cause(e);
        if e.is_redirect() {
            return SourceError::Decode(format!("redirects went nowhere ({root})"));
        }
        if e.is_body() || e.is_decode() {
            return SourceError::Decode(format!("the answer broke off: {root}"));
        }
        if let Some(t) = tls::find(e) {
            return SourceError::Tls(tls::describe(t));
        }
        SourceError::Connect(root)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let text = cur.to_string();
    // Connection refused (os error 111) → connection refused
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    text.to_lowercase()
}

fn bearer_token(cfg: &SourceConfig) -> Result<Option<String>, SourceError> {
    if let Some(var) = cfg.bearer_token_env.as_ref().or(cfg.token_env.as_ref()) {
        return secret_env(var).map(Some);
    }
    if let Some(path) = &cfg.bearer_token_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SourceError::Setup(format!(
                "cannot read bearer_token_file {}: {e}",
                path.display()
            ))
        })?;
        crate::sanitize::register_secret(text.trim());
        return Ok(Some(text.trim().to_string()));
    }
    Ok(None)
}

fn secret_env(var: &str) -> Result<String, SourceError> {
    let value = std::env::var(var).map_err(|_| {
        SourceError::Setup(format!(
            "environment variable {var} is not set (it should hold the secret)"
        ))
    })?;
    crate::sanitize::register_secret(&value);
    Ok(value)
}

pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first 200 characters of a text body, sanitized, for error messages.
pub fn short_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let clean = crate::sanitize::bounded(text.trim(), false, 200);
    if clean.is_empty() {
        "(empty body)".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"alice:s3cret"), "YWxpY2U6czNjcmV0");
    }

    #[test]
    fn retry_only_where_status_says_so() {
        let http = |status| SourceError::Http {
            status,
            message: String::new(),
        };
        assert!(http(503).retryable());
        assert!(http(499).retryable());
        assert!(!http(400).retryable());
        assert!(!http(422).retryable());
        let api = |t: &str| SourceError::Api {
            error_type: t.into(),
            message: String::new(),
        };
        assert!(api("timeout").retryable());
        assert!(!api("bad_data").retryable());
        assert!(!api("execution").retryable());
    }

    #[test]
    fn answers_are_compressed_except_from_loopback_unless_the_config_says() {
        let cfg = |url: &str, compress: Option<bool>| {
            let mut c = SourceConfig::new(crate::config::SourceKind::Prometheus, url);
            c.compress = compress;
            c
        };
        for url in [
            "http://127.0.0.1:9090",
            "http://127.8.0.3:9090/prom",
            "http://localhost:9090",
            "https://LOCALHOST",
            "http://[::1]:9090",
        ] {
            assert!(!compress_answers(&cfg(url, None)), "{url}");
            assert!(compress_answers(&cfg(url, Some(true))), "{url}");
        }
        for url in [
            "http://prometheus.example:9090",
            "https://10.0.0.5",
            "http://[2001:db8::1]:9090",
            "http://localhost.example.com",
        ] {
            assert!(compress_answers(&cfg(url, None)), "{url}");
            assert!(!compress_answers(&cfg(url, Some(false))), "{url}");
        }
    }

    /// What a source sends as `Accept-Encoding`, read off the wire by a server on loopback.
    fn accept_encoding(compress: Option<bool>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("a request");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap_or(0) == 1 {
                head.push(byte[0]);
            }
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
            String::from_utf8_lossy(&head).to_lowercase()
        });
        let mut cfg = SourceConfig::new(crate::config::SourceKind::Prometheus, &url);
        cfg.compress = compress;
        let http = Http::new(&cfg).expect("client");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let (status, _, body) = rt
            .block_on(http.send(http.client.get(http.url("/api/v1/query"))))
            .expect("an answer");
        assert_eq!((status, body.as_slice()), (200, b"{}".as_slice()));
        let head = server.join().expect("server");
        head.lines()
            .find_map(|l| l.strip_prefix("accept-encoding:"))
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    #[test]
    fn a_loopback_source_is_asked_for_plain_answers_unless_compress_is_set() {
        assert!(!accept_encoding(None).contains("gzip"));
        assert!(accept_encoding(Some(true)).contains("gzip"));
    }

    /// A small answer is read where it arrived; a large one on another thread, so the one
    /// thread that also reads keys and draws is not held up by it.
    #[test]
    fn large_answers_are_read_off_the_ui_thread() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let here = std::thread::current().id();
        let read_on = |len: usize| {
            rt.block_on(Http::decode(vec![b' '; len], |b| {
                Ok((b.len(), std::thread::current().id()))
            }))
            .expect("decoded")
        };
        assert_eq!(read_on(1024), (1024, here));
        let (len, there) = read_on(PARSE_HERE);
        assert_eq!(len, PARSE_HERE);
        assert_ne!(there, here);
    }
}
