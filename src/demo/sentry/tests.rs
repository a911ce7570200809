use super::*;
use crate::config::{SourceConfig, SourceKind};
use crate::demo::sim::Phase;
use crate::demo::sim::Sim;
use crate::sources::sentry::{Sentry, Sort, parse_issues, parse_link_header};

const EPOCH: f64 = 1_795_808_000.0;

fn sim() -> Sim {
    Sim::new(EPOCH)
}

fn by_short_id(t: f64, short_id: &str) -> Option<DemoIssue> {
    issues_at(&sim(), t)
        .into_iter()
        .find(|i| KINDS[i.index].short_id == short_id)
}

fn count(t: f64, short_id: &str) -> u64 {
    by_short_id(t, short_id).map_or(0, |i| i.count)
}

/// Events of an issue over `[from, to)` cycle offsets, in cycle `cycle`.
fn growth(short_id: &str, cycle: f64, from: f64, to: f64) -> u64 {
    let at = |off: f64| EPOCH + cycle * 360.0 + off;
    count(at(to), short_id) - count(at(from), short_id)
}

#[test]
fn same_time_same_answer() {
    for t in [EPOCH - 5000.5, EPOCH, EPOCH + 216.0, EPOCH + 86_400.25] {
        let a: Vec<Value> = issues_at(&sim(), t).iter().map(issue_json).collect();
        let b: Vec<Value> = issues_at(&Sim::new(EPOCH), t)
            .iter()
            .map(issue_json)
            .collect();
        assert_eq!(a, b);
    }
}

#[test]
fn counts_users_and_last_seen_never_go_back() {
    let mut prev = issues_at(&sim(), EPOCH - 30.0);
    for i in 1..500 {
        let t = EPOCH - 30.0 + f64::from(i) * 0.9;
        let now = issues_at(&sim(), t);
        for issue in &now {
            let Some(p) = prev.iter().find(|p| p.index == issue.index) else {
                continue;
            };
            assert!(issue.count >= p.count, "{t}: {issue:?} after {p:?}");
            assert!(issue.users >= p.users && issue.users <= issue.count.max(1));
            assert!(issue.last_seen >= p.last_seen - 1e-6 && issue.last_seen <= t);
            assert!(issue.first_seen <= issue.last_seen);
        }
        prev = now;
    }
}

#[test]
fn surges_follow_the_phases() {
    for cycle in [-2.0, 0.0, 3.0] {
        assert_eq!(
            sim().phase(EPOCH + cycle * 360.0 + 170.0),
            Phase::HighErrors
        );
        let normal = growth("CHECKOUT-1A", cycle, 115.0, 145.0);
        let errors = growth("CHECKOUT-1A", cycle, 165.0, 195.0);
        let outage = growth("CHECKOUT-1A", cycle, 215.0, 245.0);
        assert!(
            normal <= 3 && errors > 60 && outage > 60,
            "{normal} {errors} {outage}"
        );
        let normal = growth("CHECKOUT-1B", cycle, 0.0, 30.0);
        let saturated = growth("CHECKOUT-1B", cycle, 292.0, 322.0);
        let errors = growth("CHECKOUT-1B", cycle, 165.0, 195.0);
        assert!(
            normal <= 2 && errors <= 2 && saturated > 50,
            "{normal} {saturated}"
        );
        let steady = growth("CHECKOUT-1C", cycle, 165.0, 195.0);
        assert!((1..=3).contains(&steady), "{steady}");
    }
}

#[test]
fn a_new_issue_appears_in_the_first_outage() {
    let first_outage = EPOCH + 210.0;
    assert_eq!(sim().phase(first_outage), Phase::Outage);
    assert_eq!(sim().phase(EPOCH - 150.0), Phase::Outage);
    for t in [EPOCH - 150.0, EPOCH, first_outage + 4.9] {
        assert!(by_short_id(t, "CHECKOUT-1J").is_none(), "{t}");
        assert_eq!(issues_at(&sim(), t).len(), KINDS.len() - 1);
    }
    let new = by_short_id(first_outage + 30.0, "CHECKOUT-1J").expect("new issue");
    assert_eq!(new.first_seen, first_outage + 5.0);
    assert!(new.count > 10, "{new:?}");
    assert_eq!(issue_json(&new)["substatus"], "new");
    assert!(by_short_id(EPOCH + 3600.0, "CHECKOUT-1J").is_some());
}

