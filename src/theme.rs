//! Themes by meaning: every colour on screen comes from a role defined in `themes/*.toml`.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// Built-in themes, embedded in the binary. A file of the same name in the user's themes dir
/// (`~/.config/oncall/themes/NAME.toml`) overrides one, or adds a new name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
];

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub underline: bool,
    #[serde(default)]
    pub reversed: bool,
}

macro_rules! roles {
    ($($name:ident),* $(,)?) => {
        /// The semantic roles a theme must define.
        #[derive(Debug, Clone, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RoleSpecs { $($name: StyleSpec,)* }

        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $(pub $name: Style,)*
            /// Colours of chart series, in order.
            pub series: Vec<Color>,
        }

        impl Theme {
            fn from_specs(name: String, r: RoleSpecs, series: Vec<Color>) -> Result<Theme, String> {
                Ok(Theme { name, $($name: style(&r.$name).map_err(|e| format!("role `{}`: {e}", stringify!($name)))?,)* series })
            }
        }

        /// Names of every role (for docs and tests).
        pub const ROLES: &[&str] = &[$(stringify!($name)),*];
    };
}

roles!(
    background,
    text,
    muted,
    border,
    border_focus,
    title,
    header,
    key,
    ok,
    warn,
    crit,
    nodata,
    stale,
    error,
    threshold,
    p0,
    p1,
    p2,
    p3,
    p4,
    selection,
    banner
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    description: Option<String>,
    roles: RoleSpecs,
    series: Vec<String>,
}

impl Theme {
    /// Parses a theme file's text.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| {
            let (line, _) = crate::config::line_col(text, e.span().map_or(0, |s| s.start));
            format!("line {line}: {}", e.message().trim())
        })?;
        let _ = file.description;
        let series = file
            .series
            .iter()
            .map(|c| color(c))
            .collect::<Result<Vec<_>, _>>()?;
        if series.is_empty() {
            return Err("`series` needs at least one colour".into());
        }
        Theme::from_specs(name.to_string(), file.roles, series)
    }

    /// The built-in dark theme (always valid; checked by a test).
    pub fn fallback() -> Theme {
        let (name, text) = BUILTIN[0];
        Theme::parse(name, text).unwrap_or_else(|_| Theme::plain())
    }

    /// A theme with no colours at all, for the impossible case that the built-in one is broken.
    fn plain() -> Theme {
        let s = Style::default();
        Theme {
            name: "plain".into(),
            background: s,
            text: s,
            muted: s,
            border: s,
            border_focus: s.add_modifier(Modifier::BOLD),
            title: s.add_modifier(Modifier::BOLD),
            header: s.add_modifier(Modifier::REVERSED),
            key: s.add_modifier(Modifier::BOLD),
            ok: s,
            warn: s.add_modifier(Modifier::BOLD),
            crit: s.add_modifier(Modifier::REVERSED),
            nodata: s,
            stale: s,
            error: s.add_modifier(Modifier::REVERSED),
            threshold: s,
            p0: s.add_modifier(Modifier::REVERSED),
            p1: s.add_modifier(Modifier::BOLD),
            p2: s,
            p3: s,
            p4: s,
            selection: s.add_modifier(Modifier::REVERSED),
            banner: s.add_modifier(Modifier::REVERSED),
            series: vec![Color::Reset],
        }
    }

    /// Loads a theme by name: the user's themes dir first, then the built-ins.
    /// Errors say what is wrong; the caller falls back to [`Theme::fallback`] and shows it.
    pub fn load(name: &str, user_dir: &Path) -> Result<Theme, String> {
        let file = user_dir.join(format!("{name}.toml"));
        if file.exists() {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("theme {}: {e}", file.display()))?;
            return Theme::parse(name, &text).map_err(|e| format!("theme {}: {e}", file.display()));
        }
        match BUILTIN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Theme::parse(n, text).map_err(|e| format!("theme {n}: {e}")),
            None => Err(format!(
                "no theme `{name}` (built-in: {}; or add {})",
                BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
                file.display()
            )),
        }
    }

    /// The same theme without colours: modifiers (bold, reversed…) stay, so states still read.
    pub fn without_color(&self) -> Theme {
        // A background colour marked something loud (P0, the header): keep it loud as reverse video.
        let strip = |s: Style| {
            let plain = Style {
                fg: None,
                bg: None,
                underline_color: None,
                ..s
            };
            if s.bg.is_some() {
                plain.add_modifier(Modifier::REVERSED)
            } else {
                plain
            }
        };
        let mut t = self.clone();
        for s in [
            &mut t.background,
            &mut t.text,
            &mut t.muted,
            &mut t.border,
            &mut t.border_focus,
            &mut t.title,
            &mut t.header,
            &mut t.key,
            &mut t.ok,
            &mut t.warn,
            &mut t.crit,
            &mut t.nodata,
            &mut t.stale,
            &mut t.error,
            &mut t.threshold,
            &mut t.p0,
            &mut t.p1,
            &mut t.p2,
            &mut t.p3,
            &mut t.p4,
            &mut t.selection,
            &mut t.banner,
        ] {
            *s = strip(*s);
        }
        t.series = vec![Color::Reset];
        t
    }

    /// Style of a panel status.
    pub fn status(&self, s: crate::state::Status) -> Style {
        use crate::state::Status;
        match s {
            Status::Ok => self.ok,
            Status::Warn => self.warn,
            Status::Crit => self.crit,
            Status::NoData => self.nodata,
            Status::Error => self.error,
        }
    }

    pub fn series_color(&self, i: usize) -> Color {
        self.series[i % self.series.len()]
    }
}

fn style(spec: &StyleSpec) -> Result<Style, String> {
    let mut s = Style::default();
    if let Some(fg) = &spec.fg {
        s = s.fg(color(fg)?);
    }
    if let Some(bg) = &spec.bg {
        s = s.bg(color(bg)?);
    }
    let flags = [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
    ];
    for (on, m) in flags {
        if on {
            s = s.add_modifier(m);
        }
    }
    Ok(s)
}

/// `"#rrggbb"`, an ANSI name (`red`, `lightblue`, `darkgray`, `reset`) or an index `"238"`.
pub fn color(text: &str) -> Result<Color, String> {
    if let Ok(i) = text.parse::<u8>() {
        return Ok(Color::Indexed(i));
    }
    text.parse::<Color>().map_err(|_| {
        format!("`{text}` is not a colour (\"#rrggbb\", a name like \"red\", or 0-255)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_and_defines_every_role() {
        for (name, text) in BUILTIN {
            let t = Theme::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!t.series.is_empty());
            assert_ne!(t.crit, t.ok, "{name}: crit and ok must differ");
            assert_ne!(t.p0, t.p4, "{name}: P0 and P4 must differ");
        }
        assert!(ROLES.contains(&"p0") && ROLES.len() > 20);
    }

    #[test]
    fn a_missing_role_is_named() {
        let text = BUILTIN[0].1.replace("crit =", "crit_typo =");
        let err = Theme::parse("x", &text).expect_err("must fail");
        assert!(err.contains("crit"), "{err}");
    }

    #[test]
    fn unknown_theme_lists_builtins() {
        let err = Theme::load("nope", Path::new("/nonexistent")).expect_err("must fail");
        assert!(err.contains("dark") && err.contains("light"), "{err}");
    }
}
