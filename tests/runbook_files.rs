//! The shipped runbooks in `runbooks/`: each has the sections the team expects, and renders
//! inside the terminal at any width without losing its commands.

#![allow(clippy::unwrap_used)]

use oncall::runbook::{load_file, markdown};
use oncall::snapshot::to_text;
use oncall::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use std::path::{Path, PathBuf};

const SECTIONS: &[&str] = &[
    "When",
    "First 5 minutes",
    "Diagnose",
    "Mitigate",
    "Verify",
    "Communicate",
    "Escalate",
];

const SHIPPED: &[&str] = &[
    "incident-response.md",
    "app-down.md",
    "high-error-rate.md",
    "slow-responses.md",
    "database-failover.md",
    "rollback.md",
];

fn runbooks() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

fn plain(lines: &[Line<'_>]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

#[test]
fn every_shipped_runbook_is_there() {
    let names: Vec<String> = runbooks()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in SHIPPED {
        assert!(
            names.iter().any(|n| n == want),
            "runbooks/{want} is missing"
        );
    }
}

#[test]
fn every_runbook_has_the_sections_and_renders() {
    let theme = Theme::fallback();
    for path in runbooks() {
        let md = load_file(&path).unwrap();
        let name = path.display();
        assert!(md.starts_with("# "), "{name}: starts with a title");
        let lines = plain(&markdown::render(&md, &theme, 80));
        let mut at = 0;
        for section in SECTIONS {
            assert!(
                md.contains(&format!("\n## {section}\n")),
                "{name}: no `## {section}`"
            );
            let found = lines[at..].iter().position(|l| l == section);
            let found = found.unwrap_or_else(|| panic!("{name}: {section} not rendered in order"));
            at += found + 1;
        }
        for width in [0u16, 1, 10, 20, 40, 80, 200] {
            for line in markdown::render(&md, &theme, width) {
                assert!(
                    line.width() <= usize::from(width.max(1)).max(4),
                    "{name} at {width}: {line}"
                );
            }
        }
    }
}

#[test]
fn code_blocks_keep_their_text_and_lists_indent() {
    let theme = Theme::fallback();
    let md =
        load_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/rollback.md")).unwrap();
    let lines = plain(&markdown::render(&md, &theme, 80));
    assert!(
        lines
            .iter()
            .any(|l| l == "│ kubectl rollout undo deployment/app --to-revision=42")
    );
    assert!(lines.iter().any(|l| l.starts_with("1. Acknowledge")));
    let narrow = plain(&markdown::render(&md, &theme, 30));
    let item = narrow.iter().position(|l| l.starts_with("1. ")).unwrap();
    assert!(
        narrow[item + 1].starts_with("   ") && !narrow[item + 1].trim().is_empty(),
        "{narrow:?}"
    );
    let code: String = narrow
        .iter()
        .filter_map(|l| l.strip_prefix("│ "))
        .collect::<Vec<_>>()
        .concat();
    assert!(code.contains("kubectl rollout undo deployment/app --to-revision=42"));
}

#[test]
fn incident_response_at_80_columns() {
    let theme = Theme::fallback();
    let md =
        load_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/incident-response.md"))
            .unwrap();
    let lines = markdown::render(&md, &theme, 80);
    let height = u16::try_from(lines.len()).unwrap();
    let mut term = Terminal::new(TestBackend::new(80, height)).unwrap();
    term.draw(|f| f.render_widget(Paragraph::new(lines), f.area()))
        .unwrap();
    insta::assert_snapshot!("incident_response_80", to_text(term.backend().buffer()));
}
