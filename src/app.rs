//! The driver: one `select!` over input, fetch results, the clock and signals. It executes the
//! effects `update` returns and draws when something changed: after input at most [`FRAME`] apart,
//! for new data and the clock at most [`DATA_FRAME`] apart.
//! Network calls run in their own tasks: nothing here awaits a source.

use crate::action::{self, Action, Effect, KeyMode};
use crate::config::Config;
use crate::incidents::journal::{Event, Journal};
use crate::poll::Clients;
use crate::state::State;
use crate::theme::Theme;
use crate::tui::TerminalGuard;
use crate::update::update;
use chrono::Utc;
use crossterm::event::{Event as CtEvent, KeyEventKind};
use std::io;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Shortest time between two frames (30 frames per second at most).
const FRAME: Duration = Duration::from_millis(33);

/// Runs the dashboard until the user quits, a signal arrives or the terminal goes away.
/// How the dashboard is shown (command-line switches).
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub wall: bool,
    pub ascii: bool,
    pub low_bandwidth: bool,
    /// On the embedded demo (nothing to watch).
    pub demo: bool,
    pub depth: crate::theme::ColorDepth,
}

/// The themes again after a change in the themes folder, the one in use first.
fn reload_themes(current: &[Theme], depth: crate::theme::ColorDepth) -> Vec<Theme> {
    let (all, _) = Theme::all(&crate::config::config_dir().join("themes"));
    let mut all: Vec<Theme> = all.iter().map(|t| t.for_depth(depth)).collect();
    if let Some(first) = current.first() {
        if let Some(pos) = all.iter().position(|t| t.name == first.name) {
            let t = all.remove(pos);
            all.insert(0, t);
        }
    }
    if all.is_empty() {
        current.to_vec()
    } else {
        all
    }
}

/// Shortest time between two frames drawn only because data arrived or the clock moved: the
/// answers of a refresh, spread over the second, and the clock's tick make one frame instead of
/// several. A key press is drawn at once (within [`FRAME`]).
const DATA_FRAME: Duration = Duration::from_millis(1000);

/// Shortest time between two frames on a slow link.
const SLOW_FRAME: Duration = Duration::from_millis(500);

