//! Prometheus `/api/v1` client: instant and range queries, the error envelope, plain-text errors.

use super::{Http, SourceError, short_body};
use crate::config::SourceConfig;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A URL longer than this is refused by many servers and proxies: a query that long is never
/// asked with a GET.
const MAX_GET_URL: usize = 4000;

pub type Labels = BTreeMap<String, String>;

/// One series: labels and `(unix seconds, value)` points. Vectors have one point.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

/// Ends `points` with `latest` (an instant query's answer) unless they already reach its time:
/// the one rule by which a stat's value now joins its sparkline.
pub fn end_with(points: &mut Vec<(f64, f64)>, latest: (f64, f64)) {
    if points.last().is_none_or(|last| last.0 < latest.0) {
        points.push(latest);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultType {
    Vector,
    Matrix,
    Scalar,
    String,
}

/// A parsed successful answer.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    pub result_type: ResultType,
    pub series: Vec<Series>,
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    status: String,
    #[serde(borrow)]
    data: Option<Data<'a>>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    infos: Vec<String>,
}

#[derive(Deserialize)]
struct Data<'a> {
    #[serde(rename = "resultType")]
    result_type: String,
    #[serde(borrow)]
    result: &'a RawValue,
}

#[derive(Deserialize)]
struct RawSeries {
    #[serde(default)]
    metric: Labels,
    value: Option<(f64, StrNum)>,
    #[serde(default)]
    values: Vec<(f64, StrNum)>,
}

/// A sample value: Prometheus writes numbers as strings ("NaN", "+Inf", "1e-67").
struct StrNum(f64);

impl<'de> Deserialize<'de> for StrNum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(StrNum(s.parse::<f64>().unwrap_or(f64::NAN)))
    }
}

