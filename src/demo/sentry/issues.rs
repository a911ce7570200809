//! The simulated issues of the demo Sentry: a catalogue and the event counts over time.
//!
//! An issue's count is the integral of its event rate since its first event; the rate depends
//! only on the cycle offset of [`Sim`], so it is integrated with one-second midpoint steps aligned
//! on the stack's epoch, one cycle at a time.

use super::super::sim::{CYCLE_SECS, Phase, Sim};

pub(super) const PROJECT: &str = "checkout";
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;

/// One simulated issue: what it says and how often it happens.
pub(super) struct Kind {
    pub(super) id: &'static str,
    pub(super) short_id: &'static str,
    pub(super) title: &'static str,
    pub(super) culprit: &'static str,
    pub(super) level: &'static str,
    /// Events per second in normal operation.
    pub(super) base: f64,
    /// Extra events per second at full intensity of one of `phases`.
    pub(super) surge: f64,
    pub(super) phases: &'static [Phase],
    /// First seen this many days before the stack started; `None`: five seconds into the first
    /// Outage after it started.
    pub(super) age_days: Option<f64>,
    /// Share of events that come from distinct users.
    pub(super) user_share: f64,
}

const LONG_TITLE: &str = concat!(
    "SlowDBQuery: SELECT orders.id, orders.customer_id, orders.total_cents, orders.currency, ",
    "orders.created_at, order_items.sku, order_items.quantity, order_items.unit_price_cents, ",
    "payments.provider, payments.status, payments.authorized_at FROM orders JOIN order_items ON ",
    "order_items.order_id = orders.id LEFT JOIN payments ON payments.order_id = orders.id WHERE ",
    "orders.customer_id = %s AND orders.created_at > now() - interval '90 days' AND ",
    "orders.status IN ('pending', 'authorized', 'captured') ORDER BY orders.created_at DESC ",
    "LIMIT 50 OFFSET %s took 4.2s"
);

#[rustfmt::skip]
pub(super) const KINDS: [Kind; 9] = [
    kind(
        "4504100001", "CHECKOUT-1A",
        "PaymentProviderTimeout: upstream timed out after 30s",
        "checkout.payments.client in charge", "error", (0.02, 3.0),
        &[Phase::HighErrors, Phase::Outage], Some(2.6), 0.6,
    ),
    kind(
        "4504100002", "CHECKOUT-1B",
        "OperationalError: connection to server at \"db-1\" (10.0.3.12), port 5432 failed: FATAL: sorry, too many clients already",
        "checkout.db.pool in acquire", "error", (0.005, 2.5),
        &[Phase::DbSaturation, Phase::Outage], Some(5.1), 0.4,
    ),
    kind(
        "4504100003", "CHECKOUT-1C",
        "TypeError: Cannot read properties of undefined (reading 'total')",
        "app/checkout/summary.js in renderTotals", "error", (0.05, 0.0),
        &[], Some(9.3), 0.8,
    ),
    kind(
        "4504100004", "CHECKOUT-1D",
        "KeyError: 'currency'",
        "checkout.pricing in convert", "error", (0.01, 0.0),
        &[], Some(1.4), 0.5,
    ),
    kind(
        "4504100005", "CHECKOUT-1E",
        "WorkerCrash: worker 7 exited with SIGKILL (out of memory)",
        "gunicorn.arbiter in reap_workers", "fatal", (0.0005, 0.2),
        &[Phase::Outage], Some(0.8), 0.9,
    ),
    kind(
        "4504100006", "CHECKOUT-1F",
        LONG_TITLE,
        "checkout.orders.history in recent_orders", "warning", (0.03, 1.0),
        &[Phase::SlowResponses, Phase::DbSaturation], Some(3.2), 0.3,
    ),
    kind(
        "4504100007", "CHECKOUT-1G",
        "CardDeclined: \u{1b}[31mdeclined\u{1b}[0m by issuer (do_not_honor)",
        "checkout.payments.errors in raise_for_decline", "warning", (0.1, 0.0),
        &[], Some(12.0), 0.7,
    ),
    kind(
        "4504100008", "CHECKOUT-1H",
        "ConnectionResetError: [Errno 104] Connection reset by peer",
        "urllib3.connectionpool in urlopen", "error", (0.003, 1.0),
        &[Phase::Outage], Some(4.7), 0.5,
    ),
    kind(
        "4504100009", "CHECKOUT-1J",
        "CircuitBreakerOpen: payment-provider breaker open after 50 consecutive failures",
        "checkout.payments.breaker in call", "error", (0.002, 1.5),
        &[Phase::Outage], None, 0.6,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn kind(
    id: &'static str,
    short_id: &'static str,
    title: &'static str,
    culprit: &'static str,
    level: &'static str,
    (base, surge): (f64, f64),
    phases: &'static [Phase],
    age_days: Option<f64>,
    user_share: f64,
) -> Kind {
    Kind {
        id,
        short_id,
        title,
        culprit,
        level,
        base,
        surge,
        phases,
        age_days,
        user_share,
    }
}

/// An issue as the API shows it at one time.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DemoIssue {
    pub(super) index: usize,
    pub(super) count: u64,
    pub(super) users: u64,
    pub(super) first_seen: f64,
    pub(super) last_seen: f64,
    /// (hour start, events in that hour) for the last 24 hours.
    pub(super) stats: Vec<(i64, u64)>,
}

/// Event counting for one kind: a rate that depends only on the cycle offset, integrated with
/// one-second midpoint steps aligned on the stack's epoch.
struct Counter<'a> {
    kind: &'a Kind,
    sim: &'a Sim,
    per_cycle: f64,
    first_seen: f64,
    /// `since_epoch(first_seen)`.
    at_first: f64,
}

