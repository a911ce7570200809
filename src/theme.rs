//! Themes by meaning: every colour on screen comes from a role defined in `themes/*.toml`.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::Path;

/// Built-in themes, embedded in the binary. A file of the same name in the user's themes dir
/// (`~/.config/oncall/themes/NAME.toml`) overrides one, or adds a new name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    (
        "solarized-dark",
        include_str!("../themes/solarized-dark.toml"),
    ),
    ("colorblind", include_str!("../themes/colorblind.toml")),
    ("mono", include_str!("../themes/mono.toml")),
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
        for s in t.styles_mut() {
            *s = strip(*s);
        }
        t.series = vec![Color::Reset];
        t
    }

    /// Every theme there is: the built-ins, then the user's themes dir, by name (a user file
    /// with a built-in's name replaces it). Broken files are left out with their error.
    pub fn all(user_dir: &Path) -> (Vec<Theme>, Vec<String>) {
        let mut names: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
        if let Ok(entries) = std::fs::read_dir(user_dir) {
            let mut extra: Vec<String> = entries
                .flatten()
                .filter_map(|e| {
                    let p = e.path();
                    (p.extension().and_then(|x| x.to_str()) == Some("toml"))
                        .then(|| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
                        .flatten()
                })
                .filter(|n| !names.contains(n))
                .collect();
            extra.sort();
            names.extend(extra);
        }
        let mut themes = Vec::new();
        let mut errors = Vec::new();
        for n in names {
            match Theme::load(&n, user_dir) {
                Ok(t) => themes.push(t),
                Err(e) => errors.push(e),
            }
        }
        (themes, errors)
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

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    TrueColor,
    Ansi256,
    Ansi16,
    /// `NO_COLOR`, `--no-color` or a dumb terminal: attributes only.
    None,
}

impl ColorDepth {
    /// From the environment: `COLORTERM=truecolor|24bit`, else a `TERM` with 256 colours, else
    /// the 16 ANSI colours; `TERM=dumb` gets none. Over SSH only `TERM` (and sometimes
    /// `COLORTERM`) crosses, so this errs on the safe side.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> ColorDepth {
        let ct = colorterm.unwrap_or("").to_ascii_lowercase();
        let term = term.unwrap_or("").to_ascii_lowercase();
        if term == "dumb" {
            ColorDepth::None
        } else if ct == "truecolor" || ct == "24bit" {
            ColorDepth::TrueColor
        } else if term.contains("256color") || term.contains("kitty") || term.contains("wezterm") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }

    pub fn from_env() -> ColorDepth {
        ColorDepth::detect(
            std::env::var("COLORTERM").ok().as_deref(),
            std::env::var("TERM").ok().as_deref(),
        )
    }
}

impl Theme {
    /// The theme with every colour brought down to what the terminal shows.
    pub fn for_depth(&self, depth: ColorDepth) -> Theme {
        match depth {
            ColorDepth::TrueColor => self.clone(),
            ColorDepth::None => self.without_color(),
            ColorDepth::Ansi256 | ColorDepth::Ansi16 => {
                let conv = |c: Option<Color>| c.map(|c| downsample(c, depth));
                let fix = |s: Style| Style {
                    fg: conv(s.fg),
                    bg: conv(s.bg),
                    ..s
                };
                let mut t = self.clone();
                for s in t.styles_mut() {
                    *s = fix(*s);
                }
                t.series = t.series.iter().map(|&c| downsample(c, depth)).collect();
                t
            }
        }
    }

    fn styles_mut(&mut self) -> [&mut Style; 22] {
        [
            &mut self.background,
            &mut self.text,
            &mut self.muted,
            &mut self.border,
            &mut self.border_focus,
            &mut self.title,
            &mut self.header,
            &mut self.key,
            &mut self.ok,
            &mut self.warn,
            &mut self.crit,
            &mut self.nodata,
            &mut self.stale,
            &mut self.error,
            &mut self.threshold,
            &mut self.p0,
            &mut self.p1,
            &mut self.p2,
            &mut self.p3,
            &mut self.p4,
            &mut self.selection,
            &mut self.banner,
        ]
    }
}

