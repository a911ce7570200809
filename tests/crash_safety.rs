//! Crash safety: the real dashboard in a real terminal (tmux), against a real Alertmanager and a
//! real Prometheus, acknowledging, taking acknowledgements back, adding notes, resolving and writing
//! post-mortems with the keys a person would press, is killed with SIGKILL at a random moment, 100
//! times over one data dir.
//!
//! What "no acknowledged incident lost" means here. An acknowledgement is *confirmed* once it is
//! recorded where oncall reads it back: for an Alertmanager alert, its silence exists in
//! Alertmanager (that is what the status bar reports as "acknowledged (silence created in
//! Alertmanager)", and what the team sees); for a local incident (a rule), the `acknowledged`
//! line is in the journal. The confirmed set is taken from Alertmanager and the journal right
//! after each kill. (The row shows ACK as soon as `a` is pressed, with "acknowledging…" in the
//! status bar; killed before Alertmanager has the silence, that acknowledgement was never
//! confirmed and comes back OPEN.) After every kill:
//! - every line of the journal reads back (a torn last line is the only thing `open` may repair,
//!   and it must: every tenth trial also cuts the last line, as a power cut would);
//! - every post-mortem file is whole (written atomically; a hidden temporary file may be left);
//! - the restarted dashboard shows every confirmed acknowledgement as `ACK alice`;
//! - what it shows agrees with the journal it replayed: each incident on screen has an open
//!   episode in the journal, acknowledged there exactly when it is acknowledged on screen, and
//!   no episode stays open in the journal for an incident that is gone.
//!
//! Alertmanager and Prometheus keep running across trials; only oncall restarts. New alerts
//! arrive every trial and old ones end while oncall is down. The seed is printed; set
//! `ONCALL_CRASH_SEED` to repeat a run's keys and kill delays (the timing of the machine still
//! varies), `ONCALL_CRASH_TRIALS` to run more or fewer trials.

#![allow(clippy::unwrap_used)]

mod common;

use oncall::incidents::from_alerts::ACK_COMMENT;
use oncall::incidents::journal::{Event, EventKind, Folded, fold, replay};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TRIALS: usize = 100;
const USER: &str = "alice";
const RULES: [&str; 3] = ["RuleDisk", "RuleQueue", "RuleCert"];

/// splitmix64: small, seedable, good enough to pick delays and keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A private tmux server with one pane that oncall is (re)started in.
struct Tmux {
    sock: String,
    bin: PathBuf,
}

