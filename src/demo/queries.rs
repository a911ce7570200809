//! The PromQL queries the demo Prometheus understands and how each is evaluated on a [`Sample`].

use std::collections::BTreeMap;

use super::sim::{CHECKOUT_INSTANCES, Sample};

/// The labels of one series; sorted, so `__name__` comes first as in Prometheus.
pub(super) type Labels = BTreeMap<&'static str, &'static str>;
pub(super) type Eval = fn(&Sample) -> Vec<(Labels, f64)>;

macro_rules! quantile {
    ($q:literal) => {
        concat!(
            "histogram_quantile(",
            $q,
            ",sumby(le)(rate(http_request_duration_seconds_bucket[5m])))"
        )
    };
}

/// The queries the demo understands, compared after removing all whitespace:
///
/// | query | result |
/// |---|---|
/// | `up` | `up` of checkout-1..3 (`job="checkout"`), db-1 (`postgres`), localhost:9090 (`prometheus`) |
/// | `sum(rate(http_requests_total[5m]))` | requests/s |
/// | `sum(rate(http_errors_total[5m]))` | errors/s |
/// | `sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))` | error ratio |
/// | `sum(active_sessions)` | sessions |
/// | `histogram_quantile(0.50\|0.5\|0.95\|0.99,sum by (le) (rate(http_request_duration_seconds_bucket[5m])))` | seconds |
/// | `sum(pg_stat_database_numbackends)` | db connections |
/// | `sum(rate(pg_stat_database_xact_commit[5m]))` | transactions/s |
/// | `sum(pg_slow_queries)` | slow queries |
/// | `avg_over_time(up{job="checkout"}[30d])` | availability per checkout instance (~0.9993) |
/// | the same over `[1h]`, `[6h]`, `[5m]`, `[30m]` | recent availability (an SLO panel's burn rates): ~1, lower for a replica that is down now |
/// | `pg_settings_max_connections`, `pg_stat_database_numbackends` | raw gauges with their labels |
const QUERIES: &[(&str, Eval)] = &[
    ("up", up),
    (
        "sum(rate(http_requests_total[5m]))",
        |s| one(s.request_rate),
    ),
    ("sum(rate(http_errors_total[5m]))", |s| one(s.error_rate)),
    (
        "sum(rate(http_errors_total[5m]))/sum(rate(http_requests_total[5m]))",
        |s| one(s.error_ratio),
    ),
    ("sum(active_sessions)", |s| one(s.active_sessions)),
    (quantile!("0.50"), |s| one(s.latency_p50)),
    (quantile!("0.5"), |s| one(s.latency_p50)),
    (quantile!("0.95"), |s| one(s.latency_p95)),
    (quantile!("0.99"), |s| one(s.latency_p99)),
    ("sum(pg_stat_database_numbackends)", |s| {
        one(s.db_connections)
    }),
    ("sum(rate(pg_stat_database_xact_commit[5m]))", |s| {
        one(s.db_xact_rate)
    }),
    ("sum(pg_slow_queries)", |s| one(s.db_slow_queries)),
    ("avg_over_time(up{job=\"checkout\"}[30d])", availability),
    ("avg_over_time(up{job=\"checkout\"}[5m])", |s| {
        recent(s, 0.6)
    }),
    ("avg_over_time(up{job=\"checkout\"}[30m])", |s| {
        recent(s, 0.9)
    }),
    ("avg_over_time(up{job=\"checkout\"}[1h])", |s| {
        recent(s, 0.95)
    }),
    ("avg_over_time(up{job=\"checkout\"}[6h])", |s| {
        recent(s, 0.99)
    }),
    ("pg_settings_max_connections", |s| {
        db_gauge("pg_settings_max_connections", s.db_max_connections)
    }),
    ("pg_stat_database_numbackends", |s| {
        db_gauge("pg_stat_database_numbackends", s.db_connections)
    }),
];
/// Finds the evaluator of `query` in [`QUERIES`].
pub(super) fn lookup(query: &str) -> Option<Eval> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    QUERIES
        .iter()
        .find(|(q, _)| *q == compact)
        .map(|(_, eval)| *eval)
}

