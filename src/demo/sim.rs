//! Deterministic simulation of the "checkout" web service behind the demo stack.
//!
//! Every quantity is a pure function of the unix time `t` (seconds) and a seed: a range query over
//! the past agrees with later instant queries. Noise is smooth value noise built from a hash of
//! (quantity, time knot), so no random number generator or state is involved.
//!
//! A scripted cycle of [`CYCLE_SECS`] seconds, counted from the stack's start time (`epoch`), plays
//! the degradations an on-call engineer should recognise. Times before the epoch repeat the cycle.

use std::f64::consts::TAU;

/// Length of one scripted cycle, in seconds.
pub const CYCLE_SECS: f64 = 360.0;
/// `instance` labels of the three checkout replicas.
pub const CHECKOUT_INSTANCES: [&str; 3] = ["checkout-1:8080", "checkout-2:8080", "checkout-3:8080"];
/// Index in [`CHECKOUT_INSTANCES`] of the replica that goes down during [`Phase::Outage`].
pub const OUTAGE_INSTANCE: usize = 1;
/// `max_connections` of the simulated Postgres.
pub const DB_MAX_CONNECTIONS: f64 = 100.0;
const DEFAULT_SEED: u64 = 0x0C0F_FEE0_5EED_2024;

/// The scripted degradation active at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Normal,
    SlowResponses,
    HighErrors,
    Outage,
    DbSaturation,
}

impl Phase {
    /// A short stable identifier, usable as a label value.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Normal => "normal",
            Phase::SlowResponses => "slow_responses",
            Phase::HighErrors => "high_errors",
            Phase::Outage => "outage",
            Phase::DbSaturation => "db_saturation",
        }
    }
}

/// One segment of the cycle: phase, start and end offsets in the cycle, ramp length (seconds).
/// Degradations ramp in over the first `ramp` seconds and out over the last `ramp` seconds.
const SCHEDULE: [(Phase, f64, f64, f64); 8] = [
    (Phase::Normal, 0.0, 40.0, 0.0),
    (Phase::SlowResponses, 40.0, 110.0, 15.0),
    (Phase::Normal, 110.0, 150.0, 0.0),
    (Phase::HighErrors, 150.0, 210.0, 15.0),
    (Phase::Outage, 210.0, 250.0, 10.0),
    (Phase::Normal, 250.0, 275.0, 0.0),
    (Phase::DbSaturation, 275.0, 345.0, 15.0),
    (Phase::Normal, 345.0, CYCLE_SECS, 0.0),
];

/// A phase occurrence in absolute unix seconds (useful for alert `activeAt` and the like).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    pub phase: Phase,
    pub start: f64,
    pub end: f64,
}

/// Every raw quantity of the simulated system at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub t: f64,
    pub phase: Phase,
    /// How far the current degradation has ramped in, 0 (normal) to 1 (full).
    pub intensity: f64,
    /// Requests per second, all replicas.
    pub request_rate: f64,
    /// Failed requests per second, all replicas.
    pub error_rate: f64,
    /// `error_rate / request_rate`.
    pub error_ratio: f64,
    /// Latency quantiles in seconds.
    pub latency_p50: f64,
    pub latency_p95: f64,
    pub latency_p99: f64,
    pub active_sessions: f64,
    /// `up` of each entry of [`CHECKOUT_INSTANCES`].
    pub checkout_up: [bool; 3],
    pub db_up: bool,
    pub prometheus_up: bool,
    pub db_connections: f64,
    pub db_max_connections: f64,
    /// Committed transactions per second.
    pub db_xact_rate: f64,
    pub db_slow_queries: f64,
    /// `avg_over_time(up[30d])` of each checkout replica.
    pub checkout_availability_30d: [f64; 3],
}

/// Full-intensity targets of a degradation, relative to normal behaviour.
struct Effect {
    rate: f64,
    error_ratio: f64,
    latency: [f64; 3],
    sessions: f64,
    db_connections: f64,
    xact: f64,
    slow_queries: f64,
}

const NORMAL: Effect = Effect {
    rate: 1.0,
    error_ratio: 0.002,
    latency: [1.0, 1.0, 1.0],
    sessions: 1.0,
    db_connections: 40.0,
    xact: 1.0,
    slow_queries: 1.0,
};