impl Tmux {
    fn start() -> Tmux {
        let bin = common::require("tmux", "tmux");
        let t = Tmux {
            sock: format!("oncall-crash-{}", std::process::id()),
            bin,
        };
        t.ok(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "150",
            "-y",
            "45",
            "sleep",
            "100000",
        ]);
        t.ok(&["set-option", "-g", "remain-on-exit", "on"]);
        t.ok(&["set-option", "-g", "status", "off"]);
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("-L")
            .arg(&self.sock)
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.ok(&["capture-pane", "-p", "-t", "t"])
    }

    fn pane(&self, what: &str) -> String {
        self.ok(&["display", "-p", "-t", "t", what])
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

/// The alerts of one trial: two alertnames, P1 and P2.
fn trial_alerts(trial: usize) -> [(String, &'static str); 2] {
    [
        (format!("Xa{trial:03}"), "P1"),
        (format!("Xb{trial:03}"), "P2"),
    ]
}

/// Sends alerts to Alertmanager, firing for an hour, or ended now.
fn post_alerts(am: &common::Alertmanager, alerts: &[(String, &str)], end: bool) {
    let now = chrono::Utc::now();
    let ends = if end {
        now
    } else {
        now + chrono::Duration::hours(1)
    };
    let body: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(name, prio)| {
            serde_json::json!({
                "labels": {"alertname": name, "priority": prio, "service": "checkout"},
                "annotations": {"summary": format!("{name} is failing")},
                "startsAt": (now - chrono::Duration::minutes(1)).to_rfc3339(),
                "endsAt": ends.to_rfc3339(),
            })
        })
        .collect();
    am.post("/api/v2/alerts", &serde_json::Value::from(body));
}

/// Alertnames acknowledged by oncall's user: an active silence it created.
fn acked_in_alertmanager(am: &common::Alertmanager) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in am.get("/api/v2/silences").as_array().unwrap() {
        let ours = s["status"]["state"] == "active"
            && s["createdBy"] == USER
            && s["comment"]
                .as_str()
                .is_some_and(|c| c.starts_with(ACK_COMMENT));
        if !ours {
            continue;
        }
        for m in s["matchers"].as_array().unwrap() {
            if m["name"] == "alertname" {
                out.insert(m["value"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

/// The journal as the library reads it: events, and warnings other than a torn last line
/// (which `Journal::open` repairs). Any other warning fails the test.
fn read_journal(path: &Path, ctx: &str) -> (Vec<Event>, bool) {
    let bytes = std::fs::read(path).unwrap_or_default();
    let (events, warnings) = replay(&bytes);
    let torn = warnings.iter().any(|w| w.contains("incomplete last line"));
    let other: Vec<&String> = warnings
        .iter()
        .filter(|w| !w.contains("incomplete last line"))
        .collect();
    assert!(
        other.is_empty(),
        "{ctx}: unreadable journal lines: {other:?}"
    );
    (events, torn)
}

/// Incident id → title, from the `detected` events.
fn titles(events: &[Event]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in events {
        if let EventKind::Detected { title, .. } = &e.kind {
            out.insert(e.incident.clone(), title.clone());
        }
    }
    out
}

/// Titles acknowledged in the journal's open episodes of local incidents.
fn acked_locally(events: &[Event]) -> BTreeSet<String> {
    let names = titles(events);
    fold(events)
        .into_iter()
        .filter(|(id, f)| {
            id.starts_with("rule:")
                && f.detected_at.is_some()
                && f.resolved_at.is_none()
                && f.acked_by.is_some()
        })
        .filter_map(|(id, _)| names.get(&id).cloned())
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
enum Row {
    Open,
    Acked(String),
    Resolved,
}

/// The incident rows on screen: title → state (the state column precedes the title).
fn rows(screen: &str, known: &BTreeSet<String>) -> BTreeMap<String, Row> {
    let mut out = BTreeMap::new();
    for line in screen.lines() {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '│' || c == '▶')
            .filter(|w| !w.is_empty())
            .collect();
        let Some(at) = words.iter().position(|w| known.contains(*w)) else {
            continue;
        };
        let row = match &words[..at] {
            [.., "OPEN"] => Row::Open,
            [.., "ACK", who] => Row::Acked(who.to_string()),
            [.., "RESOLVED"] => Row::Resolved,
            _ => continue,
        };
        out.insert(words[at].to_string(), row);
    }
    out
}

struct Setup {
    data: PathBuf,
    journal: PathBuf,
    bin: String,
    cfg: PathBuf,
}

impl Setup {
    fn start(&self, tmux: &Tmux) -> u32 {
        tmux.ok(&[
            "respawn-pane",
            "-k",
            "-t",
            "t",
            "-e",
            &format!("ONCALL_DATA_DIR={}", self.data.display()),
            "-e",
            "NO_COLOR=1",
            &self.bin,
            "--config",
            self.cfg.to_str().unwrap(),
        ]);
        let pid: u32 = tmux.pane("#{pane_pid}").parse().unwrap();
        // The pane's process, once it has exec'd: oncall itself, so SIGKILL reaches it.
        let start = Instant::now();
        loop {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "oncall" {
                return pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "pane process {pid} is {comm:?}, not oncall"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits until the dashboard shows every incident expected (alerts and rules polled).
    fn wait_ready(&self, tmux: &Tmux, expect: &BTreeSet<String>) -> BTreeMap<String, Row> {
        let start = Instant::now();
        loop {
            let screen = tmux.screen();
            let r = rows(&screen, expect);
            if r.len() == expect.len() {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "the dashboard did not show {expect:?} within 15 s:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Cuts the file somewhere inside its last line (leaving part of it, without its newline).
fn cut_last_line(path: &Path, rng: &mut Rng) {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    let start = body.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    if body.len() - start < 2 {
        return;
    }
    let cut = start + 1 + rng.below((body.len() - start - 1) as u64) as usize;
    let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_len(cut as u64).unwrap();
}

fn kill(tmux: &Tmux, pid: u32) {
    let st = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill -KILL {pid}");
    let start = Instant::now();
    while tmux.pane("#{pane_dead}") != "1" {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "pid {pid} survived SIGKILL"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Post-mortem files are whole; hidden temporary files (a write cut short) are counted.
fn check_postmortems(data: &Path, ctx: &str) -> (usize, usize) {
    let (mut whole, mut temps) = (0, 0);
    let Ok(dir) = std::fs::read_dir(data.join("postmortems")) else {
        return (0, 0);
    };
    for e in dir {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.ends_with(".tmp") {
            temps += 1;
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        assert!(
            text.starts_with("# ") && text.contains("### Annotations\n") && text.ends_with('\n'),
            "{ctx}: post-mortem {name} is not whole:\n{text}"
        );
        whole += 1;
    }
    (whole, temps)
}

/// After a restart: confirmed acknowledgements are still shown, and the screen agrees with the
/// journal. The journal is read again for a while: the restarted dashboard may still be writing
/// what it found on start.
fn check_restart(
    setup: &Setup,
    screen: &BTreeMap<String, Row>,
    confirmed: &BTreeSet<String>,
    ctx: &str,
) {
    for title in confirmed {
        if let Some(row) = screen.get(title) {
            assert_eq!(
                row,
                &Row::Acked(USER.into()),
                "{ctx}: {title} was acknowledged before the kill (confirmed) but after the restart \
                 it shows {row:?}; screen: {screen:?}"
            );
        }
    }
    let start = Instant::now();
    loop {
        let (events, torn) = read_journal(&setup.journal, ctx);
        let mut problems = disagreements(&events, screen);
        if torn {
            problems.push("the torn last line was not repaired on start".into());
        }
        if problems.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{ctx}: the restarted dashboard and its journal disagree:\n  {}\nscreen: {screen:?}",
            problems.join("\n  ")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn disagreements(events: &[Event], screen: &BTreeMap<String, Row>) -> Vec<String> {
    let names = titles(events);
    let folded = fold(events);
    let open: BTreeMap<&str, &Folded> = folded
        .iter()
        .filter(|(_, f)| f.detected_at.is_some() && f.resolved_at.is_none())
        .filter_map(|(id, f)| names.get(id).map(|t| (t.as_str(), f)))
        .collect();
    let mut out = Vec::new();
    for (title, row) in screen {
        let Some(f) = open.get(title.as_str()) else {
            out.push(format!(
                "{title} is on screen ({row:?}) without an open episode"
            ));
            continue;
        };
        match row {
            Row::Acked(who) if f.acked_by.as_deref() != Some(who) => out.push(format!(
                "{title} shows ACK {who}, the journal says acked by {:?}",
                f.acked_by
            )),
            Row::Open if f.acked_by.is_some() => out.push(format!(
                "{title} shows OPEN, the journal says acked by {:?}",
                f.acked_by
            )),
            Row::Resolved => out.push(format!("{title} shows RESOLVED right after start")),
            _ => {}
        }
    }
    for title in open.keys() {
        if !screen.contains_key(*title) {
            out.push(format!(
                "{title} is open in the journal but gone from the dashboard"
            ));
        }
    }
    out
}

/// One person-like action, as keys: pick the incident with the palette (`:` and its name), then
/// act on it.
fn keys_for(
    rng: &mut Rng,
    trial: usize,
    k: usize,
    targets: &[String],
) -> (Vec<String>, &'static str) {
    let title = &targets[rng.below(targets.len() as u64) as usize];
    let mut argv: Vec<String> = ["send-keys", "-t", "t", "-l", &format!(":{title}")]
        .iter()
        .map(|s| s.to_string())
        .collect();
    argv.extend([";", "send-keys", "-t", "t", "Enter"].map(String::from));
    let what = match rng.below(12) {
        0..=3 => {
            argv.push("a".into());
            "ack"
        }
        4..=5 => {
            argv.push("u".into());
            "unack"
        }
        6..=7 => {
            argv.push("n".into());
            argv.extend([";", "send-keys", "-t", "t", "-l"].map(String::from));
            argv.push(format!("note-{trial}-{k} checked the pods"));
            argv.extend([";", "send-keys", "-t", "t", "Enter"].map(String::from));
            "note"
        }
        8..=10 => {
            argv.push("R".into());
            "resolve"
        }
        _ => {
            argv.push("p".into());
            "postmortem"
        }
    };
    (argv, what)
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledgement_and_no_file() {
    let started = Instant::now();
    let seed = std::env::var("ONCALL_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("crash_safety seed {seed} (ONCALL_CRASH_SEED={seed} repeats its keys and delays)");
    let mut rng = Rng(seed);
    let trials = std::env::var("ONCALL_CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(TRIALS);

    let dir = tempfile::tempdir().unwrap();
    let am = common::Alertmanager::start(dir.path());
    let prom_dir = dir.path().join("prom");
    std::fs::create_dir_all(&prom_dir).unwrap();
    let prom = common::Prometheus::start(&prom_dir, common::free_port(), None);
    let tmux = Tmux::start();

    let mut cfg = format!(
        r#"
[general]
user = "{USER}"
timezone = "UTC"
refresh = "1m"

[sources.am]
kind = "alertmanager"
url = "{}"

[sources.prom]
kind = "prometheus"
url = "{}"

[notify]
desktop = "off"
terminal = "off"

[[pages]]
title = "Crash"
  [[pages.panels]]
  title = "Incidents"
  kind = "incidents"
  width = 24
  height = 40
"#,
        am.url(),
        prom.url()
    );
    for name in RULES {
        cfg.push_str(&format!(
            "\n[[rules]]\nname = \"{name}\"\nsource = \"prom\"\nquery = 'vector(1)'\nabove = 0.5\n\
             for = \"0s\"\nseverity = \"P3\"\nsummary = \"{name} at {{{{value}}}}\"\n"
        ));
    }
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(&cfg_path, cfg).unwrap();
    let setup = Setup {
        data: dir.path().join("data"),
        journal: dir.path().join("data/journal.jsonl"),
        bin: env!("CARGO_BIN_EXE_oncall").to_string(),
        cfg: cfg_path,
    };

    let mut confirmed: BTreeSet<String> = BTreeSet::new();
    let mut stats: BTreeMap<&str, usize> = BTreeMap::new();
    let mut torn_tails = 0;
    let mut killed_mid_script = 0;
    for trial in 1..=trials + 1 {
        let ctx = format!("seed {seed}, trial {trial}");
        // While oncall is down: this trial's alerts start, those of three trials ago end.
        post_alerts(&am, &trial_alerts(trial), false);
        if trial > 3 {
            post_alerts(&am, &trial_alerts(trial - 3), true);
        }
        let mut expect: BTreeSet<String> = RULES.iter().map(|s| s.to_string()).collect();
        for t in trial.saturating_sub(2).max(1)..=trial {
            expect.extend(trial_alerts(t).into_iter().map(|(n, _)| n));
        }

        let at_restart = read_journal(&setup.journal, &ctx).0.len();
        let pid = setup.start(&tmux);
        let screen = setup.wait_ready(&tmux, &expect);
        check_restart(&setup, &screen, &confirmed, &ctx);
        if trial > trials {
            kill(&tmux, pid);
            break;
        }

        // A burst of actions, a few milliseconds apart, and a SIGKILL somewhere inside it.
        let targets: Vec<String> = expect.iter().cloned().collect();
        let (so_far, _) = read_journal(&setup.journal, &ctx);
        for e in &so_far[at_restart.min(so_far.len())..] {
            let kind = match &e.kind {
                EventKind::Acknowledged { .. } => "ack journaled on restart",
                EventKind::Unacknowledged { .. } => "unack journaled on restart",
                EventKind::Resolved { by: None } => "resolve journaled on restart",
                _ => continue,
            };
            *stats.entry(kind).or_default() += 1;
        }
        let before = so_far.len();
        let n_ops = 3 + rng.below(5) as usize;
        let gaps: Vec<u64> = (0..n_ops).map(|_| rng.below(25)).collect();
        let span: u64 = gaps.iter().sum::<u64>() + 25;
        let kill_at = Duration::from_millis(rng.below(span));
        let ops: Vec<_> = (0..n_ops)
            .map(|k| keys_for(&mut rng, trial, k, &targets))
            .collect();
        let t0 = Instant::now();
        let mut sent = 0;
        for ((argv, what), gap) in ops.iter().zip(&gaps) {
            if t0.elapsed() >= kill_at {
                break;
            }
            let args: Vec<&str> = argv.iter().map(String::as_str).collect();
            let _ = tmux.run(&args);
            *stats.entry(what).or_default() += 1;
            sent += 1;
            std::thread::sleep(Duration::from_millis(*gap));
        }
        if let Some(rest) = kill_at.checked_sub(t0.elapsed()) {
            std::thread::sleep(rest);
        }
        kill(&tmux, pid);
        if sent > 0 && sent < n_ops {
            killed_mid_script += 1;
        }

        // SIGKILL cannot tear a line (each is one write), a power cut can: every tenth trial
        // cuts the journal inside its last line, as one would.
        if trial % 10 == 0 {
            cut_last_line(&setup.journal, &mut rng);
        }
        let (events, torn) = read_journal(&setup.journal, &ctx);
        torn_tails += usize::from(torn);
        for e in &events[before.min(events.len())..] {
            let kind = match &e.kind {
                EventKind::Acknowledged { .. } => "journaled ack",
                EventKind::Unacknowledged { .. } => "journaled unack",
                EventKind::Note { .. } => "journaled note",
                EventKind::Resolved { by: Some(_) } => "journaled resolve",
                _ => continue,
            };
            *stats.entry(kind).or_default() += 1;
        }
        check_postmortems(&setup.data, &ctx);
        let in_am = acked_in_alertmanager(&am);
        let local = acked_locally(&events);
        *stats.entry("confirmed in alertmanager").or_default() +=
            in_am.difference(&confirmed).count();
        *stats.entry("confirmed in journal").or_default() += local.difference(&confirmed).count();
        confirmed = in_am.union(&local).cloned().collect();
    }
    let (whole, temps) = check_postmortems(&setup.data, "end");
    println!(
        "{trials} trials in {:?}: {killed_mid_script} killed in the middle of a burst, {torn_tails} \
         torn journal tails (power cuts) repaired, {whole} post-mortems whole, {temps} temporary files left; {stats:?}",
        started.elapsed()
    );
    for what in [
        "confirmed in alertmanager",
        "confirmed in journal",
        "journaled note",
        "journaled unack",
        "journaled resolve",
    ] {
        assert!(
            stats.get(what).copied().unwrap_or(0) > 0,
            "seed {seed}: no {what} in {trials} trials: the test is not exercising it ({stats:?})"
        );
    }
    assert!(
        killed_mid_script > trials / 4,
        "seed {seed}: only {killed_mid_script} kills landed inside a burst"
    );
    drop(prom);
}