/// The 16 ANSI colours as xterm shows them.
const ANSI16: [(u8, u8, u8, Color); 16] = [
    (0, 0, 0, Color::Black),
    (205, 0, 0, Color::Red),
    (0, 205, 0, Color::Green),
    (205, 205, 0, Color::Yellow),
    (0, 0, 238, Color::Blue),
    (205, 0, 205, Color::Magenta),
    (0, 205, 205, Color::Cyan),
    (229, 229, 229, Color::Gray),
    (127, 127, 127, Color::DarkGray),
    (255, 0, 0, Color::LightRed),
    (0, 255, 0, Color::LightGreen),
    (255, 255, 0, Color::LightYellow),
    (92, 92, 255, Color::LightBlue),
    (255, 0, 255, Color::LightMagenta),
    (0, 255, 255, Color::LightCyan),
    (255, 255, 255, Color::White),
];

fn dist(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

/// The nearest colour a 256- or 16-colour terminal has.
pub fn downsample(c: Color, depth: ColorDepth) -> Color {
    let Color::Rgb(r, g, b) = c else {
        return c;
    };
    match depth {
        ColorDepth::Ansi16 => ANSI16
            .iter()
            .min_by_key(|(ar, ag, ab, _)| dist((r, g, b), (*ar, *ag, *ab)))
            .map_or(c, |x| x.3),
        ColorDepth::Ansi256 => {
            // The 6x6x6 cube (16..=231) or the grey ramp (232..=255), whichever is nearer.
            const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
            let idx = |v: u8| {
                LEVELS
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, l)| (i32::from(**l) - i32::from(v)).unsigned_abs())
                    .map_or(0, |(i, _)| i as u8)
            };
            let (ri, gi, bi) = (idx(r), idx(g), idx(b));
            let cube = (
                LEVELS[ri as usize],
                LEVELS[gi as usize],
                LEVELS[bi as usize],
            );
            let avg = ((u16::from(r) + u16::from(g) + u16::from(b)) / 3) as u8;
            let gi_ = (avg.saturating_sub(8) / 10).min(23);
            let grey = 8 + 10 * gi_;
            if dist((r, g, b), (grey, grey, grey)) < dist((r, g, b), cube) {
                Color::Indexed(232 + gi_)
            } else {
                Color::Indexed(16 + 36 * ri + 6 * gi + bi)
            }
        }
        _ => c,
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn depth_from_the_environment() {
        assert_eq!(
            ColorDepth::detect(Some("truecolor"), Some("xterm")),
            ColorDepth::TrueColor
        );
        assert_eq!(
            ColorDepth::detect(None, Some("xterm-256color")),
            ColorDepth::Ansi256
        );
        assert_eq!(ColorDepth::detect(None, Some("screen")), ColorDepth::Ansi16);
        assert_eq!(ColorDepth::detect(None, Some("dumb")), ColorDepth::None);
        assert_eq!(ColorDepth::detect(None, None), ColorDepth::Ansi16);
    }

    #[test]
    fn colours_come_down_to_what_the_terminal_has() {
        assert_eq!(
            downsample(Color::Rgb(255, 0, 0), ColorDepth::Ansi16),
            Color::LightRed
        );
        assert_eq!(
            downsample(Color::Rgb(0, 0, 0), ColorDepth::Ansi256),
            Color::Indexed(16)
        );
        assert_eq!(
            downsample(Color::Rgb(255, 255, 255), ColorDepth::Ansi256),
            Color::Indexed(231)
        );
        assert_eq!(
            downsample(Color::Rgb(128, 128, 128), ColorDepth::Ansi256),
            Color::Indexed(244)
        );
        assert_eq!(downsample(Color::Green, ColorDepth::Ansi16), Color::Green);
        for (name, text) in BUILTIN {
            let t = Theme::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            for depth in [ColorDepth::Ansi256, ColorDepth::Ansi16] {
                let d = t.for_depth(depth);
                let all = [d.ok, d.warn, d.crit, d.p0, d.text];
                assert!(
                    all.iter().all(|s| !matches!(s.fg, Some(Color::Rgb(..)))),
                    "{name}"
                );
            }
        }
    }
}
