//! The `:` command palette: fuzzy matching, ranking, what it lists, what choosing does, and how
//! it looks.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use oncall::action::Action;
use oncall::config::{Config, PanelKind};
use oncall::incidents::{Incident, IncidentState, Severity};
use oncall::palette::{self, Command, Entry, Palette, Target, filter, fuzzy};
use oncall::snapshot::to_text;
use oncall::state::{Page, State};
use oncall::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 3, 12, 0).unwrap()
}

fn incident(id: &str, title: &str, severity: Severity, state: IncidentState) -> Incident {
    Incident {
        state,
        ..Incident::open(id, title, severity, "am", t0())
    }
}

/// The built-in board with two incidents in the list.
fn demo_state() -> State {
    let cfg = Config::demo("http://127.0.0.1:1", &[]);
    let mut s = State::new(&cfg, t0());
    s.timezone = Some(oncall::tz::Tz::utc());
    let second = Page {
        title: "Logs & errors".into(),
        panels: (0..s.panels.len()).rev().take(3).collect(),
    };
    s.pages.push(second);
    s.incidents.list = vec![
        incident("am:1", "HighErrorRate", Severity::P1, IncidentState::Open),
        incident(
            "am:2",
            "DiskFull",
            Severity::P3,
            IncidentState::Acknowledged,
        ),
    ];
    s
}

fn entry(label: &str, page: usize) -> Entry {
    Entry {
        label: label.into(),
        target: Target::Page(page),
    }
}

#[test]
fn err_prefers_a_word_start_at_the_beginning() {
    let (a, pa) = fuzzy("err", "Error rate").unwrap();
    let (b, pb) = fuzzy("err", "Response time (p99 errors)").unwrap();
    assert!(a > b, "{a} vs {b}");
    assert_eq!(pa, vec![0, 1, 2]);
    assert_eq!(pb, vec![19, 20, 21], "the consecutive run in `errors`");
}

#[test]
fn camel_case_boundaries_count_as_word_starts() {
    let (_, pos) = fuzzy("hier", "HighErrorRate").unwrap();
    assert_eq!(pos, vec![0, 1, 4, 5]);
    let (_, pos) = fuzzy("her", "HighErrorRate").unwrap();
    assert_eq!(pos, vec![0, 4, 5], "E at the boundary, not the h in High");
}

#[test]
fn no_match_is_none() {
    assert_eq!(fuzzy("xyz", "Error rate"), None);
    assert_eq!(fuzzy("rre", "Error"), None, "order matters");
    assert_eq!(fuzzy("errors", "Error"), None, "every character is needed");
    assert_eq!(fuzzy("a", ""), None);
}

#[test]
fn positions_are_the_matched_characters() {
    assert_eq!(
        fuzzy("er", "page 2 · Logs & errors").unwrap().1,
        vec![16, 17]
    );
    assert_eq!(fuzzy("lr", "Logs & errors").unwrap().1, vec![0, 8]);
    assert_eq!(
        fuzzy("rate", "panel · Error rate").unwrap().1,
        vec![14, 15, 16, 17]
    );
}

#[test]
fn matching_ignores_case_and_whitespace_in_the_query() {
    assert_eq!(fuzzy("ERR", "error rate"), fuzzy("err", "error rate"));
    assert_eq!(fuzzy("err", "ERROR RATE").unwrap().1, vec![0, 1, 2]);
    assert_eq!(fuzzy("er ra", "Error rate").unwrap().1, vec![0, 1, 6, 7]);
    assert_eq!(fuzzy("", "anything"), Some((0, Vec::new())));
    assert_eq!(fuzzy("   ", "anything"), Some((0, Vec::new())));
}

#[test]
fn unicode_positions_are_characters_not_bytes() {
    assert_eq!(fuzzy("x", "ééx").unwrap().1, vec![2]);
    assert_eq!(fuzzy("日本", "ログ · 日本語").unwrap().1, vec![5, 6]);
    assert_eq!(fuzzy("dé", "Débit · données").unwrap().1, vec![0, 1]);
    assert_eq!(fuzzy("ÉCHEC", "échec").unwrap().1, vec![0, 1, 2, 3, 4]);
    assert!(fuzzy("🔥", "incident · P0 🔥 Fire").is_some());
    assert!(fuzzy("e", "\u{0301}e\u{200d}").is_some());
}