/// The JSON envelope of an answer, whatever its HTTP status. A body that is not JSON (a proxy's
/// error page) is the HTTP error; JSON that is not an envelope is a decode error on 2xx and the
/// HTTP error otherwise.
fn envelope<'a, T: Deserialize<'a>>(
    status: u16,
    content_type: Option<&str>,
    body: &'a [u8],
) -> Result<T, SourceError> {
    let http = || SourceError::Http {
        status,
        message: short_body(body),
    };
    let looks_json = content_type.is_some_and(|c| c.contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !looks_json {
        return Err(http());
    }
    match serde_json::from_slice(body) {
        Ok(env) => Ok(env),
        Err(e) if (200..300).contains(&status) => {
            Err(SourceError::Decode(format!("not a Prometheus answer: {e}")))
        }
        Err(_) => Err(http()),
    }
}

/// An envelope whose status is not "success": its errorType and error, sanitized.
fn api_error(status: u16, error_type: Option<String>, error: Option<String>) -> SourceError {
    SourceError::Api {
        error_type: error_type
            .map_or_else(|| format!("HTTP {status}"), |t| crate::sanitize::line(&t)),
        message: crate::sanitize::line(&error.unwrap_or_default()),
    }
}

/// Parses a `/api/v1/query` or `/api/v1/query_range` answer, whatever its status.
pub fn parse_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<QueryResult, SourceError> {
    let env: Envelope<'_> = envelope(status, content_type, body)?;
    if env.status != "success" {
        return Err(api_error(status, env.error_type, env.error));
    }
    let data = env
        .data
        .ok_or_else(|| SourceError::Decode("success without data".into()))?;
    let mut warnings = env.warnings;
    warnings.extend(env.infos);
    let decode = |e: serde_json::Error| SourceError::Decode(e.to_string());
    let (result_type, series) = match data.result_type.as_str() {
        "vector" | "matrix" => {
            let raw: Vec<RawSeries> = serde_json::from_str(data.result.get()).map_err(decode)?;
            let rt = if data.result_type == "vector" {
                ResultType::Vector
            } else {
                ResultType::Matrix
            };
            let series = raw
                .into_iter()
                .map(|r| {
                    let mut points: Vec<(f64, f64)> =
                        r.values.into_iter().map(|(t, v)| (t, v.0)).collect();
                    if let Some((t, v)) = r.value {
                        points.push((t, v.0));
                    }
                    Series {
                        labels: r.metric,
                        points,
                    }
                })
                .collect();
            (rt, series)
        }
        "scalar" => {
            let (t, v): (f64, StrNum) = serde_json::from_str(data.result.get()).map_err(decode)?;
            let series = vec![Series {
                labels: Labels::new(),
                points: vec![(t, v.0)],
            }];
            (ResultType::Scalar, series)
        }
        "string" => {
            let (t, s): (f64, String) = serde_json::from_str(data.result.get()).map_err(decode)?;
            let mut labels = Labels::new();
            labels.insert("value".into(), crate::sanitize::line(&s));
            let series = vec![Series {
                labels,
                points: vec![(t, f64::NAN)],
            }];
            (ResultType::String, series)
        }
        other => {
            return Err(SourceError::Decode(format!(
                "unknown resultType `{}`",
                crate::sanitize::line(other)
            )));
        }
    };
    Ok(QueryResult {
        result_type,
        series,
        warnings,
    })
}

/// A Prometheus server.
#[derive(Clone, Debug)]
pub struct Prometheus {
    http: Http,
    /// The query endpoints, read once: every panel asks one of them every refresh, and reading
    /// the URL again each time was a twentieth of the dashboard's instructions.
    endpoints: [(&'static str, Option<reqwest::Url>); 2],
    /// What this server was found to take in one batched query (shared by the clones).
    batching: Arc<Mutex<Batching>>,
    /// Set once the server (or a proxy before it) refused a POST: queries go as GETs from then
    /// on (shared by the clones).
    get_only: Arc<std::sync::atomic::AtomicBool>,
}

/// The label that tells the parts of a batched query apart ([`batch_query`]).
pub const BATCH_LABEL: &str = "oncall_query";

/// Which instant queries go together in one request ([`Prometheus::query_all`]).
#[derive(Debug, Default)]
struct Batching {
    /// The server did not take a batch of queries that it answers one by one: ask one by one.
    off: bool,
    /// Queries that cannot be part of a batch: their answer is not a vector (a scalar, a
    /// string), or the query is wrong. Each is asked alone, so its error stays its own.
    alone: HashSet<String>,
}

impl Batching {
    /// What the answers to queries asked alone, after their batch was refused, show: a query
    /// whose answer is not a vector, or that is wrong, goes alone from now on; when every one
    /// was a vector, the server does not take batches at all. A network or server error shows
    /// nothing.
    fn learn(&mut self, asked: &[&str], answers: &[Result<QueryResult, SourceError>]) {
        let mut every_one_fine = true;
        for (q, r) in asked.iter().zip(answers) {
            let fine = matches!(r, Ok(r) if r.result_type == ResultType::Vector);
            if !fine && r.as_ref().err().is_none_or(query_error) {
                self.alone.insert((*q).to_owned());
            }
            every_one_fine &= fine;
        }
        if every_one_fine {
            tracing::info!("the server refuses batched queries; asking one at a time");
            self.off = true;
        }
    }
}

/// Several instant queries as one: each query's series get label [`BATCH_LABEL`] set to the
/// query's index, and the queries are joined with `or`, which keeps every series (no two parts
/// share a label set, since their indexes differ). The query stands on lines of its own, so a
/// `#` comment in it ends where it does.
pub fn batch_query(queries: &[&str]) -> String {
    let mut out = String::with_capacity(queries.iter().map(|q| q.len() + 48).sum());
    for (i, q) in queries.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str("label_replace(\n");
        out.push_str(q);
        out.push_str("\n, \"");
        out.push_str(BATCH_LABEL);
        out.push_str("\", \"");
        out.push_str(&i.to_string());
        out.push_str("\", \"\", \"\")");
    }
    out
}

/// A batched answer's series, given back to the `n` queries they came from (the label that
/// told them apart removed). `None` when the answer is not such a batch (not a vector, or a
/// series without a valid index).
pub fn split_batch(result: QueryResult, n: usize) -> Option<Vec<Vec<Series>>> {
    if result.result_type != ResultType::Vector {
        return None;
    }
    let mut out = vec![Vec::new(); n];
    for mut s in result.series {
        let i: usize = s.labels.remove(BATCH_LABEL)?.parse().ok()?;
        out.get_mut(i)?.push(s);
    }
    Some(out)
}

/// Whether an error is the query's (asked alone, another query may do well) rather than the
/// server's or the network's (every query would fail alike).
fn query_error(e: &SourceError) -> bool {
    match e {
        SourceError::Api { error_type, .. } => {
            !matches!(error_type.as_str(), "unavailable" | "canceled" | "internal")
        }
        SourceError::Http { status, .. } => matches!(status, 400 | 413 | 414 | 422),
        SourceError::Decode(_) => true,
        _ => false,
    }
}

const QUERY: &str = "/api/v1/query";
const QUERY_RANGE: &str = "/api/v1/query_range";

impl Prometheus {
    pub fn new(cfg: &SourceConfig) -> Result<Prometheus, SourceError> {
        let http = Http::new(cfg)?;
        let endpoints = [QUERY, QUERY_RANGE].map(|p| (p, reqwest::Url::parse(&http.url(p)).ok()));
        Ok(Prometheus {
            http,
            endpoints,
            batching: Arc::default(),
            get_only: Arc::default(),
        })
    }

    /// A request of `method` to `path`, without parameters yet.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let read = self.endpoints.iter().find(|(p, _)| *p == path);
        match read.and_then(|(_, u)| u.clone()) {
            Some(u) => self.http.client.request(method, u),
            // A base that is not a URL: reqwest gives its own error for it.
            None => self.http.client.request(method, self.http.url(path)),
        }
    }

    /// Instant query at `time` (unix seconds).
    pub async fn query(&self, query: &str, time: f64) -> Result<QueryResult, SourceError> {
        let params = vec![("query", query.to_string()), ("time", fmt_time(time))];
        self.call(QUERY, params).await
    }

    /// Instant queries at `time`, each answered as if asked alone (in `queries`' order), in as
    /// few requests as the server allows: the queries that can go together are asked as one
    /// ([`batch_query`]), each of the others alone, all at once. When a batch is refused for
    /// something in a query, every query of it is asked alone, and what that shows is kept:
    /// the query that is not a vector or is wrong is asked alone from then on, and when each
    /// was fine alone, this server is asked one query at a time.
    pub async fn query_all(
        &self,
        queries: &[&str],
        time: f64,
    ) -> Vec<Result<Vec<Series>, SourceError>> {
        let (together, apart): (Vec<usize>, Vec<usize>) = {
            let b = self.batching.lock().unwrap_or_else(|e| e.into_inner());
            (0..queries.len()).partition(|&i| !b.off && !b.alone.contains(queries[i]))
        };
        let mut out: Vec<Option<Result<Vec<Series>, SourceError>>> = vec![None; queries.len()];
        let (together, apart) = if together.len() < 2 {
            (Vec::new(), (0..queries.len()).collect())
        } else {
            (together, apart)
        };
        let batch = async {
            if together.is_empty() {
                return Ok(Vec::new());
            }
            let parts: Vec<&str> = together.iter().map(|&i| queries[i]).collect();
            match self.query(&batch_query(&parts), time).await {
                Ok(r) => split_batch(r, parts.len()).ok_or(None),
                Err(e) if !query_error(&e) => Err(Some(e)),
                Err(_) => Err(None),
            }
        };
        let each = futures::future::join_all(apart.iter().map(|&i| self.query(queries[i], time)));
        let (batch, each) = tokio::join!(batch, each);
        for (&i, r) in apart.iter().zip(each) {
            out[i] = Some(r.map(|r| r.series));
        }
        match batch {
            Ok(parts) => {
                for (&i, series) in together.iter().zip(parts) {
                    out[i] = Some(Ok(series));
                }
            }
            // The server or the network: each query alone would fare the same.
            Err(Some(e)) => {
                for &i in &together {
                    out[i] = Some(Err(e.clone()));
                }
            }
            Err(None) => {
                let each = futures::future::join_all(
                    together.iter().map(|&i| self.query(queries[i], time)),
                )
                .await;
                let asked: Vec<&str> = together.iter().map(|&i| queries[i]).collect();
                self.batching
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .learn(&asked, &each);
                for (&i, r) in together.iter().zip(each) {
                    out[i] = Some(r.map(|r| r.series));
                }
            }
        }
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(SourceError::Setup("not asked".into()))))
            .collect()
    }

    /// Range query from `start` to `end` every `step` seconds.
    pub async fn query_range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: f64,
    ) -> Result<QueryResult, SourceError> {
        let params = vec![
            ("query", query.to_string()),
            ("start", fmt_time(start)),
            ("end", fmt_time(end)),
            ("step", format!("{step}")),
        ];
        self.call(QUERY_RANGE, params).await
    }

    /// Asks the server who it is (`/api/v1/status/buildinfo`); returns its version.
    pub async fn probe(&self) -> Result<String, SourceError> {
        let req = self
            .http
            .client
            .get(self.http.url("/api/v1/status/buildinfo"));
        let (status, _, body) = self.http.send(req).await?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| SourceError::Http {
                status,
                message: short_body(&body),
            })?;
        if v["status"] != "success" {
            return Err(SourceError::Http {
                status,
                message: short_body(&body),
            });
        }
        Ok(crate::sanitize::line(
            v["data"]["version"].as_str().unwrap_or("unknown"),
        ))
    }

    /// Runs one API call, retrying with backoff only where the status says so, all within the
    /// source's timeout.
    async fn call(
        &self,
        path: &str,
        params: Vec<(&'static str, String)>,
    ) -> Result<QueryResult, SourceError> {
        let deadline = Instant::now() + self.http.timeout;
        let mut backoff = Duration::from_millis(200);
        loop {
            let result = self.attempt(path, &params).await;
            match result {
                Err(e) if e.retryable() && Instant::now() + backoff < deadline => {
                    tracing::debug!(path, error = %e, "retrying");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                other => return other,
            }
        }
    }

    /// Asks once. The parameters go as a POST form, as Grafana asks Prometheus by default:
    /// the query stays out of the URL (which every layer of the HTTP client would read again,
    /// a query at a time) and its length has no limit. A server or proxy that refuses the POST
    /// (405) is asked the same with a GET, now and from then on.
    async fn attempt(
        &self,
        path: &str,
        params: &[(&'static str, String)],
    ) -> Result<QueryResult, SourceError> {
        use std::sync::atomic::Ordering;
        let fits_get = || {
            let encoded: usize = params.iter().map(|(k, v)| k.len() + v.len() * 3 + 2).sum();
            self.http.url(path).len() + encoded < MAX_GET_URL
        };
        let mut get = self.get_only.load(Ordering::Relaxed) && fits_get();
        loop {
            let req = if get {
                self.request(reqwest::Method::GET, path).query(params)
            } else {
                self.request(reqwest::Method::POST, path).form(params)
            };
            let (status, ctype, body) = self.http.send(req).await?;
            if status == 405 && !get && fits_get() {
                self.get_only.store(true, Ordering::Relaxed);
                get = true;
                continue;
            }
            return Http::decode(body, move |b| parse_response(status, ctype.as_deref(), b)).await;
        }
    }
}

fn fmt_time(t: f64) -> String {
    format!("{t:.3}")
}

/// One alert of `GET /api/v1/alerts` (used when no Alertmanager is configured).
#[derive(Debug, Clone, PartialEq)]
pub struct PromAlert {
    pub labels: Labels,
    pub annotations: Labels,
    /// `pending` or `firing`.
    pub state: String,
    pub active_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The alert expression's value ("1e+00", "NaN" → NaN).
    pub value: f64,
}

#[derive(Deserialize)]
struct AlertsEnvelope {
    status: String,
    data: Option<AlertsData>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct AlertsData {
    #[serde(default)]
    alerts: Vec<RawPromAlert>,
}

#[derive(Deserialize)]
struct RawPromAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    state: String,
    #[serde(rename = "activeAt")]
    active_at: Option<chrono::DateTime<chrono::Utc>>,
    value: Option<StrNum>,
}

/// Parses a `/api/v1/alerts` answer, whatever its status. Label and annotation text stays raw.
pub fn parse_alerts(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<PromAlert>, SourceError> {
    let env: AlertsEnvelope = envelope(status, content_type, body)?;
    if env.status != "success" {
        return Err(api_error(status, env.error_type, env.error));
    }
    let data = env
        .data
        .ok_or_else(|| SourceError::Decode("success without data".into()))?;
    let alerts = data
        .alerts
        .into_iter()
        .map(|a| PromAlert {
            labels: a.labels,
            annotations: a.annotations,
            state: a.state,
            active_at: a.active_at,
            value: a.value.map_or(f64::NAN, |v| v.0),
        })
        .collect();
    Ok(alerts)
}

impl Prometheus {
    /// The alerts of the server's alerting rules (`GET /api/v1/alerts`), pending and firing.
    pub async fn alerts(&self) -> Result<Vec<PromAlert>, SourceError> {
        let req = self.http.client.get(self.http.url("/api/v1/alerts"));
        let (status, ctype, body) = self.http.send(req).await?;
        parse_alerts(status, ctype.as_deref(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on loopback that refuses POSTs (405) and answers GETs: gives its URL and, once
    /// the client is done, each request's method and parameters, read off the wire.
    fn refusing_posts() -> (String, std::thread::JoinHandle<Vec<(String, String)>>) {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let mut seen = Vec::new();
            // One connection at a time, each kept alive until the client closes it.
            while seen.len() < 3 {
                let (conn, _) = listener.accept().expect("a connection");
                let mut conn = BufReader::new(conn);
                loop {
                    let mut line = String::new();
                    if conn.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let mut words = line.split_whitespace();
                    let method = words.next().unwrap_or_default().to_string();
                    let target = words.next().unwrap_or_default().to_string();
                    let mut length = 0;
                    loop {
                        let mut header = String::new();
                        conn.read_line(&mut header).expect("a header");
                        if header.trim().is_empty() {
                            break;
                        }
                        let header = header.to_lowercase();
                        if let Some(v) = header.strip_prefix("content-length:") {
                            length = v.trim().parse().expect("a length");
                        }
                    }
                    let mut body = vec![0u8; length];
                    conn.read_exact(&mut body).expect("the body");
                    let params = match target.split_once('?') {
                        Some((_, q)) => q.to_string(),
                        None => String::from_utf8_lossy(&body).into_owned(),
                    };
                    let answer = if method == "POST" {
                        "HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\n\
                         content-length: 18\r\n\r\nMethod Not Allowed"
                            .to_string()
                    } else {
                        let json = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}}"#;
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\n\r\n{json}",
                            json.len()
                        )
                    };
                    seen.push((method, params));
                    conn.get_mut()
                        .write_all(answer.as_bytes())
                        .expect("an answer");
                }
            }
            seen
        });
        (url, server)
    }

    /// Queries go as a POST form; a server that refuses POSTs gets the same as a GET, and only
    /// GETs from then on.
    #[test]
    fn a_refused_post_is_asked_again_as_a_get_and_not_again() {
        let (url, server) = refusing_posts();
        let cfg = SourceConfig::new(crate::config::SourceKind::Prometheus, &url);
        let prom = Prometheus::new(&cfg).expect("client");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        for _ in 0..2 {
            let r = rt.block_on(prom.query("up", 1.0)).expect("an answer");
            assert_eq!(r.series[0].points, vec![(1.0, 7.0)]);
        }
        drop(prom);
        drop(rt);
        let seen = server.join().expect("server");
        let methods: Vec<&str> = seen.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(methods, ["POST", "GET", "GET"]);
        for (method, params) in &seen {
            assert!(params.contains("query=up"), "{method}: {params}");
            assert!(params.contains("time=1.000"), "{method}: {params}");
        }
    }

    fn ok(body: &str) -> QueryResult {
        parse_response(200, Some("application/json"), body.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_batch_labels_each_query_and_is_split_back() {
        let q = batch_query(&["up", "sum(x) # note"]);
        assert_eq!(
            q,
            "label_replace(\nup\n, \"oncall_query\", \"0\", \"\", \"\") or \
             label_replace(\nsum(x) # note\n, \"oncall_query\", \"1\", \"\", \"\")"
        );
        let answer = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"a","oncall_query":"0"},"value":[1,"1"]},
            {"metric":{"oncall_query":"1"},"value":[1,"7"]},
            {"metric":{"__name__":"up","job":"b","oncall_query":"0"},"value":[1,"0"]}]}}"#,
        );
        let parts = split_batch(answer.clone(), 3).expect("a batch");
        let jobs: Vec<&str> = parts[0].iter().map(|s| s.labels["job"].as_str()).collect();
        assert_eq!(jobs, ["a", "b"]);
        assert_eq!(
            parts[1],
            vec![Series {
                labels: Labels::new(),
                points: vec![(1.0, 7.0)]
            }]
        );
        assert!(parts[2].is_empty());
        // An index past the queries asked, a series without one, or not a vector: not a batch.
        assert!(split_batch(answer, 1).is_none());
        let unlabelled = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"1"]}]}}"#,
        );
        assert!(split_batch(unlabelled, 1).is_none());
        let scalar = ok(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#);
        assert!(split_batch(scalar, 1).is_none());
    }

    #[test]
    fn a_refused_batch_teaches_which_queries_go_alone() {
        let vector = || ok(r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#);
        let scalar =
            || ok(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#);
        let wrong = || SourceError::Api {
            error_type: "bad_data".into(),
            message: "parse error".into(),
        };
        let down = || SourceError::Connect("connection refused".into());

        let mut b = Batching::default();
        b.learn(
            &["a", "s", "w", "d"],
            &[Ok(vector()), Ok(scalar()), Err(wrong()), Err(down())],
        );
        let alone: HashSet<String> = ["s", "w"].map(String::from).into();
        assert_eq!(
            b.alone, alone,
            "the network's error says nothing of the query"
        );
        assert!(!b.off);

        // Every query was a vector alone: the server does not take batches.
        let mut b = Batching::default();
        b.learn(&["a", "b"], &[Ok(vector()), Ok(vector())]);
        assert!(b.off && b.alone.is_empty());

        // The network failing is no reason to stop batching.
        let mut b = Batching::default();
        b.learn(&["a", "b"], &[Ok(vector()), Err(down())]);
        assert!(!b.off && b.alone.is_empty());
    }

    #[test]
    fn vector_and_specials() {
        let r = ok(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1795808995.08,"NaN"]},{"metric":{"a":"b"},"value":[1,"+Inf"]}]}}"#,
        );
        assert_eq!(r.result_type, ResultType::Vector);
        assert!(r.series[0].points[0].1.is_nan());
        assert_eq!(r.series[1].points[0].1, f64::INFINITY);
        assert_eq!(r.series[0].points[0].0, 1_795_808_995.08);
    }

    #[test]
    fn error_envelope_and_plain_text() {
        let e = parse_response(
            400,
            Some("application/json"),
            br#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
        );
        assert_eq!(
            e,
            Err(SourceError::Api {
                error_type: "bad_data".into(),
                message: "parse error".into()
            })
        );
        let e = parse_response(503, Some("text/plain"), b"Service Unavailable");
        assert_eq!(
            e,
            Err(SourceError::Http {
                status: 503,
                message: "Service Unavailable".into()
            })
        );
        assert!(matches!(e, Err(ref x) if x.retryable()));
    }

    #[test]
    fn error_type_is_sanitized() {
        // Found by the prometheus_response fuzz target: the error type went into the message raw.
        let body = br#"{"status":"","errorType":"\b"}"#;
        let e = parse_response(422, Some("application/json"), body);
        assert_eq!(
            e,
            Err(SourceError::Api {
                error_type: String::new(),
                message: String::new()
            })
        );
        let body = br#"{"status":"error","errorType":"bad\u001b]0;x\u0007_data","error":"e"}"#;
        let e = parse_alerts(400, Some("application/json"), body);
        assert!(
            matches!(e, Err(SourceError::Api { ref error_type, .. }) if error_type == "bad_data")
        );
    }

    #[test]
    fn garbage_with_200_is_a_decode_error() {
        let e = parse_response(200, Some("application/json"), b"{\"status\":\"success\"");
        assert!(matches!(e, Err(SourceError::Decode(_))));
    }
}
