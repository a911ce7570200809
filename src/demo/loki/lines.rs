//! The log lines of the simulated checkout service, second by second, as a pure function of the
//! unix second and the simulation (same second, same lines). See [`super`] for the schedule.

use super::super::sim::{CHECKOUT_INSTANCES, OUTAGE_INSTANCE, Phase, Sample, Sim};

const NS: i128 = 1_000_000_000;
const SEED: u64 = 0x10C1_0C1D_E40D_2024;

/// One generated log line and its stream.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoLog {
    pub ts_ns: i128,
    pub component: &'static str,
    pub level: &'static str,
    pub line: String,
}

const ROUTES: [(&str, &str); 6] = [
    ("GET", "/api/products"),
    ("GET", "/api/cart"),
    ("POST", "/api/cart/items"),
    ("POST", "/api/checkout"),
    ("GET", "/api/orders"),
    ("GET", "/healthz"),
];

/// A coupon code a client sent, carrying a window-title change and a clipboard write.
const HOSTILE_CODE: &str = "\u{1b}]0;checkout: all good\u{7}\u{1b}]52;c;Y3VybCAtcyBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA==\u{7}";

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Builds the lines of one second from a hash-seeded sequence.
struct Gen<'a> {
    state: u64,
    sec: i64,
    s: &'a Sample,
    out: Vec<DemoLog>,
}

impl Gen<'_> {
    fn next(&mut self) -> u64 {
        self.state = splitmix64(self.state);
        self.state
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn ts(&mut self) -> i128 {
        i128::from(self.sec) * NS + i128::from(self.below(NS as u64))
    }

    fn trace(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }

    fn push(&mut self, ts_ns: i128, component: &'static str, level: &'static str, line: String) {
        self.out.push(DemoLog {
            ts_ns,
            component,
            level,
            line,
        });
    }

    fn request(&mut self) {
        let (method, path) = ROUTES[self.below(ROUTES.len() as u64) as usize];
        let spread = 0.5 + 1.5 * self.unit().powi(3);
        let ms = (self.s.latency_p50 * 1000.0 * spread).round();
        let (level, status) = if self.unit() < self.s.error_ratio {
            ("error", 502)
        } else if method == "POST" {
            ("info", 201)
        } else {
            ("info", 200)
        };
        let (ts, trace) = (self.ts(), self.trace());
        let line = format!(
            "level={level} msg=\"request completed\" method={method} path={path} status={status} duration_ms={ms} trace_id={trace}"
        );
        self.push(ts, "api", level, line);
    }

    fn slow_request(&mut self) {
        let ms = (1000.0 + 2500.0 * self.unit() * self.s.intensity).round();
        let (ts, trace) = (self.ts(), self.trace());
        let line = format!(
            "level=warn msg=\"slow request\" method=POST path=/api/checkout duration_ms={ms} threshold_ms=1000 trace_id={trace}"
        );
        self.push(ts, "api", "warn", line);
    }

    fn payment(&mut self, level: &'static str) {
        let ts = self.ts();
        let when = chrono::DateTime::from_timestamp_nanos(ts as i64)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let order = format!("ord_{:06x}", self.below(1 << 24));
        let json = if level == "info" {
            let cents = 500 + self.below(20_000);
            let ms = 150 + self.below(250);
            format!(
                r#"{{"level":"info","ts":"{when}","logger":"payments.stripe","msg":"charge captured","order_id":"{order}","amount_cents":{cents},"currency":"EUR","latency_ms":{ms}}}"#
            )
        } else {
            let attempt = 1 + self.below(3);
            format!(
                r#"{{"level":"error","ts":"{when}","logger":"payments.stripe","msg":"payment provider timeout","provider":"stripe","timeout_ms":5000,"order_id":"{order}","attempt":{attempt}}}"#
            )
        };
        self.push(ts, "payments", level, json);
        if level == "error" {
            // The API logs the failed request at the same nanosecond.
            let trace = self.trace();
            let line = format!(
                "level=error msg=\"request failed\" method=POST path=/api/checkout status=504 duration_ms=5003 error=\"payment provider timeout\" trace_id={trace}"
            );
            self.push(ts, "api", "error", line);
        }
    }

    fn db_refused(&mut self) {
        let ts = self.ts();
        let retry = 250 * (1 + self.below(4));
        let line = format!(
            "level=error msg=\"connection refused to db-1:5432\" pool=primary error=\"dial tcp 10.0.3.12:5432: connect: connection refused\" retry_in_ms={retry}"
        );
        self.push(ts, "api", "error", line);
    }

    fn upstream_refused(&mut self) {
        let (ts, trace) = (self.ts(), self.trace());
        let host = CHECKOUT_INSTANCES[OUTAGE_INSTANCE];
        let line = format!(
            "level=error msg=\"upstream connect error\" upstream={host} error=\"connection refused\" status=503 trace_id={trace}"
        );
        self.push(ts, "api", "error", line);
    }

    fn crash(&mut self) {
        let ts = self.ts();
        let line = "panic: runtime error: invalid memory address or nil pointer dereference\n\
                    [signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x8f2c1d]\n\n\
                    goroutine 1 [running]:\n\
                    checkout/internal/cart.(*Store).Load(0x0, {0xc0001a2000, 0x24})\n\
                    \t/app/internal/cart/store.go:88 +0x1d\n\
                    main.main()\n\t/app/cmd/checkout/main.go:42 +0x2b4";
        self.push(ts, "api", "error", line.to_string());
    }

    fn pool(&mut self, timeout: bool) {
        let ts = self.ts();
        let used = self.s.db_connections;
        let waiting = 2 + self.below(14);
        if timeout {
            let line = format!(
                "ERROR [pool] primary: timeout acquiring connection after 5000 ms (waiting={waiting})"
            );
            self.push(ts, "db", "error", line);
        } else {
            let line = format!(
                "WARN  [pool] primary: {used:.0}/100 connections in use, {waiting} waiting"
            );
            self.push(ts, "db", "warn", line);
        }
    }

    fn debug(&mut self) {
        let ts = self.ts();
        let hits = 9000 + self.below(900);
        let misses = 200 + self.below(600);
        let line = format!("level=debug msg=\"cache stats\" hits={hits} misses={misses}");
        self.push(ts, "api", "debug", line);
    }

    /// A library that colours its own output.
    fn coloured(&mut self) {
        let ts = self.ts();
        let keys = 1000 + self.below(1000);
        let ms = 40 + self.below(80);
        let line = format!(
            "\u{1b}[32mINFO\u{1b}[0m \u{1b}[2m[cache-warmer]\u{1b}[0m warmed \u{1b}[1m{keys}\u{1b}[0m product keys in {ms}ms"
        );
        self.push(ts, "worker", "info", line);
    }

    fn hostile(&mut self) {
        let ts = self.ts();
        let line = format!(
            "level=warn msg=\"invalid coupon code\" path=/api/coupons code=\"{HOSTILE_CODE}\" ip=203.0.113.7"
        );
        self.push(ts, "api", "warn", line);
    }
}