pub async fn run(
    cfg: &Config,
    themes: Vec<Theme>,
    message: Option<String>,
    mode: Mode,
) -> anyhow::Result<()> {
    let themes = if themes.is_empty() {
        vec![Theme::fallback()]
    } else {
        themes
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut state = State::new(cfg, Utc::now());
    state.message = message;
    state.theme_names = themes.iter().map(|t| t.name.clone()).collect();
    if mode.wall {
        state.set_wall();
    }
    state.ascii = mode.ascii;
    state.low_bandwidth = mode.low_bandwidth;
    let frame_gap = if mode.low_bandwidth {
        SLOW_FRAME
    } else {
        FRAME
    };
    let journal = JournalWriter::open(&state.data_dir.join("journal.jsonl"), &tx);
    state.notify.enabled = true;
    let mut exec = Executor {
        clients: Clients::new(cfg),
        tx: tx.clone(),
        journal,
        command: None,
        notify: Notifier::start(cfg, &tx),
    };
    if let Some(path) = &cfg.path {
        if !mode.demo {
            watch(
                path.clone(),
                crate::config::config_dir().join("themes"),
                tx.clone(),
            );
        }
    }
    let mut themes = themes;
    let mut guard = TerminalGuard::enter(cfg.general.mouse)?;
    if let Ok(size) = guard.terminal.size() {
        let _ = tx.send(Action::Size(size.width, size.height));
    }
    let mut events = read_input()?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut signals = Signals::new()?;
    let mut last_draw: Option<Instant> = None;
    // Panels kept between frames (forgotten when the config or themes are read again).
    let kept = std::cell::RefCell::new(crate::ui::cache::PanelCache::default());
    let data_gap = frame_gap.max(DATA_FRAME);
    // Whether what is waiting to be drawn includes the user's own input.
    let mut urgent = true;

    loop {
        let gap = if urgent { frame_gap } else { data_gap };
        let wait = match last_draw {
            Some(at) if state.dirty => gap.saturating_sub(at.elapsed()),
            _ if state.dirty => Duration::ZERO,
            _ => Duration::from_secs(3600),
        };
        let mut input = false;
        let action = tokio::select! {
            ev = events.recv() => { input = true; match ev {
                Some(Ok(CtEvent::Key(k))) if k.kind != KeyEventKind::Release => {
                    action::from_key(k, key_mode(&state))
                }
                Some(Ok(CtEvent::Resize(w, h))) => {
                    guard.terminal.backend().resized();
                    let _ = tx.send(Action::Size(w, h));
                    Some(Action::Resize)
                }
                Some(Ok(CtEvent::Mouse(m))) => mouse_action(m),
                Some(Ok(_)) => None,
                // The terminal is gone (SSH dropped, pane killed): leave at once.
                Some(Err(_)) | None => {
                    crate::tui::abandon();
                    break;
                }
            }},
            Some(a) = rx.recv() => Some(a),
            _ = tick.tick() => Some(Action::Tick),
            hangup = signals.recv() => {
                if hangup {
                    crate::tui::abandon();
                }
                break;
            }
            _ = tokio::time::sleep(wait) => None,
        };
        // A panel's first answer is drawn at once, like input: the screen fills as fast as the
        // sources answer after start (or a page change).
        let answered = answered_panels(&state);
        if let Some(a) = action {
            let clear = matches!(a, Action::Resize);
            if let Action::NotifyReady(ch) = &a {
                exec.notify.ready(ch.clone());
            }
            if let Action::ConfigChanged(parsed) = &a {
                if let Err(e) = apply_config(parsed.clone(), &mut state, &mut exec.clients) {
                    state.message = Some(e);
                }
                themes = reload_themes(&themes, mode.depth);
                kept.borrow_mut().clear();
                state.theme_names = themes.iter().map(|t| t.name.clone()).collect();
            }
            let effects = update(&mut state, a, Utc::now());
            for effect in exec.clients.start_all(effects, &exec.tx) {
                if matches!(effect, Effect::Suspend) {
                    guard.suspend()?;
                    state.dirty = true;
                } else {
                    exec.run(effect);
                }
            }
            if clear && let Err(e) = guard.clear() {
                return Ok(terminal_error(e)?);
            }
        }
        if state.should_quit {
            break;
        }
        urgent |= state.dirty && (input || answered_panels(&state) > answered);
        let gap = if urgent { frame_gap } else { data_gap };
        let due = last_draw.is_none_or(|at| at.elapsed() >= gap);
        if state.dirty && due {
            let theme = &themes[state.theme % themes.len()];
            if let Err(e) = draw(&mut guard, &state, theme, &kept) {
                return Ok(terminal_error(e)?);
            }
            state.dirty = false;
            urgent = false;
            last_draw = Some(Instant::now());
        }
    }
    Ok(())
}

/// Keys, mouse and resizes, read on a thread of their own and handed to the loop. (crossterm's
/// `EventStream` asks its reader's lock again at every turn of the loop while its own thread
/// holds it waiting for input, and spins with `sched_yield` each time: about 65 system calls a
/// second on a quiet dashboard.) The thread ends with the process, or when the terminal fails.
fn read_input() -> io::Result<tokio::sync::mpsc::UnboundedReceiver<io::Result<CtEvent>>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let event = crossterm::event::read();
                let failed = event.is_err();
                if tx.send(event).is_err() || failed {
                    break;
                }
            }
        })?;
    Ok(rx)
}

