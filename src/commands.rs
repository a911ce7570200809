//! What each command line does. `main.rs` parses the arguments and calls [`run`].

use crate::cli::{Cli, Command, Format};
use crate::config::{self, Config, ConfigError, SourceKind};
use crate::demo::DemoStack;
use crate::theme::Theme;
use clap::CommandFactory;
use std::process::ExitCode;

/// Runs the parsed command line; errors are printed as one readable paragraph.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(code) => code,
        Err(e) => {
            // Not `eprintln!`: it panics when stderr is a terminal that has gone away.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "oncall: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Init) => return init(),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "oncall",
                &mut std::io::stdout(),
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::DemoServer { listen }) => return demo_server(*listen).await,
        _ => {}
    }
    if let Some(Command::Postmortem { id, output }) = &cli.command {
        return postmortem(&cli, id, output.as_deref());
    }
    if let Some(Command::Incidents { stats }) = &cli.command {
        return incidents(&cli, *stats);
    }
    // The demo stack lives as long as this function.
    let (cfg, _demo) = match load(&cli).await {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("oncall: {e}");
            return Ok(ExitCode::from(match e {
                ConfigError::Missing { .. } => 1,
                _ => 2,
            }));
        }
    };
    let (themes, message) = themes(&cli, &cfg);
    let theme = themes.first().cloned().unwrap_or_else(Theme::fallback);
    match cli.command {
        Some(Command::Snapshot {
            format,
            width,
            height,
            wait,
        }) => {
            let mut state = crate::snapshot::collect(&cfg, wait).await;
            if cli.wall {
                state.set_wall();
            }
            state.ascii = cli.ascii;
            state.low_bandwidth = cli.low_bandwidth;
            let out = match format {
                Format::Json => serde_json::to_string_pretty(&crate::snapshot::to_json(&state))?,
                Format::Text => crate::snapshot::to_text(&crate::snapshot::render(
                    &state, &theme, width, height,
                )),
                Format::Ansi => crate::snapshot::to_ansi(&crate::snapshot::render(
                    &state, &theme, width, height,
                )),
            };
            println!("{}", out.trim_end());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Who) => {
            let tz = crate::rotation::zone(&cfg.oncall, zone(&cfg));
            match crate::rotation::who(&cfg.oncall, tz, chrono::Utc::now()) {
                Some(o) => {
                    println!(
                        "{}",
                        crate::rotation::format_who(&o, &cfg.user(), tz, chrono::Utc::now())
                    );
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!(
                        "oncall: no rotation configured; add [oncall] members = [...] to {}",
                        cfg.path
                            .as_deref()
                            .map_or("the config".into(), |p| p.display().to_string())
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(Command::Check) => {
            let probes = crate::check::probe_all(&cfg).await;
            let path = match (&cfg.path, cli.demo) {
                (Some(p), false) => p.clone(),
                _ => "(demo)".into(),
            };
            let (report, ok) = crate::check::report(&path, &probes);
            print!("{report}");
            if !cli.demo {
                for w in cfg.permission_warnings() {
                    println!("WARN  {w}");
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        _ => {
            let mut cfg = cfg;
            cfg.general.read_only |= cli.read_only || cli.wall;
            let message = if cli.demo {
                message
            } else {
                cfg.permission_warnings().into_iter().next().or(message)
            };
            let (_log, _) = crate::logging::init();
            tracing::info!("starting dashboard");
            let no_color =
                cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            let mode = crate::app::Mode {
                wall: cli.wall,
                ascii: cli.ascii,
                low_bandwidth: cli.low_bandwidth,
                demo: cli.demo,
                depth: if no_color {
                    crate::theme::ColorDepth::None
                } else {
                    crate::theme::ColorDepth::from_env()
                },
            };
            crate::app::run(&cfg, themes, message, mode).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What the demo needs kept alive: the simulated stack and its runbook files.
type DemoParts = (DemoStack, Option<crate::demo::runbooks::RunbookDir>);

async fn load(cli: &Cli) -> Result<(Config, Option<DemoParts>), ConfigError> {
    if cli.demo {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let stack = DemoStack::start(addr)
            .await
            .map_err(|e| ConfigError::Read {
                path: "(demo stack)".into(),
                source: e,
            })?;
        let mut cfg = Config::demo(
            &stack.prometheus_url(),
            &[
                (SourceKind::Alertmanager, &stack.alertmanager_url()),
                (SourceKind::Loki, &stack.loki_url()),
                (SourceKind::Sentry, &stack.sentry_url()),
            ],
        );
        // The shipped runbooks, for `o` and `x` on the simulated alerts (none if /tmp is full).
        let dir = crate::demo::runbooks::RunbookDir::create().ok();
        if let Some(d) = &dir {
            cfg.runbooks = crate::demo::runbooks::config();
            cfg.path = Some(d.path().join("demo.toml"));
        }
        return Ok((cfg, Some((stack, dir))));
    }
    let path = cli.config.clone().unwrap_or_else(config::default_path);
    Ok((Config::load(&path)?, None))
}

/// The themes `t` cycles through, the chosen one first, brought down to the terminal's colour
/// depth; and a warning for the status bar when the chosen one could not be used.
fn themes(cli: &Cli, cfg: &Config) -> (Vec<Theme>, Option<String>) {
    let name = cli
        .theme
        .clone()
        .unwrap_or_else(|| cfg.general.theme.clone());
    let user_dir = config::config_dir().join("themes");
    let (mut all, _) = Theme::all(&user_dir);
    let message = match Theme::load(&name, &user_dir) {
        Ok(t) => {
            all.retain(|x| x.name != t.name);
            all.insert(0, t);
            None
        }
        Err(e) => {
            let fallback = Theme::fallback();
            all.retain(|x| x.name != fallback.name);
            all.insert(0, fallback);
            Some(format!("{e}; using dark"))
        }
    };
    let no_color = cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let depth = if no_color {
        crate::theme::ColorDepth::None
    } else {
        crate::theme::ColorDepth::from_env()
    };
    (all.iter().map(|t| t.for_depth(depth)).collect(), message)
}

/// The journal's events, and the settings to read them with (the config when there is one).
fn journal_events(cli: &Cli) -> anyhow::Result<(Vec<crate::incidents::journal::Event>, Config)> {
    let cfg = match &cli.config {
        Some(p) => Config::load(p)?,
        None => Config::load(&config::default_path()).unwrap_or_default(),
    };
    let path = config::data_dir().join("journal.jsonl");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => anyhow::bail!("cannot read the journal {}: {e}", path.display()),
    };
    let (events, warnings) = crate::incidents::journal::replay(&bytes);
    for w in warnings {
        eprintln!("oncall: journal {}: {w}", path.display());
    }
    Ok((events, cfg))
}

fn zone(cfg: &Config) -> crate::tz::Tz {
    crate::tz::Tz::configured(&cfg.general.timezone)
}

fn postmortem(cli: &Cli, id: &str, output: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let (events, cfg) = journal_events(cli)?;
    let ids = crate::incidents::matching_ids(id, &events);
    let id = match ids.as_slice() {
        [one] => one.clone(),
        [] => {
            eprintln!(
                "oncall: no incident `{id}` in the journal ({}). `oncall incidents` lists them.",
                config::data_dir().join("journal.jsonl").display()
            );
            return Ok(ExitCode::FAILURE);
        }
        many => {
            eprintln!(
                "oncall: `{id}` matches {} incidents: {}",
                many.len(),
                many.join(", ")
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let Some(inc) = crate::incidents::from_journal(&id, &events) else {
        eprintln!("oncall: the journal has no `detected` event for {id}");
        return Ok(ExitCode::FAILURE);
    };
    let mine: Vec<_> = events
        .iter()
        .filter(|e| e.incident == id)
        .cloned()
        .collect();
    let text = crate::incidents::postmortem::render(&inc, &mine, zone(&cfg), &cfg.severity);
    match output {
        Some(path) => {
            crate::fsutil::write_atomic(path, text.as_bytes(), None)?;
            eprintln!("post-mortem written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn incidents(cli: &Cli, stats: bool) -> anyhow::Result<ExitCode> {
    let (events, cfg) = journal_events(cli)?;
    let tz = zone(&cfg);
    if stats {
        let s = crate::incidents::stats::response_stats(&events, &cfg.severity, tz);
        println!("{}", crate::incidents::stats::format_table(&s));
        return Ok(ExitCode::SUCCESS);
    }
    let mut ids: Vec<&str> = events.iter().map(|e| e.incident.as_str()).collect();
    ids.dedup();
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for id in ids {
        if seen.insert(id) {
            if let Some(i) = crate::incidents::from_journal(id, &events) {
                rows.push(i);
            }
        }
    }
    rows.sort_by_key(|i| std::cmp::Reverse(i.started_at));
    if rows.is_empty() {
        println!("no incidents recorded yet");
    }
    for i in rows {
        println!(
            "{:<18} {} {:<13} {:<28} {}  {}",
            i.id,
            i.severity.name(),
            i.state.name(),
            i.title,
            i.started_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
            i.acked_by.map(|b| format!("ack {b}")).unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the example config, atomically, and never over a file already there (even one that
/// appears while it is being written).
fn init() -> anyhow::Result<ExitCode> {
    let path = config::default_path();
    match crate::fsutil::create_new(&path, config::EXAMPLE.as_bytes(), None) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "oncall: {} already exists; not overwriting it. Edit it, or move it away and run `oncall init` again.",
                path.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(anyhow::anyhow!("cannot write {}: {e}", path.display())),
    }
    println!(
        "wrote {}\nEdit the source URLs, then run `oncall check` and `oncall`.",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn demo_server(listen: std::net::SocketAddr) -> anyhow::Result<ExitCode> {
    let stack = DemoStack::start(listen).await?;
    println!(
        "demo stack listening\n  Prometheus API:   {}\n  Alertmanager API: {}\n  Loki API:         {}\n  Sentry API:       {} (org acme, project checkout)\nStop with Ctrl-C.",
        stack.prometheus_url(),
        stack.alertmanager_url(),
        stack.loki_url(),
        stack.sentry_url()
    );
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    drop(stack);
    Ok(ExitCode::SUCCESS)
}