/// The lines logged during unix second `sec`, oldest first.
pub fn second(sim: &Sim, sec: i64) -> Vec<DemoLog> {
    let t = sec as f64 + 0.5;
    let s = sim.at(t);
    let state = splitmix64(SEED ^ sim.epoch().to_bits() ^ splitmix64(sec as u64));
    let mut g = Gen {
        state,
        sec,
        s: &s,
        out: Vec::with_capacity(8),
    };
    let n = 2 + g.below(3);
    for _ in 0..n {
        g.request();
    }
    if sec % 2 == 0 {
        g.payment("info");
    }
    if sec.rem_euclid(10) == 3 {
        g.debug();
    }
    incident(&mut g, sim, t);
    match sec.rem_euclid(60) {
        17 => g.coloured(),
        43 => g.hostile(),
        _ => {}
    }
    let mut out = g.out;
    out.sort_by_key(|l| l.ts_ns);
    out
}

/// Extra lines of the degradation active at `t`, more as it ramps in.
fn incident(g: &mut Gen<'_>, sim: &Sim, t: f64) {
    let w = g.s.intensity;
    let count = |max: f64| (w * max).round() as usize;
    match g.s.phase {
        Phase::Normal => {}
        Phase::SlowResponses => (0..count(3.0)).for_each(|_| g.slow_request()),
        Phase::HighErrors => (0..count(3.0)).for_each(|_| g.payment("error")),
        Phase::Outage => {
            if sim.phase(t - 1.0) != Phase::Outage {
                g.crash();
            }
            (0..count(2.0)).for_each(|_| g.payment("error"));
            (0..count(3.0)).for_each(|_| g.db_refused());
            (0..count(3.0)).for_each(|_| g.upstream_refused());
        }
        Phase::DbSaturation => {
            (0..count(3.0)).for_each(|_| g.pool(false));
            (0..count(1.0)).for_each(|_| g.slow_request());
            if w > 0.5 && g.below(3) == 0 {
                g.pool(true);
            }
        }
    }
}