/// One frame, as one synchronized update (DEC 2026) in one write: terminals that know it show
/// it at once. A frame that changes nothing on screen writes nothing.
fn draw(
    guard: &mut TerminalGuard,
    state: &State,
    theme: &crate::theme::Theme,
    kept: &std::cell::RefCell<crate::ui::cache::PanelCache>,
) -> io::Result<()> {
    guard.terminal.backend_mut().begin_frame();
    let drawn =
        guard.draw(|f, in_place| crate::ui::draw_cached(f, state, theme, Some(kept), in_place));
    let written = guard.terminal.backend_mut().end_frame();
    drawn.and(written)
}

/// A write to the terminal failed. When the terminal is gone (the SSH session dropped, the pane
/// was killed) the hangup is on its way: leave quietly, writing nothing more to it.
fn terminal_error(e: io::Error) -> io::Result<()> {
    if terminal_gone(&e) {
        crate::tui::abandon();
        return Ok(());
    }
    Err(e)
}

/// EIO is what a write to a pty whose other end has closed returns; the others are pipes and
/// sockets that were closed.
fn terminal_gone(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
        || e.kind() == io::ErrorKind::ConnectionReset
        || e.raw_os_error() == Some(5)
        || e.raw_os_error() == Some(6)
}

/// Panels that have had an answer (data or an error) since they were set up.
fn answered_panels(state: &State) -> usize {
    state
        .panels
        .iter()
        .filter(|p| p.updated_at.is_some() || p.error.is_some())
        .count()
}

/// Reads the config file again; a good edit replaces the running config (and the source
/// clients), a bad one is reported and changes nothing.
pub fn reload(
    path: &std::path::Path,
    state: &mut State,
    clients: &mut Clients,
) -> Result<(), String> {
    apply_config(read_config(path), state, clients)
}

/// The config file parsed, or the error to show (read off the input loop, by the watcher).
fn read_config(path: &std::path::Path) -> Result<Box<Config>, String> {
    Config::load(path)
        .map(Box::new)
        .map_err(|e| format!("{e} (keeping the running config)"))
}

/// A good config replaces the running one (and the source clients); a bad one changes nothing.
pub fn apply_config(
    cfg: Result<Box<Config>, String>,
    state: &mut State,
    clients: &mut Clients,
) -> Result<(), String> {
    let cfg = cfg?;
    state.reconfigure(&cfg);
    *clients = Clients::new(&cfg);
    Ok(())
}

/// Watches the config file and the user's themes (by modification time, every 2 s: editors that
/// save by writing a new file and renaming it are seen too) and says when either changed.
fn watch(
    config: std::path::PathBuf,
    themes: std::path::PathBuf,
    tx: mpsc::UnboundedSender<Action>,
) {
    let paths = vec![config.clone(), themes];
    fn stamp(paths: &[std::path::PathBuf]) -> Vec<Option<std::time::SystemTime>> {
        let mut out = Vec::new();
        for p in paths {
            let meta = std::fs::metadata(p).ok();
            out.push(meta.as_ref().and_then(|m| m.modified().ok()));
            // Only a folder is listed (not the config file, nor a folder that is not there).
            if let Some(dir) = meta
                .filter(std::fs::Metadata::is_dir)
                .and_then(|_| std::fs::read_dir(p).ok())
            {
                let mut inner: Vec<_> = dir
                    .flatten()
                    .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
                    .collect();
                inner.sort();
                out.extend(inner.into_iter().map(Some));
            }
        }
        out
    }
    // The file system is asked on a blocking thread: a config on a slow network home directory
    // never holds up the one thread that reads keys and draws. A look that failed compares with
    // nothing.
    let look = |paths: &std::sync::Arc<Vec<std::path::PathBuf>>| {
        let paths = paths.clone();
        async move {
            tokio::task::spawn_blocking(move || stamp(&paths))
                .await
                .ok()
        }
    };
    let paths = std::sync::Arc::new(paths);
    tokio::spawn(async move {
        let mut last = look(&paths).await;
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let Some(now) = look(&paths).await else {
                continue;
            };
            let changed = last.as_ref().is_some_and(|l| *l != now);
            last = Some(now);
            if changed {
                let read = config.clone();
                let parsed = tokio::task::spawn_blocking(move || read_config(&read))
                    .await
                    .unwrap_or_else(|e| Err(format!("cannot read the config: {e}")));
                if tx.send(Action::ConfigChanged(parsed)).is_err() {
                    break;
                }
            }
        }
    });
}