/// Labels of an answer's series, owned (a `label_replace` sets labels the query names).
pub(super) type OwnedLabels = BTreeMap<String, String>;

/// A query the demo evaluates: one of [`QUERIES`], or several joined with `or`, each of them
/// either one of [`QUERIES`] or one wrapped in `label_replace(q, "dst", "value", "", "")`, which
/// sets label `dst` to `value` on every series of `q` (how a client asks several queries in one
/// request). `or` keeps a later part's series only when no earlier series has the same labels
/// (apart from `__name__`), as Prometheus does.
pub(super) struct Plan(Vec<(Eval, Option<(String, String)>)>);

impl Plan {
    pub(super) fn parse(query: &str) -> Option<Plan> {
        let parts = split_top(query, "or");
        let mut plan = Vec::with_capacity(parts.len());
        for part in parts {
            let part = part.trim();
            let labelled = part
                .strip_prefix("label_replace")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('('))
                .and_then(|rest| rest.strip_suffix(')'));
            match labelled {
                Some(inside) => {
                    let args = split_top(inside, ",");
                    let [q, dst, value, src, regex] = args.as_slice() else {
                        return None;
                    };
                    let (dst, value) = (string_literal(dst)?, string_literal(value)?);
                    if !string_literal(src)?.is_empty() || !string_literal(regex)?.is_empty() {
                        return None;
                    }
                    plan.push((lookup(q)?, Some((dst, value))));
                }
                None => plan.push((lookup(part)?, None)),
            }
        }
        Some(Plan(plan))
    }

    pub(super) fn eval(&self, s: &Sample) -> Vec<(OwnedLabels, f64)> {
        let mut out: Vec<(OwnedLabels, f64)> = Vec::new();
        for (eval, set) in &self.0 {
            let before = out.len();
            for (labels, v) in eval(s) {
                let mut labels: OwnedLabels = labels
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                if let Some((dst, value)) = set {
                    labels.insert(dst.clone(), value.clone());
                }
                let same = |l: &OwnedLabels| {
                    let name = "__name__";
                    l.iter()
                        .filter(|(k, _)| *k != name)
                        .eq(labels.iter().filter(|(k, _)| *k != name))
                };
                if !out[..before].iter().any(|(l, _)| same(l)) {
                    out.push((labels, v));
                }
            }
        }
        out
    }
}

/// `text` split at `sep` (a word, or a single punctuation character) where it stands outside
/// brackets and quotes.
fn split_top<'a>(text: &'a str, sep: &str) -> Vec<&'a str> {
    let bytes = text.as_bytes();
    let word = sep.bytes().all(|b| b.is_ascii_alphabetic());
    let ident = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    let (mut parts, mut depth, mut quote, mut start, mut i) = (Vec::new(), 0i32, None, 0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                _ if depth == 0
                    && bytes[i..].starts_with(sep.as_bytes())
                    && (!word || (!ident(i.wrapping_sub(1)) && !ident(i + sep.len()))) =>
                {
                    parts.push(&text[start..i]);
                    start = i + sep.len();
                    i = start;
                    continue;
                }
                _ => {}
            },
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// The text of a PromQL string literal (`"..."` or `'...'`, with `\\` escapes).
fn string_literal(arg: &str) -> Option<String> {
    let arg = arg.trim();
    let quote = arg.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let inside = arg.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = inside.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

fn one(value: f64) -> Vec<(Labels, f64)> {
    vec![(Labels::new(), value)]
}

fn target(job: &'static str, instance: &'static str) -> Labels {
    Labels::from([("job", job), ("instance", instance)])
}

fn flag(up: bool) -> f64 {
    if up { 1.0 } else { 0.0 }
}

fn up(s: &Sample) -> Vec<(Labels, f64)> {
    let mut out: Vec<(Labels, f64)> = CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_up)
        .map(|(instance, up)| (target("checkout", instance), flag(up)))
        .collect();
    out.push((target("postgres", "db-1:9187"), flag(s.db_up)));
    out.push((
        target("prometheus", "localhost:9090"),
        flag(s.prometheus_up),
    ));
    for (labels, _) in &mut out {
        labels.insert("__name__", "up");
    }
    out
}