impl<'a> Counter<'a> {
    fn new(kind: &'a Kind, sim: &'a Sim) -> Self {
        let first_seen = match kind.age_days {
            Some(days) => sim.epoch() - days * DAY,
            None => first_outage(sim) + 5.0,
        };
        let mut c = Counter {
            kind,
            sim,
            per_cycle: 0.0,
            first_seen,
            at_first: 0.0,
        };
        c.per_cycle = c.integrate(sim.epoch(), sim.epoch() + CYCLE_SECS);
        c.at_first = c.since_epoch(first_seen);
        c
    }

    fn rate(&self, t: f64) -> f64 {
        let surging = self.kind.phases.contains(&self.sim.phase(t));
        let surge = if surging {
            self.kind.surge * self.sim.intensity(t)
        } else {
            0.0
        };
        self.kind.base + surge
    }

    /// Integral of the rate over `[from, to)`, `from` on the one-second grid of the epoch: the
    /// rate is constant within each step (its value at the step's middle).
    fn integrate(&self, from: f64, to: f64) -> f64 {
        let (mut total, mut s) = (0.0, from);
        while s < to {
            total += self.rate(s + 0.5) * (to - s).min(1.0);
            s += 1.0;
        }
        total
    }

    /// Events from the stack's epoch to `t` (negative before it).
    fn since_epoch(&self, t: f64) -> f64 {
        let cycles = ((t - self.sim.epoch()) / CYCLE_SECS).floor();
        let start = self.sim.epoch() + cycles * CYCLE_SECS;
        cycles * self.per_cycle + self.integrate(start, t)
    }

    /// Events from the first one to `t`; the first event counts as one.
    fn total(&self, t: f64) -> f64 {
        if t < self.first_seen {
            return 0.0;
        }
        1.0 + (self.since_epoch(t) - self.at_first).max(0.0)
    }

    /// When the total last crossed a whole number, at or before `t`.
    fn last_event(&self, t: f64, total: f64) -> f64 {
        let epoch = self.sim.epoch();
        let (mut need, mut end) = (total.fract(), t);
        let mut start = epoch + (t - epoch).floor();
        while need > 0.0 && end > self.first_seen {
            let rate = self.rate(start + 0.5);
            let events = rate * (end - start);
            if events >= need {
                return (end - need / rate).max(self.first_seen);
            }
            need -= events;
            end = start;
            start -= 1.0;
        }
        end.max(self.first_seen)
    }

    fn issue(&self, index: usize, t: f64) -> Option<DemoIssue> {
        let total = self.total(t);
        if total < 1.0 {
            return None;
        }
        let count = total.floor() as u64;
        let users = ((count as f64 * self.kind.user_share).ceil() as u64).max(1);
        let first_hour = ((t / HOUR).floor() - 23.0) * HOUR;
        let bounds: Vec<f64> = (0..=24)
            .map(|i| (first_hour + f64::from(i) * HOUR).min(t))
            .map(|b| self.total(b).floor())
            .collect();
        let stats = (0..24)
            .map(|i| {
                let n = bounds[i + 1] - bounds[i];
                ((first_hour + i as f64 * HOUR) as i64, n.max(0.0) as u64)
            })
            .collect();
        let last_seen = self.last_event(t, total);
        Some(DemoIssue {
            index,
            count,
            users,
            first_seen: self.first_seen,
            last_seen,
            stats,
        })
    }
}

/// Start of the first Outage at or after the stack's epoch.
fn first_outage(sim: &Sim) -> f64 {
    let mut t = sim.epoch();
    for _ in 0..16 {
        let span = sim.span(t);
        if span.phase == Phase::Outage {
            return span.start;
        }
        t = span.end;
    }
    sim.epoch()
}

/// Every issue that exists at `t`, in catalogue order.
pub(super) fn issues_at(sim: &Sim, t: f64) -> Vec<DemoIssue> {
    let issue = |(i, k)| Counter::new(k, sim).issue(i, t);
    KINDS.iter().enumerate().filter_map(issue).collect()
}