fn effect(phase: Phase) -> Effect {
    match phase {
        Phase::Normal => NORMAL,
        Phase::SlowResponses => Effect {
            error_ratio: 0.004,
            latency: [1.9, 2.45, 2.3],
            db_connections: 48.0,
            slow_queries: 3.0,
            ..NORMAL
        },
        Phase::HighErrors => Effect {
            error_ratio: 0.03,
            latency: [1.05, 1.1, 1.15],
            ..NORMAL
        },
        Phase::Outage => Effect {
            rate: 0.68,
            error_ratio: 0.15,
            latency: [1.3, 1.6, 2.0],
            sessions: 0.8,
            db_connections: 30.0,
            xact: 0.68,
            ..NORMAL
        },
        Phase::DbSaturation => Effect {
            error_ratio: 0.008,
            latency: [1.6, 1.9, 2.2],
            db_connections: 95.0,
            xact: 0.75,
            slow_queries: 28.0,
            ..NORMAL
        },
    }
}

/// Identifies the noise stream of each quantity.
#[derive(Clone, Copy)]
enum Key {
    Rate = 1,
    ErrorRatio,
    P50,
    P95,
    P99,
    Sessions,
    DbConnections,
    Xact,
    SlowQueries,
    Availability,
}

/// The simulation: a start time and a seed. Cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sim {
    epoch: f64,
    seed: u64,
}

impl Sim {
    /// A simulation whose cycle starts at `epoch` (unix seconds).
    pub fn new(epoch: f64) -> Self {
        Self::with_seed(epoch, DEFAULT_SEED)
    }

    pub fn with_seed(epoch: f64, seed: u64) -> Self {
        Self { epoch, seed }
    }

    pub fn epoch(&self) -> f64 {
        self.epoch
    }

    /// The schedule segment containing `t`, in absolute time.
    pub fn span(&self, t: f64) -> Span {
        let offset = (t - self.epoch).rem_euclid(CYCLE_SECS);
        let cycle_start = t - offset;
        let (phase, start, end, _) = segment(offset);
        Span {
            phase,
            start: cycle_start + start,
            end: cycle_start + end,
        }
    }

    pub fn phase(&self, t: f64) -> Phase {
        self.span(t).phase
    }

    /// How far the active degradation has ramped in at `t` (0 when normal, 1 at full strength).
    pub fn intensity(&self, t: f64) -> f64 {
        let offset = (t - self.epoch).rem_euclid(CYCLE_SECS);
        let (phase, start, end, ramp) = segment(offset);
        if phase == Phase::Normal || ramp <= 0.0 {
            return if phase == Phase::Normal { 0.0 } else { 1.0 };
        }
        let edge = (offset - start).min(end - offset) / ramp;
        smoothstep(edge.clamp(0.0, 1.0))
    }

    /// All quantities at `t` (unix seconds).
    pub fn at(&self, t: f64) -> Sample {
        let phase = self.phase(t);
        let w = self.intensity(t);
        let fx = effect(phase);
        let mix = |normal: f64, degraded: f64| normal + (degraded - normal) * w;
        let daily = 1.0 + 0.1 * (TAU * t / 86_400.0).sin();

        let request_rate =
            850.0 * daily * mix(1.0, fx.rate) * (1.0 + 0.04 * self.noise(Key::Rate, t));
        let error_ratio =
            mix(NORMAL.error_ratio, fx.error_ratio) * (1.0 + 0.2 * self.noise(Key::ErrorRatio, t));
        let latency = |base: f64, i: usize, key: Key| {
            base * mix(1.0, fx.latency[i]) * (1.0 + 0.05 * self.noise(key, t))
        };
        let db_noise = mix(3.0, 2.0) * self.noise(Key::DbConnections, t);
        let db_connections = (mix(NORMAL.db_connections, fx.db_connections) + db_noise)
            .clamp(0.0, DB_MAX_CONNECTIONS);
        let slow_queries = mix(NORMAL.slow_queries, fx.slow_queries)
            * (1.0 + 0.15 * self.noise(Key::SlowQueries, t))
            + 0.9 * self.noise(Key::SlowQueries, t + 0.5);

        let mut checkout_up = [true; 3];
        if phase == Phase::Outage && w >= 0.5 {
            checkout_up[OUTAGE_INSTANCE] = false;
        }
        Sample {
            t,
            phase,
            intensity: w,
            request_rate,
            error_rate: request_rate * error_ratio,
            error_ratio,
            latency_p50: latency(0.045, 0, Key::P50),
            latency_p95: latency(0.120, 1, Key::P95),
            latency_p99: latency(0.280, 2, Key::P99),
            active_sessions: (1200.0
                * daily
                * mix(1.0, fx.sessions)
                * (1.0 + 0.03 * self.noise(Key::Sessions, t)))
            .round(),
            checkout_up,
            db_up: true,
            prometheus_up: true,
            db_connections: db_connections.round(),
            db_max_connections: DB_MAX_CONNECTIONS,
            db_xact_rate: 300.0
                * daily
                * mix(1.0, fx.xact)
                * (1.0 + 0.05 * self.noise(Key::Xact, t)),
            db_slow_queries: slow_queries.round().max(0.0),
            checkout_availability_30d: self.availability(t),
        }
    }

