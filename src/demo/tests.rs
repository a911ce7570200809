//! The demo stack over real HTTP: one raw HTTP/1.1 exchange per request.

use super::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP/1.1 exchange; returns (status, head, body).
async fn http(
    addr: SocketAddr,
    method: &str,
    target: &str,
    form: Option<&str>,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = form.unwrap_or("");
    let form_type = if form.is_some() {
        "Content-Type: application/x-www-form-urlencoded\r\n"
    } else {
        ""
    };
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: demo\r\nConnection: close\r\n{form_type}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("json body")
}

async fn start() -> DemoStack {
    DemoStack::start(([127, 0, 0, 1], 0).into())
        .await
        .expect("start")
}

#[tokio::test]
async fn instant_queries_over_get_and_post() {
    let stack = start().await;
    let addr = stack.local_addr();
    assert_eq!(stack.prometheus_url(), format!("http://{addr}"));

    let (status, head, body) = http(addr, "GET", "/api/v1/query?query=up", None).await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    let v = json(&body);
    assert_eq!(
        (v["status"].as_str(), v["data"]["resultType"].as_str()),
        (Some("success"), Some("vector"))
    );
    let result = v["data"]["result"].as_array().expect("result");
    assert_eq!(result.len(), 5);
    assert_eq!(
        result
            .iter()
            .filter(|r| r["metric"]["job"] == "checkout")
            .count(),
        3
    );
    for item in result {
        assert_eq!(item["metric"]["__name__"], "up");
        assert!(item["value"][0].is_number());
        assert!(
            matches!(item["value"][1].as_str(), Some("0" | "1")),
            "{item}"
        );
    }

    let form = format!(
        "query={}&time=2026-11-27T12:00:00.5Z",
        enc(" sum( rate(http_requests_total[5m]) ) ")
    );
    let (status, _, body) = http(addr, "POST", "/api/v1/query", Some(&form)).await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    let item = &v["data"]["result"][0];
    assert_eq!(item["metric"], json!({}));
    assert_eq!(item["value"][0].as_f64(), Some(1_795_780_800.5));
    let rate: f64 = item["value"][1]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("value");
    assert!((400.0..1200.0).contains(&rate), "{rate}");
}

#[tokio::test]
async fn range_query_agrees_with_instant_queries() {
    let stack = start().await;
    let addr = stack.local_addr();
    let query =
        "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
    let form = format!(
        "query={}&start=1795808982&end=1795809042&step=15s",
        enc(query)
    );
    let (status, _, body) = http(addr, "POST", "/api/v1/query_range", Some(&form)).await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["data"]["resultType"], "matrix");
    let values = v["data"]["result"][0]["values"].as_array().expect("values");
    let times: Vec<_> = values.iter().filter_map(|p| p[0].as_i64()).collect();
    assert_eq!(
        times,
        [
            1_795_808_982,
            1_795_808_997,
            1_795_809_012,
            1_795_809_027,
            1_795_809_042
        ]
    );

    let target = format!("/api/v1/query?query={}&time=1795809012", enc(query));
    let (status, _, body) = http(addr, "GET", &target, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["data"]["result"][0]["value"], values[2]);
}