/// Mouse (when `general.mouse` is on): a left click focuses and selects, the wheel scrolls.
fn mouse_action(m: crossterm::event::MouseEvent) -> Option<Action> {
    use crossterm::event::{MouseButton, MouseEventKind};
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(m.column, m.row)),
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::ScrollDown => Some(Action::Down),
        _ => None,
    }
}

fn key_mode(state: &State) -> KeyMode {
    if state.palette.is_some() {
        KeyMode::Palette
    } else if state.input.is_some() {
        KeyMode::Input
    } else if state.show_help {
        KeyMode::Help
    } else {
        KeyMode::Normal
    }
}

/// Performs effects: network calls in their own tasks, journal writes on the writer thread.
struct Executor {
    clients: Clients,
    tx: mpsc::UnboundedSender<Action>,
    journal: Option<JournalWriter>,
    /// The runbook command running now, to stop it on `c`.
    command: Option<crate::runbook::RunHandle>,
    notify: Notifier,
}

/// Delivers notifications on the channels chosen at start (desktop probed off the input loop);
/// what arrives before the probe has answered waits for it.
struct Notifier {
    channels: Option<crate::notify::Channels>,
    pending: Vec<crate::notify::Notification>,
    hook: Vec<String>,
    hook_timeout: Duration,
    desktop: mpsc::UnboundedSender<crate::notify::DesktopEvent>,
    /// When the next desktop notification may be shown.
    next_desktop: Instant,
}

impl Notifier {
    fn start(cfg: &Config, app: &mpsc::UnboundedSender<Action>) -> Notifier {
        let ncfg = cfg.notify.clone();
        let tx = app.clone();
        tokio::spawn(async move {
            let available = if ncfg.desktop == crate::notify::Mode::Off {
                false
            } else {
                crate::notify::desktop::available().await
            };
            let _ = tx.send(Action::NotifyReady(crate::notify::choose(&ncfg, available)));
        });
        let (dtx, mut drx) = mpsc::unbounded_channel();
        let tx = app.clone();
        tokio::spawn(async move {
            while let Some(ev) = drx.recv().await {
                if tx.send(Action::Desktop(ev)).is_err() {
                    break;
                }
            }
        });
        Notifier {
            channels: None,
            pending: Vec::new(),
            hook: cfg.notify.command.clone(),
            hook_timeout: cfg.notify.command_timeout.0,
            desktop: dtx,
            next_desktop: Instant::now(),
        }
    }

    fn ready(&mut self, channels: crate::notify::Channels) {
        self.channels = Some(channels);
        for n in std::mem::take(&mut self.pending) {
            self.send(n);
        }
    }

    fn send(&mut self, n: crate::notify::Notification) {
        let Some(ch) = &self.channels else {
            self.pending.push(n);
            return;
        };
        if ch.desktop {
            // One at a time, a second apart: answers to notifications shown together can be lost.
            let now = Instant::now();
            let at = self.next_desktop.max(now);
            self.next_desktop = at + Duration::from_secs(1);
            let (n, tx) = (n.clone(), self.desktop.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                crate::notify::desktop::spawn_show(n, tx);
            });
        }
        if let Some(mode) = ch.terminal {
            let tmux = crate::notify::terminal::in_tmux();
            if let Some(seq) = crate::notify::terminal::sequence(mode, &n, tmux) {
                use std::io::Write;
                let mut out = std::io::stdout();
                let _ = out.write_all(seq.as_bytes());
                let _ = out.flush();
            }
        }
        if !self.hook.is_empty() {
            let (argv, timeout) = (self.hook.clone(), self.hook_timeout);
            tokio::spawn(async move {
                if let Err(e) = crate::notify::command::run_hook(&argv, &n, timeout).await {
                    tracing::warn!(error = %e, "notification hook failed");
                }
            });
        }
    }
}

