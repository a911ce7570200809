//! Argv templating for runbook commands, one argument at a time and never through a shell.
//!
//! `{{labels.NAME}}`, `{{annotations.NAME}}`, `{{severity}}`, `{{id}}` and `{{title}}` are
//! replaced inside each argument on its own; everything else is literal. A value can never
//! split into several arguments, never become an option (an argument that would start with
//! `-` because of a value is refused), and never carry control or invisible characters.

use crate::incidents::Incident;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    #[error("the command has no program")]
    EmptyArgv,
    #[error("the program (first argument) cannot hold a placeholder")]
    PlaceholderInProgram,
    #[error("argument {arg}: `{{{{` is never closed with `}}}}`")]
    Unclosed { arg: usize },
    #[error("argument {arg}: unknown placeholder `{{{{{name}}}}}`")]
    UnknownPlaceholder { arg: usize, name: String },
    #[error("the incident has no label `{0}`")]
    MissingLabel(String),
    #[error("the incident has no annotation `{0}`")]
    MissingAnnotation(String),
    #[error("argument {arg}: `{name}` = {value:?} would make it start with `-` (an option)")]
    LeadingDash {
        arg: usize,
        name: String,
        value: String,
    },
    #[error("argument {arg}: `{name}` holds a control or invisible character")]
    ControlCharacter { arg: usize, name: String },
    #[error("argument {arg}: `{name}` is empty, which would leave an empty argument")]
    EmptyArgument { arg: usize, name: String },
}

/// What a placeholder refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Label(String),
    Annotation(String),
    Severity,
    Id,
    Title,
}

impl Field {
    fn parse(inner: &str) -> Option<Field> {
        let name = inner.trim();
        let valid = |n: &str| !n.is_empty() && !n.contains(char::is_whitespace);
        if let Some(l) = name.strip_prefix("labels.") {
            return valid(l).then(|| Field::Label(l.to_string()));
        }
        if let Some(a) = name.strip_prefix("annotations.") {
            return valid(a).then(|| Field::Annotation(a.to_string()));
        }
        match name {
            "severity" => Some(Field::Severity),
            "id" => Some(Field::Id),
            "title" => Some(Field::Title),
            _ => None,
        }
    }

    fn value<'a>(&self, inc: &'a Incident) -> Result<&'a str, TemplateError> {
        match self {
            Field::Label(n) => inc
                .labels
                .get(n)
                .map(String::as_str)
                .ok_or_else(|| TemplateError::MissingLabel(n.clone())),
            Field::Annotation(n) => inc
                .annotations
                .get(n)
                .map(String::as_str)
                .ok_or_else(|| TemplateError::MissingAnnotation(n.clone())),
            Field::Severity => Ok(inc.severity.name()),
            Field::Id => Ok(&inc.id),
            Field::Title => Ok(&inc.title),
        }
    }

    fn describe(&self) -> String {
        match self {
            Field::Label(n) => format!("labels.{n}"),
            Field::Annotation(n) => format!("annotations.{n}"),
            Field::Severity => "severity".into(),
            Field::Id => "id".into(),
            Field::Title => "title".into(),
        }
    }
}

/// A piece of one argument: literal text or a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Text(&'a str),
    Field(Field),
}

fn pieces(arg: &str, index: usize) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let after = &rest[open + 2..];
        let close = after
            .find("}}")
            .ok_or(TemplateError::Unclosed { arg: index })?;
        let inner = &after[..close];
        let field = Field::parse(inner).ok_or_else(|| TemplateError::UnknownPlaceholder {
            arg: index,
            name: inner.trim().to_string(),
        })?;
        out.push(Piece::Field(field));
        rest = &after[close + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Checks the template syntax of an argv without an incident (for config validation).
pub fn check_argv(argv: &[String]) -> Result<(), TemplateError> {
    let program = argv.first().ok_or(TemplateError::EmptyArgv)?;
    if program.trim().is_empty() {
        return Err(TemplateError::EmptyArgv);
    }
    if pieces(program, 0)?
        .iter()
        .any(|p| matches!(p, Piece::Field(_)))
    {
        return Err(TemplateError::PlaceholderInProgram);
    }
    for (i, arg) in argv.iter().enumerate().skip(1) {
        pieces(arg, i)?;
    }
    Ok(())
}

/// Substitutes the incident's fields into every argument on its own. The result has exactly
/// as many arguments as `argv`.
pub fn render_argv(argv: &[String], inc: &Incident) -> Result<Vec<String>, TemplateError> {
    check_argv(argv)?;
    argv.iter()
        .enumerate()
        .map(|(i, arg)| render_arg(arg, i, inc))
        .collect()
}

fn render_arg(arg: &str, index: usize, inc: &Incident) -> Result<String, TemplateError> {
    let parts = pieces(arg, index)?;
    let mut out = String::with_capacity(arg.len());
    let mut last_field = None;
    for piece in parts {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Field(f) => {
                let value = f.value(inc)?;
                if value.chars().any(forbidden) {
                    return Err(TemplateError::ControlCharacter {
                        arg: index,
                        name: f.describe(),
                    });
                }
                if out.is_empty() && value.starts_with('-') {
                    return Err(TemplateError::LeadingDash {
                        arg: index,
                        name: f.describe(),
                        value: value.to_string(),
                    });
                }
                out.push_str(value);
                last_field = Some(f);
            }
        }
    }
    match last_field {
        Some(f) if out.is_empty() => Err(TemplateError::EmptyArgument {
            arg: index,
            name: f.describe(),
        }),
        _ => Ok(out),
    }
}