#[test]
fn filter_ranks_best_first_and_keeps_order_on_ties() {
    let entries = vec![
        entry("panel · Response time (p99 errors)", 0),
        entry("panel · Error rate", 1),
        entry("panel · Traffic", 2),
        entry("panel · Error budget", 3),
    ];
    let got: Vec<String> = filter(&entries, "err")
        .into_iter()
        .map(|(e, _)| e.label)
        .collect();
    assert_eq!(
        got,
        vec![
            "panel · Error rate",
            "panel · Error budget",
            "panel · Response time (p99 errors)",
        ]
    );
    let all = filter(&entries, "");
    assert_eq!(all.len(), entries.len());
    assert!(
        all.iter()
            .zip(&entries)
            .all(|((a, p), b)| a == b && p.is_empty())
    );
    let twins = vec![entry("page 1 · Same", 0), entry("page 1 · Same", 1)];
    let got = filter(&twins, "same");
    assert_eq!(got[0].0.target, Target::Page(0));
    assert_eq!(got[1].0.target, Target::Page(1));
    assert!(filter(&entries, "zzz").is_empty());
}

#[test]
fn entries_list_actions_every_page_every_panel_and_every_incident() {
    let s = demo_state();
    let e = palette::entries(&s);
    let panels: usize = s.pages.iter().map(|p| p.panels.len()).sum();
    assert_eq!(e.len(), Command::ALL.len() + s.pages.len() + panels + 2);
    for (n, page) in s.pages.iter().enumerate() {
        let label = format!("page {} · {}", n + 1, page.title);
        assert!(e.contains(&Entry {
            label,
            target: Target::Page(n)
        }));
        for (position, &i) in page.panels.iter().enumerate() {
            let found = e
                .iter()
                .find(|x| x.target == Target::Panel { page: n, position });
            assert_eq!(
                found.unwrap().label,
                format!("panel · {}", s.panels[i].cfg.title)
            );
        }
    }
    let labels: Vec<&str> = e.iter().map(|x| x.label.as_str()).collect();
    assert!(labels.contains(&"action · acknowledge incident"));
    assert!(labels.contains(&"incident · P1 HighErrorRate"));
    assert!(labels.contains(&"incident · P3 DiskFull (acknowledged)"));
    assert!(labels.contains(&"panel · Error rate"));
}

#[test]
fn read_only_leaves_out_what_changes_incidents() {
    let mut s = demo_state();
    s.read_only = true;
    let e = palette::entries(&s);
    let has = |c: Command| e.iter().any(|x| x.target == Target::Action(c));
    assert!(!has(Command::Acknowledge) && !has(Command::Resolve) && !has(Command::Note));
    assert!(has(Command::Refresh) && has(Command::NextTheme) && has(Command::Quit));
}

#[test]
fn commands_send_the_actions_of_their_keys() {
    assert!(matches!(Command::Acknowledge.action(), Action::Acknowledge));
    assert!(matches!(Command::NextTheme.action(), Action::NextTheme));
    assert!(matches!(Command::Help.action(), Action::ToggleHelp));
    for c in Command::ALL {
        let (code, _) = (c.key(), c.name());
        let key = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(code.chars().next().unwrap()),
            crossterm::event::KeyModifiers::NONE,
        );
        let from_key = oncall::action::from_key(key, oncall::action::KeyMode::Normal).unwrap();
        assert_eq!(
            format!("{from_key:?}"),
            format!("{:?}", c.action()),
            "{c:?}"
        );
    }
}

#[test]
fn choosing_a_target_moves_there() {
    let mut s = demo_state();
    assert!(matches!(
        palette::apply(&mut s, &Target::Page(1)),
        Some(Action::Page(1))
    ));
    let last = s.pages.len() - 1;
    let position = s.pages[last].panels.len() - 1;
    let a = palette::apply(
        &mut s,
        &Target::Panel {
            page: last,
            position,
        },
    );
    assert!(matches!(a, Some(Action::Tick)), "a new page is polled");
    assert_eq!((s.page, s.focus), (last, position));
    let a = palette::apply(
        &mut s,
        &Target::Panel {
            page: last,
            position: 0,
        },
    );
    assert!(a.is_none());
    assert_eq!(s.focus, 0);
    assert!(
        palette::apply(
            &mut s,
            &Target::Panel {
                page: 99,
                position: 0
            }
        )
        .is_none()
    );
    assert_eq!((s.page, s.focus), (last, 0));
}

#[test]
fn choosing_an_incident_focuses_the_incidents_panel_and_opens_it() {
    let mut s = demo_state();
    palette::apply(&mut s, &Target::Incident("am:2".into()));
    assert_eq!(s.incidents.selected.as_deref(), Some("am:2"));
    assert_eq!(s.incidents.detail.as_deref(), Some("am:2"));
    assert_eq!(s.focused_kind(), Some(PanelKind::Incidents));
    palette::apply(&mut s, &Target::Incident("am:gone".into()));
    assert_eq!(s.incidents.selected.as_deref(), Some("am:2"));
    assert!(s.message.is_some());
}