fn availability(s: &Sample) -> Vec<(Labels, f64)> {
    CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_availability_30d)
        .map(|(instance, value)| (target("checkout", instance), value))
        .collect()
}

/// Availability over a short window: `when_down` for a replica that is down now, else ~1.
fn recent(s: &Sample, when_down: f64) -> Vec<(Labels, f64)> {
    CHECKOUT_INSTANCES
        .iter()
        .zip(s.checkout_up)
        .map(|(instance, up)| {
            (
                target("checkout", instance),
                if up { 0.9999 } else { when_down },
            )
        })
        .collect()
}

fn db_gauge(name: &'static str, value: f64) -> Vec<(Labels, f64)> {
    let mut labels = target("postgres", "db-1:9187");
    labels.insert("__name__", name);
    if name == "pg_stat_database_numbackends" {
        labels.insert("datname", "checkout");
    }
    vec![(labels, value)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_ignores_whitespace() {
        assert!(lookup(" sum by(le) ").is_none());
        assert!(lookup("sum( active_sessions )").is_some());
        let q =
            "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))";
        assert!(lookup(q).is_some());
        assert!(lookup("avg_over_time(up{job=\"checkout\"}[30d])").is_some());
    }

    fn sample() -> Sample {
        super::super::sim::Sim::new(7.0).at(1_000_000.0)
    }

    #[test]
    fn queries_joined_with_or_are_labelled_by_label_replace() {
        let q = "label_replace(\nsum(active_sessions)\n, \"part\", \"0\", \"\", \"\") or \
                 label_replace(up, 'part', '1', '', '') or sum(pg_slow_queries)";
        let plan = Plan::parse(q).expect("understood");
        let s = sample();
        let out = plan.eval(&s);
        assert_eq!(out.len(), 1 + 5 + 1, "{out:?}");
        assert_eq!(out[0].0, OwnedLabels::from([("part".into(), "0".into())]));
        assert_eq!(out[0].1, s.active_sessions);
        assert!(
            out[1..6]
                .iter()
                .all(|(l, _)| l["part"] == "1" && l["__name__"] == "up")
        );
        // The last part has no labels: it is kept, as no earlier series has none.
        assert_eq!(out[6], (OwnedLabels::new(), s.db_slow_queries));
    }

    #[test]
    fn or_drops_the_later_series_with_the_same_labels() {
        // Both sides are one series without labels: `or` keeps the left one only.
        let plan = Plan::parse("sum(active_sessions) or sum(pg_slow_queries)").expect("understood");
        let s = sample();
        assert_eq!(plan.eval(&s), vec![(OwnedLabels::new(), s.active_sessions)]);
        // `up` and `pg_stat_database_numbackends` differ in labels beside their names.
        let plan = Plan::parse("up or pg_stat_database_numbackends").expect("understood");
        assert_eq!(plan.eval(&s).len(), 6);
    }

    #[test]
    fn other_forms_are_not_understood() {
        for q in [
            "label_replace(up, \"a\", \"b\", \"job\", \"(.*)\")",
            "label_replace(up, \"a\", \"b\", \"\")",
            "label_replace(up, a, \"b\", \"\", \"\")",
            "up or",
            "up or nonsense",
            "up and up",
        ] {
            assert!(Plan::parse(q).is_none(), "{q}");
        }
        // A word that only contains `or` is not the operator.
        assert!(split_top("sort(x) or floor(y)", "or").len() == 2);
        assert_eq!(
            split_top("a{l=\"x or y\"} or b", "or"),
            vec!["a{l=\"x or y\"} ", " b"]
        );
    }
}
