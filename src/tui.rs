//! The terminal: raw mode and the alternate screen, restored on every exit path (drop, panic,
//! signal) and around Ctrl-Z.

use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicBool, Ordering};

pub mod output;
pub mod screen;

pub type Term = Terminal<output::Output<Stdout>>;

/// Whether the TUI currently owns the terminal (so the panic hook knows to restore it).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether mouse reporting was turned on (so it is turned off again).
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Owns the terminal while the dashboard runs; restores it when dropped.
pub struct TerminalGuard {
    /// Never dropped: ratatui's own drop shows the cursor and reports a failure on stderr, which
    /// panics once the terminal is gone (hangup). `restore` shows the cursor when there is a
    /// terminal to show it on; the buffers go with the process.
    pub terminal: ManuallyDrop<Term>,
    screen: screen::Screen,
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        MOUSE.store(mouse, Ordering::SeqCst);
        enter_screen()?;
        let terminal = Terminal::new(output::Output::new(io::stdout()));
        match terminal {
            Ok(terminal) => Ok(TerminalGuard {
                terminal: ManuallyDrop::new(terminal),
                screen: screen::Screen::new(),
            }),
            Err(e) => {
                let _ = restore();
                Err(e)
            }
        }
    }

    /// Ctrl-Z: give the terminal back, stop the process, take it again on `fg`.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore()?;
        #[cfg(unix)]
        signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
        enter_screen()?;
        self.terminal.backend_mut().forget();
        self.clear()
    }

    /// Draws one frame: only the cells that changed are written. `ui` is told whether it may
    /// leave areas that did not change undrawn (see [`screen::Screen::draw`]).
    pub fn draw(
        &mut self,
        ui: impl FnOnce(&mut ratatui::Frame, bool) -> Vec<ratatui::layout::Rect>,
    ) -> io::Result<()> {
        self.screen.draw(&mut self.terminal, ui)
    }

    /// Clears the screen; the next frame draws every cell.
    pub fn clear(&mut self) -> io::Result<()> {
        self.screen.clear(&mut self.terminal)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

fn enter_screen() -> io::Result<()> {
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Leaves raw mode and the alternate screen; a no-op when the TUI is not up.
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    }
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    terminal::disable_raw_mode()
}

/// The terminal went away (hangup): nothing is left to restore, so write nothing more to it.
pub fn abandon() {
    ACTIVE.store(false, Ordering::SeqCst);
}

/// Restores the terminal before the default panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = restore();
        previous(info);
    }));
}