#[test]
fn typing_and_moving_keep_the_selection_in_range() {
    let mut p = Palette::default();
    p.push('e');
    p.push('r');
    p.down(3);
    p.down(3);
    p.down(3);
    assert_eq!(p.selected, 2);
    p.up();
    assert_eq!(p.selected, 1);
    p.backspace();
    assert_eq!((p.query.as_str(), p.selected), ("e", 0));
    p.push('\u{1b}');
    assert_eq!(p.query, "e", "control characters are not typed");
    p.up();
    assert_eq!(p.selected, 0);
    let results = vec![(entry("page 1 · A", 0), Vec::new())];
    assert_eq!(p.chosen(&results), Some(&Target::Page(0)));
    assert_eq!(p.chosen(&[]), None);
}

fn draw(
    palette: &Palette,
    results: &[(Entry, Vec<usize>)],
    w: u16,
    h: u16,
) -> ratatui::buffer::Buffer {
    let theme = Theme::fallback();
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| palette::render(f, f.area(), palette, results, &theme))
        .unwrap();
    term.backend().buffer().clone()
}

#[test]
fn palette_with_a_query() {
    let s = demo_state();
    let p = Palette {
        query: "err".into(),
        selected: 1,
    };
    let results = filter(&palette::entries(&s), &p.query);
    let buf = draw(&p, &results, 80, 24);
    insta::assert_snapshot!(to_text(&buf));
    let theme = Theme::fallback();
    let text = to_text(&buf);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("panel · Error rate"))
        .unwrap();
    let x = line.chars().position(|c| c == 'E').unwrap();
    let cell = &buf[(x as u16, y as u16)];
    assert_eq!(
        cell.fg,
        theme.key.fg.unwrap(),
        "matched characters stand out"
    );
    let cell = &buf[(x as u16 + 5, y as u16)];
    assert_ne!(cell.fg, theme.key.fg.unwrap());
}

#[test]
fn small_and_unicode_do_not_panic() {
    let long = "incident · P0 ".to_string() + &"日本語のとても長いタイトル".repeat(8);
    let entries = vec![entry(&long, 0), entry("page 2 · Débit ⏎ données", 1)];
    let p = Palette {
        query: "日本é".repeat(30),
        selected: 5,
    };
    let results = filter(&entries, "日");
    for (w, h) in [(80, 24), (20, 6), (12, 4), (3, 2), (0, 0)] {
        let buf = draw(&p, &results, w, h);
        assert!(to_text(&buf).lines().count() <= usize::from(h));
    }
    let text = to_text(&draw(&p, &results, 40, 12));
    assert!(
        text.contains('…'),
        "long titles end with an ellipsis:\n{text}"
    );
}

#[test]
fn the_selected_row_stays_in_view() {
    let entries: Vec<Entry> = (0..20)
        .map(|n| entry(&format!("page {n} · P{n}"), n))
        .collect();
    let results = filter(&entries, "");
    let p = Palette {
        query: String::new(),
        selected: 15,
    };
    let text = to_text(&draw(&p, &results, 80, 24));
    assert!(text.contains("› page 15 · P15"), "{text}");
    assert!(!text.contains("page 0 · P0"), "{text}");
}

#[test]
fn typing_in_the_palette_and_enter_goes_there() {
    use oncall::action::{Action, KeyMode, from_key};
    use oncall::update::update;
    let mut cfg = oncall::config::Config::demo("http://127.0.0.1:1", &[]);
    cfg.oncall.members.clear();
    cfg.slo = None;
    let now = chrono::Utc::now();
    let mut s = oncall::state::State::new(&cfg, now);
    let key = |c| crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c));
    assert!(matches!(
        from_key(key(':'), KeyMode::Normal),
        Some(Action::PaletteOpen)
    ));
    update(&mut s, Action::PaletteOpen, now);
    // In the palette, letters are text, not commands.
    assert!(matches!(
        from_key(key('q'), KeyMode::Palette),
        Some(Action::PaletteChar('q'))
    ));
    for c in "slow q".chars() {
        update(&mut s, Action::PaletteChar(c), now);
    }
    update(&mut s, Action::PaletteSubmit, now);
    assert!(s.palette.is_none());
    let focused = s.focused_panel().unwrap();
    assert_eq!(s.panels[focused].cfg.title, "Slow queries");
}