#[tokio::test]
async fn errors_use_the_prometheus_envelope() {
    let stack = start().await;
    let addr = stack.local_addr();
    let bad = |msg: &str| json!({"status": "error", "errorType": "bad_data", "error": msg});
    let cases = [
        (
            "/api/v1/query?query=foo",
            bad("demo stack does not simulate this query: foo"),
        ),
        (
            "/api/v1/query",
            bad("invalid parameter \"query\": 1:1: parse error: no expression found in input"),
        ),
        (
            "/api/v1/query?query=up&time=yesterday",
            bad(
                "invalid parameter \"time\": Invalid time value for 'time': cannot parse \"yesterday\" to a valid timestamp",
            ),
        ),
        (
            "/api/v1/query_range?query=up&start=1795808992&end=1795808982&step=1",
            bad("invalid parameter \"end\": end timestamp must not be before start time"),
        ),
        (
            "/api/v1/query_range?query=up&start=1795808982&end=1795808992&step=0",
            bad(
                "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
            ),
        ),
        (
            "/api/v1/query_range?query=up&start=1795722592&end=1795808992&step=1",
            bad(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
            ),
        ),
    ];
    for (target, expected) in cases {
        let (status, head, body) = http(addr, "GET", target, None).await;
        assert_eq!(status, 400, "{target}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert_eq!(json(&body), expected, "{target}");
    }
    let (_, _, body) = http(addr, "GET", "/api/v1/query?query=foo", None).await;
    assert!(
        body.starts_with(r#"{"status":"error","errorType":"bad_data","error":"#),
        "{body}"
    );
}

#[tokio::test]
async fn other_endpoints_and_shutdown() {
    let stack = start().await;
    let addr = stack.local_addr();
    let (status, head, body) = http(addr, "GET", "/api/v1/does-not-exist", None).await;
    assert_eq!((status, body.as_str()), (404, "404 page not found\n"));
    assert!(head.contains("content-type: text/plain"), "{head}");
    assert_eq!(
        http(addr, "DELETE", "/api/v1/query?query=up", None).await.0,
        405
    );
    let ready = http(addr, "GET", "/-/ready", None).await;
    assert_eq!(
        (ready.0, ready.2.as_str()),
        (200, "Prometheus Server is Ready.\n")
    );
    assert_eq!(http(addr, "GET", "/-/healthy", None).await.0, 200);
    let (_, _, body) = http(addr, "GET", "/api/v1/status/buildinfo", None).await;
    assert_eq!(json(&body)["data"]["version"], "demo");
    let (_, _, body) = http(addr, "GET", "/api/v1/alerts", None).await;
    let v = json(&body);
    assert_eq!(v["status"], "success");
    let alerts = v["data"]["alerts"].as_array().expect("alerts");
    // At start the phase is Normal: only the certificate warning fires.
    assert_eq!(alerts.len(), 1, "{v}");
    assert_eq!(alerts[0]["labels"]["alertname"], "CertificateExpiresSoon");
    assert_eq!(
        (alerts[0]["state"].as_str(), alerts[0]["value"].as_str()),
        (Some("firing"), Some("1e+00"))
    );

    drop(stack);
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "server still accepting after drop");
}

fn fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/alertmanager/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    json(&std::fs::read_to_string(path).expect("fixture"))
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let object = v.as_object().expect("object");
    let mut keys: Vec<String> = object.keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn alertmanager_answers_in_its_own_shapes() {
    let stack = start().await;
    let addr = stack.local_addr();
    assert_eq!(stack.alertmanager_url(), stack.prometheus_url());

    let (status, head, body) = http(addr, "GET", "/api/v2/alerts", None).await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: application/json"), "{head}");
    let real = fixture("alerts_filter_alertname.json");
    let demo = json(&body);
    assert_eq!(keys(&demo[0]), keys(&real[0]));
    assert_eq!(keys(&demo[0]["status"]), keys(&real[0]["status"]));
    let (_, _, body) = http(addr, "GET", "/api/v2/alerts?active=false", None).await;
    assert_eq!(json(&body), json!([]));

    let (status, _, body) = http(addr, "DELETE", "/api/v2/silence/nope", None).await;
    assert_eq!((status, body.as_str()), (404, ""));
    let (status, _, body) = http(addr, "GET", "/api/v2/silence/nope", None).await;
    assert_eq!((status, body.as_str()), (404, ""));

    let post = |body: &'static str| http(addr, "POST", "/api/v2/silences", Some(body));
    let (status, _, body) = post("{\"matchers\": [").await;
    assert_eq!((status, json(&body)["code"].as_u64()), (400, Some(400)));
    let no_matchers = r#"{"matchers": [], "startsAt": "2026-11-27T19:50:21.000Z",
        "endsAt": "2026-11-27T19:51:21.000Z", "createdBy": "x", "comment": "no matchers"}"#;
    let (status, _, body) = post(no_matchers).await;
    let real = fixture("error_422_post_silence_no_matchers.json");
    assert_eq!((status, json(&body)), (422, real));
    let backwards = r#"{"matchers": [{"name": "a", "value": "b", "isRegex": false}],
        "startsAt": "2026-11-27T19:51:21.000Z", "endsAt": "2026-11-27T19:50:21.000Z",
        "createdBy": "x", "comment": "ends before start"}"#;
    let (status, _, body) = post(backwards).await;
    let real = fixture("error_400_post_silence_end_before_start.json");
    assert_eq!((status, json(&body)), (400, real));
    let (status, _, body) = post(r#"{"matchers": [{"name": "a", "value": "b"}]}"#).await;
    assert_eq!(status, 422);
    assert_eq!(json(&body)["code"], 602);

    let (_, _, body) = http(addr, "GET", "/api/v2/status", None).await;
    assert_eq!(json(&body)["versionInfo"]["version"], "demo");
}