impl Executor {
    fn run(&mut self, effect: Effect) {
        let Some(effect) = self.clients.start(effect, &self.tx) else {
            return;
        };
        let tx = self.tx.clone();
        match effect {
            Effect::Journal(ev) => {
                if let Some(j) = &self.journal {
                    j.append(ev);
                }
            }
            Effect::WriteFile {
                what,
                path,
                contents,
            } => {
                tokio::task::spawn_blocking(move || {
                    let result = crate::fsutil::write_atomic(&path, contents.as_bytes(), None)
                        .map(|()| path)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::FileWritten { what, result });
                });
            }
            Effect::OpenUrl(url) => {
                tokio::task::spawn_blocking(move || {
                    let msg = match crate::open::open_url(&url) {
                        Ok(()) => format!("opened {url}"),
                        Err(e) => format!("{e}; y copies the link"),
                    };
                    let _ = tx.send(Action::Message(msg));
                });
            }
            Effect::Copy(text) => crate::open::copy_osc52(&text),
            Effect::ReadRunbook {
                incident,
                title,
                path,
            } => {
                tokio::task::spawn_blocking(move || {
                    let result = crate::runbook::load_file(&path);
                    let _ = tx.send(Action::RunbookLoaded {
                        incident,
                        title,
                        result,
                    });
                });
            }
            Effect::RunCommand {
                incident,
                argv,
                timeout,
            } => self.run_command(incident, argv, timeout),
            Effect::CancelCommand => {
                if let Some(h) = &self.command {
                    h.cancel();
                }
            }
            Effect::Notify(n) => self.notify.send(n),
            _ => {}
        }
    }

    /// Starts a confirmed runbook command; its output comes back as actions.
    fn run_command(&mut self, incident: String, argv: Vec<String>, timeout: Duration) {
        let (etx, mut erx) = mpsc::unbounded_channel();
        match crate::runbook::spawn(argv, timeout, etx) {
            Ok(handle) => {
                self.command = Some(handle);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    while let Some(event) = erx.recv().await {
                        let incident = incident.clone();
                        if tx.send(Action::CommandOutput { incident, event }).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(e) => {
                let _ = self
                    .tx
                    .send(Action::Message(format!("cannot start the command: {e}")));
            }
        }
    }
}

/// Appends journal events on a thread of its own (each one fsynced), so a slow disk never
/// stalls input or drawing. Dropping it flushes what is queued.
pub struct JournalWriter {
    tx: Option<std::sync::mpsc::Sender<Event>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl JournalWriter {
    /// Opens the journal and sends its replay to the app; `None` (with a status message) when
    /// it cannot be opened: the dashboard still works, without a timeline.
    pub fn open(
        path: &std::path::Path,
        app: &mpsc::UnboundedSender<Action>,
    ) -> Option<JournalWriter> {
        let (mut journal, events, warnings) = match Journal::open(path) {
            Ok(j) => j,
            Err(e) => {
                let _ = app.send(Action::Message(format!(
                    "journal {} unavailable: {e}",
                    path.display()
                )));
                return None;
            }
        };
        let _ = app.send(Action::JournalLoaded { events, warnings });
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        let app = app.clone();
        let thread = std::thread::spawn(move || {
            for ev in rx {
                if let Err(e) = journal.append(&ev) {
                    tracing::error!(error = %e, "journal append failed");
                    let _ = app.send(Action::Message(format!("journal write failed: {e}")));
                }
            }
        });
        Some(JournalWriter {
            tx: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn append(&self, ev: Event) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(ev);
        }
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// SIGTERM, SIGINT and SIGHUP all end the dashboard the same way.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for a signal; true when it was a hangup (the terminal is gone).
    async fn recv(&mut self) -> bool {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => false,
            _ = self.int.recv() => false,
            _ = self.hup.recv() => true,
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            false
        }
    }
}