/// Characters a substituted value may not hold: controls (newlines, tabs, ESC, C1, DEL) and
/// invisible or direction-changing format characters, which would make the argv shown for
/// confirmation differ from the one run.
fn forbidden(c: char) -> bool {
    c.is_control()
        || crate::sanitize::is_invisible_format(c)
        || matches!(c, '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incidents::Severity;
    use chrono::DateTime;

    fn inc(labels: &[(&str, &str)]) -> Incident {
        Incident {
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: [("dashboard".to_string(), "https://g/d?x=1&y=2".to_string())].into(),
            ..Incident::open(
                "am:abc",
                "AppDown",
                Severity::P0,
                "am",
                DateTime::from_timestamp(1_790_000_000, 0).expect("valid"),
            )
        }
    }

    fn argv(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn substitutes_every_field_inside_arguments() {
        let i = inc(&[("deployment", "app"), ("namespace", "prod")]);
        let out = render_argv(
            &argv(&[
                "kubectl",
                "-n",
                "{{labels.namespace}}",
                "deployment/{{ labels.deployment }}",
                "--note={{severity}} {{title}} {{id}}",
                "{{annotations.dashboard}}",
            ]),
            &i,
        )
        .expect("renders");
        assert_eq!(
            out,
            argv(&[
                "kubectl",
                "-n",
                "prod",
                "deployment/app",
                "--note=P0 AppDown am:abc",
                "https://g/d?x=1&y=2",
            ])
        );
    }

    #[test]
    fn literal_text_and_stray_braces_stay() {
        let i = inc(&[]);
        let out = render_argv(&argv(&["echo", "a}}b", "{x}", "}}{{id}}"]), &i).expect("ok");
        assert_eq!(out, argv(&["echo", "a}}b", "{x}", "}}am:abc"]));
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let i = inc(&[]);
        let e = render_argv(&argv(&["echo", "{{labels.pod}}"]), &i).expect_err("missing");
        assert_eq!(e, TemplateError::MissingLabel("pod".into()));
        assert!(e.to_string().contains("pod"));
        let e = render_argv(&argv(&["echo", "{{annotations.x}}"]), &i).expect_err("missing");
        assert_eq!(e, TemplateError::MissingAnnotation("x".into()));
        let e = render_argv(&argv(&["echo", "{{lables.pod}}"]), &i).expect_err("unknown");
        assert!(matches!(
            e,
            TemplateError::UnknownPlaceholder { arg: 1, .. }
        ));
        let e = render_argv(&argv(&["echo", "{{labels."]), &i).expect_err("unclosed");
        assert_eq!(e, TemplateError::Unclosed { arg: 1 });
        let e = render_argv(&argv(&["echo", "{{labels.}}"]), &i).expect_err("empty name");
        assert!(matches!(e, TemplateError::UnknownPlaceholder { .. }));
    }

    #[test]
    fn program_is_never_templated() {
        let i = inc(&[("tool", "rm")]);
        assert_eq!(
            render_argv(&argv(&["{{labels.tool}}", "x"]), &i),
            Err(TemplateError::PlaceholderInProgram)
        );
        assert_eq!(render_argv(&[], &i), Err(TemplateError::EmptyArgv));
    }

    #[test]
    fn leading_dash_only_refused_when_the_value_starts_the_argument() {
        let i = inc(&[("d", "-x"), ("e", ""), ("f", "--force")]);
        let e = render_argv(&argv(&["kubectl", "{{labels.d}}"]), &i).expect_err("dash");
        assert!(matches!(e, TemplateError::LeadingDash { arg: 1, .. }));
        let e = render_argv(&argv(&["kubectl", "{{labels.e}}{{labels.f}}"]), &i).expect_err("dash");
        assert!(matches!(e, TemplateError::LeadingDash { .. }));
        let ok = render_argv(
            &argv(&["kubectl", "deployment/{{labels.d}}", "--x={{labels.f}}"]),
            &i,
        )
        .expect("inside is fine");
        assert_eq!(ok, argv(&["kubectl", "deployment/-x", "--x=--force"]));
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for bad in [
            "a\nb",
            "a\rb",
            "tab\there",
            "\u{1b}[2J",
            "x\u{202E}y",
            "a\u{85}",
        ] {
            let i = inc(&[("v", bad)]);
            let e = render_argv(&argv(&["echo", "{{labels.v}}"]), &i).expect_err(bad);
            assert!(
                matches!(e, TemplateError::ControlCharacter { .. }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn empty_whole_argument_is_refused() {
        let i = inc(&[("e", "")]);
        let e = render_argv(&argv(&["echo", "{{labels.e}}"]), &i).expect_err("empty");
        assert!(matches!(e, TemplateError::EmptyArgument { .. }));
        let ok = render_argv(&argv(&["echo", "x={{labels.e}}"]), &i).expect("not empty");
        assert_eq!(ok[1], "x=");
    }
}