    /// Slowly drifting 30-day availability per replica, averaging about 0.9993.
    fn availability(&self, t: f64) -> [f64; 3] {
        let base = [0.9991, 0.9993, 0.9995];
        let mut out = base;
        for (i, value) in out.iter_mut().enumerate() {
            let drift = value_noise(
                self.seed ^ (i as u64 + 1),
                Key::Availability as u64,
                t,
                3600.0,
            );
            *value += 0.00005 * drift;
        }
        out
    }

    /// Smooth noise in [-1, 1]: a slow and a fast octave of value noise.
    fn noise(&self, key: Key, t: f64) -> f64 {
        let key = key as u64;
        0.7 * value_noise(self.seed, key, t, 10.0)
            + 0.3 * value_noise(self.seed, key ^ 0xFF, t, 2.0)
    }
}

fn segment(offset: f64) -> (Phase, f64, f64, f64) {
    SCHEDULE
        .iter()
        .copied()
        .find(|&(_, start, end, _)| offset >= start && offset < end)
        .unwrap_or(SCHEDULE[0])
}

fn smoothstep(x: f64) -> f64 {
    x * x * (3.0 - 2.0 * x)
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of (seed, key, knot) mapped to [-1, 1].
fn knot(seed: u64, key: u64, k: i64) -> f64 {
    let h = splitmix64(seed ^ splitmix64(key) ^ splitmix64(k as u64 ^ 0xA5A5_A5A5));
    (h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

/// Value noise: hashed knots every `period` seconds, smoothly interpolated.
fn value_noise(seed: u64, key: u64, t: f64, period: f64) -> f64 {
    let x = t / period;
    let k = x.floor();
    let a = knot(seed, key, k as i64);
    let b = knot(seed, key, k as i64 + 1);
    a + (b - a) * smoothstep(x - k)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPOCH: f64 = 1_795_808_000.0;

    fn sim() -> Sim {
        Sim::new(EPOCH)
    }

    /// Samples every 0.5 s over the given cycle offsets, for a few cycles before and after the epoch.
    fn samples(from: f64, to: f64) -> Vec<Sample> {
        let mut out = Vec::new();
        for cycle in [-3.0, 0.0, 1.0, 7.0] {
            let mut off = from;
            while off < to {
                out.push(sim().at(EPOCH + cycle * CYCLE_SECS + off));
                off += 0.5;
            }
        }
        out
    }

    #[test]
    fn schedule_is_contiguous_and_covers_the_cycle() {
        assert_eq!(SCHEDULE[0].1, 0.0);
        assert_eq!(SCHEDULE[SCHEDULE.len() - 1].2, CYCLE_SECS);
        for pair in SCHEDULE.windows(2) {
            assert_eq!(pair[0].2, pair[1].1);
        }
    }

    #[test]
    fn same_time_gives_same_sample() {
        for t in [EPOCH - 1234.5, EPOCH, EPOCH + 77.25, EPOCH + 9999.0] {
            assert_eq!(sim().at(t), Sim::new(EPOCH).at(t));
        }
        assert_ne!(
            sim().at(EPOCH + 5.0),
            Sim::with_seed(EPOCH, 7).at(EPOCH + 5.0)
        );
    }

    #[test]
    fn normal_values_are_in_range() {
        for s in samples(0.0, 40.0).iter().chain(&samples(115.0, 150.0)) {
            assert_eq!(s.phase, Phase::Normal);
            assert!((650.0..1050.0).contains(&s.request_rate), "{s:?}");
            assert!((0.001..0.003).contains(&s.error_ratio), "{s:?}");
            assert!((0.035..0.055).contains(&s.latency_p50), "{s:?}");
            assert!((0.100..0.140).contains(&s.latency_p95), "{s:?}");
            assert!((0.240..0.320).contains(&s.latency_p99), "{s:?}");
            assert!((950.0..1450.0).contains(&s.active_sessions), "{s:?}");
            assert!((35.0..=45.0).contains(&s.db_connections), "{s:?}");
            assert!((230.0..370.0).contains(&s.db_xact_rate), "{s:?}");
            assert!((0.0..=2.0).contains(&s.db_slow_queries), "{s:?}");
            assert_eq!(s.checkout_up, [true; 3]);
            assert!(s.db_up && s.prometheus_up);
        }
    }

    #[test]
    fn slow_responses_plateau() {
        for s in samples(60.0, 95.0) {
            assert_eq!(s.phase, Phase::SlowResponses);
            assert!((0.2..0.32).contains(&s.latency_p95), "{s:?}");
            assert!(s.latency_p99 > 0.5, "{s:?}");
        }
    }

    #[test]
    fn high_errors_plateau() {
        for s in samples(165.0, 195.0) {
            assert_eq!(s.phase, Phase::HighErrors);
            assert!((0.02..0.04).contains(&s.error_ratio), "{s:?}");
            assert!((s.error_rate - s.request_rate * s.error_ratio).abs() < 1e-9);
        }
    }

    #[test]
    fn outage_takes_one_replica_down() {
        let down: Vec<Sample> = samples(210.0, 250.0)
            .into_iter()
            .filter(|s| !s.checkout_up[OUTAGE_INSTANCE])
            .collect();
        // About 30 s of each 40 s outage segment, sampled every 0.5 s, over 4 cycles.
        assert!((220..=260).contains(&down.len()), "{}", down.len());
        for s in samples(218.0, 242.0) {
            assert_eq!(s.phase, Phase::Outage);
            assert_eq!(s.checkout_up.iter().filter(|up| **up).count(), 2);
            assert!((0.11..0.19).contains(&s.error_ratio), "{s:?}");
            assert!(s.request_rate < 720.0, "{s:?}");
        }
    }

    #[test]
    fn db_saturation_plateau() {
        for s in samples(292.0, 328.0) {
            assert_eq!(s.phase, Phase::DbSaturation);
            assert!((90.0..=100.0).contains(&s.db_connections), "{s:?}");
            assert!(s.db_slow_queries > 10.0, "{s:?}");
        }
    }

    #[test]
    fn degradation_starts_within_a_minute_of_start() {
        let first_slow = (0..120)
            .map(|i| EPOCH + f64::from(i) * 0.5)
            .find(|&t| sim().at(t).latency_p95 > 0.2);
        let t = first_slow.map(|t| t - EPOCH);
        assert!(t.is_some_and(|t| (40.0..=60.0).contains(&t)), "{t:?}");
        assert_eq!(sim().phase(EPOCH + 39.9), Phase::Normal);
        assert_eq!(sim().phase(EPOCH + 40.0), Phase::SlowResponses);
    }

    #[test]
    fn transitions_ramp_instead_of_jumping() {
        let mut prev = sim().at(EPOCH);
        for i in 1..(CYCLE_SECS as i32 * 2) {
            let s = sim().at(EPOCH + f64::from(i) * 0.5);
            assert!((s.latency_p95 - prev.latency_p95).abs() < 0.015, "{s:?}");
            assert!((s.error_ratio - prev.error_ratio).abs() < 0.02, "{s:?}");
            assert!(
                (s.db_connections - prev.db_connections).abs() <= 5.0,
                "{s:?}"
            );
            prev = s;
        }
    }

    #[test]
    fn span_is_absolute_and_periodic() {
        let span = sim().span(EPOCH + CYCLE_SECS * 2.0 + 100.0);
        assert_eq!(span.phase, Phase::SlowResponses);
        assert_eq!(span.start, EPOCH + CYCLE_SECS * 2.0 + 40.0);
        assert_eq!(span.end, EPOCH + CYCLE_SECS * 2.0 + 110.0);
        assert_eq!(sim().phase(EPOCH - CYCLE_SECS + 220.0), Phase::Outage);
        assert_eq!(sim().intensity(EPOCH + 10.0), 0.0);
    }

    #[test]
    fn availability_is_about_three_nines() {
        for t in [EPOCH, EPOCH + 5000.0, EPOCH - 86_400.0] {
            let a = sim().at(t).checkout_availability_30d;
            let mean = a.iter().sum::<f64>() / 3.0;
            assert!((0.9992..0.9994).contains(&mean), "{a:?}");
        }
    }
}
