//! `runbook::template::{check_argv, render_argv}` on any argv template and incident.
//!
//! Input: sections split by 0xFF (never in UTF-8): argv, labels, annotations, id, title,
//! severity. Arguments and `name 0xFD value` pairs are split by 0xFE.
//!
//! What `template.rs` guarantees and is checked here: a rendered argv has exactly as many
//! arguments as the template; the program is never templated; a value never makes an argument
//! start with `-` (a leading `-` comes from the template's literal text); a value never brings a
//! control or invisible character; an argument is empty only when its template is.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use oncall::incidents::{Incident, Severity};
use oncall::runbook::template::{check_argv, render_argv};
use oncall_fuzz::is_invisible_format;
use std::collections::BTreeMap;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn pairs(section: &[u8]) -> BTreeMap<String, String> {
    section
        .split(|b| *b == 0xFE)
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == 0xFD) {
            Some(i) => (text(&p[..i]), text(&p[i + 1..])),
            None => (text(p), String::new()),
        })
        .collect()
}

/// The template's literal text: the argument without its `{{…}}` placeholders.
fn literal(arg: &str) -> String {
    let (mut out, mut rest) = (String::new(), arg);
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => rest = &after[close + 2..],
            None => return out + rest,
        }
    }
    out + rest
}

fn forbidden(c: char) -> bool {
    c.is_control() || is_invisible_format(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

fuzz_target!(|data: &[u8]| {
    let mut sections = data.split(|b| *b == 0xFF);
    let mut next = || sections.next().unwrap_or_default();
    let argv_bytes = next();
    let argv: Vec<String> = if argv_bytes.is_empty() {
        Vec::new()
    } else {
        argv_bytes.split(|b| *b == 0xFE).map(text).collect()
    };
    let labels = pairs(next());
    let annotations = pairs(next());
    let id = text(next());
    let title = text(next());
    let severity = Severity::ALL[usize::from(next().first().copied().unwrap_or(0)) % 5];
    let incident = Incident {
        labels,
        annotations,
        ..Incident::open(
            id,
            title,
            severity,
            "am",
            DateTime::from_timestamp(1_795_800_000, 0).expect("valid time"),
        )
    };

    let checked = check_argv(&argv);
    let rendered = render_argv(&argv, &incident);
    if let Err(e) = checked {
        assert_eq!(
            rendered,
            Err(e),
            "a template that fails the check never renders"
        );
        return;
    }
    let Ok(out) = rendered else {
        return;
    };
    assert_eq!(
        out.len(),
        argv.len(),
        "substitution never adds or drops arguments"
    );
    assert_eq!(out[0], argv[0], "the program is never templated");
    for (template, arg) in argv.iter().zip(&out) {
        let lit = literal(template);
        assert_eq!(
            arg.is_empty(),
            template.is_empty(),
            "{template:?} -> {arg:?}"
        );
        if arg.starts_with('-') {
            assert!(
                lit.starts_with('-'),
                "a value made {arg:?} an option ({template:?})"
            );
        }
        for c in arg.chars().filter(|c| forbidden(*c)) {
            assert!(lit.contains(c), "a value brought {c:?} into {arg:?}");
        }
    }
});
