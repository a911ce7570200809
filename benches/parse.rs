//! Parsing large Prometheus answers: a 10 000-series instant vector and a matrix of
//! 100 series × 240 points (a wide chart), as the server writes them.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oncall::sources::prometheus::parse_response;
use std::fmt::Write;
use std::hint::black_box;

fn vector(series: usize) -> String {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    for i in 0..series {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"metric":{{"__name__":"http_requests_total","job":"api","instance":"10.0.{}.{}:8080","code":"200","method":"GET"}},"value":[1795808995.08,"{}.5"]}}"#,
            i / 256,
            i % 256,
            i
        )
        .unwrap();
    }
    s.push_str("]}}");
    s
}

fn matrix(series: usize, points: usize) -> String {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for i in 0..series {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"metric":{{"job":"api","instance":"i-{i}"}},"values":["#
        )
        .unwrap();
        for p in 0..points {
            if p > 0 {
                s.push(',');
            }
            write!(
                s,
                r#"[{}.08,"0.{:04}"]"#,
                1_795_800_000 + p * 15,
                (p * 37 + i) % 10_000
            )
            .unwrap();
        }
        s.push_str("]}");
    }
    s.push_str("]}}");
    s
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("prometheus parse");
    for (name, body) in [
        ("vector 10000 series", vector(10_000)),
        ("matrix 10000 series x 1 point", matrix(10_000, 1)),
        ("matrix 100 series x 240 points", matrix(100, 240)),
    ] {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                parse_response(200, Some("application/json"), black_box(body.as_bytes())).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