#[test]
fn stats_are_24_hourly_buckets() {
    let t = EPOCH + 1234.0;
    for issue in issues_at(&sim(), t) {
        assert_eq!(issue.stats.len(), 24);
        let last = issue.stats[23].0;
        assert_eq!(last % 3600, 0);
        assert!(last as f64 <= t && t < last as f64 + 3600.0);
        assert!(issue.stats.windows(2).all(|w| w[1].0 - w[0].0 == 3600));
        let sum: u64 = issue.stats.iter().map(|s| s.1).sum();
        assert!(sum <= issue.count, "{issue:?}");
    }
    let payments = by_short_id(t, "CHECKOUT-1A").expect("payments");
    assert!(payments.stats[23].1 > 100, "{:?}", payments.stats);
}

#[test]
fn the_json_parses_as_an_issue_list() {
    let list: Vec<Value> = issues_at(&sim(), EPOCH + 300.0)
        .iter()
        .map(issue_json)
        .collect();
    let body = serde_json::to_vec(&list).expect("json");
    let issues = parse_issues(200, Some("application/json"), &body).expect("issues");
    assert_eq!(issues.len(), KINDS.len());
    assert!(issues.iter().any(|i| i.title.contains('\u{1b}')));
    assert!(issues.iter().any(|i| i.title.chars().count() > 500));
    let levels: Vec<&str> = issues.iter().map(|i| i.level.as_str()).collect();
    assert!(
        ["error", "fatal", "warning"]
            .iter()
            .all(|l| levels.contains(l))
    );
    let first = &issues[0];
    assert_eq!(
        first.permalink.as_deref(),
        Some(&*format!("{PERMALINK}{}/", first.id))
    );
    assert_eq!(first.project.as_deref(), Some("checkout"));
}

#[test]
fn loose_queries() {
    let kept = |q: &str| KINDS.iter().filter(|k| matches(k, q)).count();
    assert_eq!(kept("is:unresolved"), KINDS.len());
    assert_eq!(kept(""), KINDS.len());
    assert_eq!(kept("is:resolved"), 0);
    assert_eq!(kept("level:fatal"), 1);
    assert_eq!(kept("is:unresolved payment"), 4);
    assert_eq!(kept("TIMEOUT"), 1);
}

async fn client(url: &str, projects: &[&str]) -> Sentry {
    let mut cfg = SourceConfig::new(SourceKind::Sentry, url);
    cfg.org = Some(ORG.into());
    cfg.projects = projects.iter().map(|p| p.to_string()).collect();
    Sentry::new(&cfg).expect("client")
}

#[tokio::test]
async fn round_trip_with_pagination() {
    let stack = DemoStack::start(([127, 0, 0, 1], 0).into())
        .await
        .expect("demo");
    let url = stack.sentry_url();
    let sentry = client(&url, &[PROJECT]).await.with_page_size(3);
    let all = sentry.issues(Sort::Freq, 10).await.expect("issues");
    assert_eq!(all.len(), KINDS.len() - 1, "{all:?}");
    assert!(all.windows(2).all(|w| w[0].count >= w[1].count));
    let capped = sentry.issues(Sort::Freq, 2).await.expect("issues");
    assert_eq!(capped.len(), 6);
    let org = client(&url, &[]).await.with_page_size(5);
    assert_eq!(
        org.issues(Sort::Date, 10).await.expect("org").len(),
        all.len()
    );
    org.probe().await.expect("probe");

    let page = format!("{url}/api/0/organizations/acme/issues/?query=is%3Aunresolved&limit=3");
    let resp = reqwest::get(&page).await.expect("get");
    let link = resp.headers()[header::LINK]
        .to_str()
        .expect("link")
        .to_string();
    let links = parse_link_header(&link);
    assert_eq!(links.next_cursor(), Some("0:3:0"));
    assert!(
        links
            .next
            .expect("next")
            .url
            .starts_with(&format!("{url}/api/0/"))
    );
    assert!(!links.previous.expect("previous").results);
    let missing = client(&url, &["billing"]).await.issues(Sort::Date, 1).await;
    assert!(missing.is_err(), "{missing:?}");
}
