use super::*;
use crate::test_rng::Rng;
use crate::tui::screen::Screen;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use std::num::NonZeroU16;

/// ratatui's own backend, for comparing against: the moved cells are drawn.
impl<T: Write> crate::tui::screen::ShiftCells for CrosstermBackend<T> {}

const W: u16 = 40;
const H: u16 = 10;

const SYMBOLS: &[&str] = &[
    "a", "b", " ", "0", "9", "─", "│", "╭", "█", "▁", "⣿", "⠁", "⡇", "✓", "●", "é",
];
/// Two columns wide: how a terminal clears what a wide symbol leaves behind differs from one
/// terminal to another, so frames with them are compared against ratatui's own backend.
const WIDE: &[&str] = &["宽", "🔥"];

fn color(rng: &mut Rng) -> Color {
    match rng.below(8) {
        0 | 1 => Color::Reset,
        2 => Color::Indexed(rng.below(256) as u8),
        3 => Color::Rgb(rng.below(256) as u8, 7, rng.below(256) as u8),
        4 => Color::Red,
        5 => Color::DarkGray,
        6 => Color::White,
        _ => Color::Indexed(176),
    }
}

fn modifier(rng: &mut Rng) -> Modifier {
    let all = [
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
    ];
    let mut m = Modifier::empty();
    for a in all {
        if rng.below(4) == 0 {
            m |= a;
        }
    }
    // The emulator keeps one intensity (bold or dim), as some terminals do: not both at once.
    if m.contains(Modifier::BOLD | Modifier::DIM) {
        m.remove(Modifier::DIM);
    }
    m
}

/// A run of text in one of the screen's slots.
#[derive(Clone)]
struct Run {
    text: String,
    style: Style,
}

const SLOT: u16 = 10;

/// Changes some slots (each row has W / SLOT of them, like panels side by side): like a
/// dashboard, most of the screen stays.
fn next_slots(rng: &mut Rng, slots: &mut [Run], wide: bool) {
    for _ in 0..rng.below(8) {
        let i = rng.below(slots.len());
        let len = rng.below(12);
        // Exactly these attributes (a style only adds to what a cell had otherwise).
        let m = modifier(rng);
        let style = Style::default()
            .fg(color(rng))
            .bg(color(rng))
            .add_modifier(m)
            .remove_modifier(Modifier::all() - m);
        let mut text = String::new();
        for _ in 0..len {
            if wide && rng.below(6) == 0 {
                text.push_str(WIDE[rng.below(WIDE.len())]);
            } else {
                text.push_str(SYMBOLS[rng.below(SYMBOLS.len())]);
            }
        }
        slots[i] = Run { text, style };
    }
}

/// Renders the slots into a fresh buffer, as a frame is drawn.
fn render(slots: &[Run]) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, W, H));
    let per_row = usize::from(W / SLOT);
    for (i, run) in slots.iter().enumerate() {
        let x = (i % per_row) as u16 * SLOT;
        let y = (i / per_row) as u16;
        buf.set_stringn(x, y, &run.text, usize::from(SLOT), run.style);
    }
    buf
}

fn vt_color(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        Color::Red => vt100::Color::Idx(1),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::White => vt100::Color::Idx(15),
        other => panic!("colour {other:?} not in the test's palette"),
    }
}

/// What a cell shows: symbol (a blank for a cell never written), colours and attributes.
type Shown = (String, vt100::Color, vt100::Color, [bool; 5]);

fn shown(c: &vt100::Cell) -> Shown {
    let sym = if c.contents().is_empty() {
        " "
    } else {
        c.contents()
    };
    let attrs = [c.bold(), c.dim(), c.italic(), c.underline(), c.inverse()];
    (sym.to_string(), c.fgcolor(), c.bgcolor(), attrs)
}

fn wanted(c: &Cell) -> Shown {
    let m = c.modifier;
    let attrs = [
        Modifier::BOLD,
        Modifier::DIM,
        Modifier::ITALIC,
        Modifier::UNDERLINED,
        Modifier::REVERSED,
    ]
    .map(|a| m.contains(a));
    (
        c.symbol().to_string(),
        vt_color(c.fg),
        vt_color(c.bg),
        attrs,
    )
}

/// The emulated screen shows exactly `buf`: every symbol, colour and attribute.
fn assert_shows(vt: &vt100::Parser, buf: &Buffer, frame: usize) {
    let screen = vt.screen();
    for y in 0..H {
        for x in 0..W {
            let got = screen.cell(y, x).expect("cell in range");
            if got.is_wide_continuation() {
                continue;
            }
            assert_eq!(
                shown(got),
                wanted(&buf[(x, y)]),
                "frame {frame} at ({x},{y})"
            );
        }
    }
}

fn parser() -> vt100::Parser {
    let rows = NonZeroU16::new(H).expect("rows");
    let cols = NonZeroU16::new(W).expect("columns");
    vt100::Parser::new(rows, cols, 0)
}

/// Draws `frames` through `terminal` as the dashboard does (`Screen`), calling `each` after
/// each one.
fn frames_through<B: crate::tui::screen::ShiftCells>(
    terminal: &mut Terminal<B>,
    frames: &[Buffer],
    mut each: impl FnMut(&mut Terminal<B>, usize),
) {
    let mut screen = Screen::new();
    for (i, f) in frames.iter().enumerate() {
        screen
            .draw(terminal, |frame, _| {
                frame.buffer_mut().clone_from(f);
                Vec::new()
            })
            .map_err(|_| "draw failed")
            .expect("in-memory terminal");
        each(terminal, i);
    }
}

/// Areas where `next` is what `prev` was, every cell plain (one column, no diff option, not
/// skipped): a few random rectangles that fit, as panels kept from one frame to the next.
fn random_holes(rng: &mut Rng, prev: &Buffer, next: &Buffer) -> Vec<Rect> {
    let mut holes: Vec<Rect> = Vec::new();
    for _ in 0..40 {
        let x = rng.below(usize::from(W)) as u16;
        let y = rng.below(usize::from(H)) as u16;
        let w = 1 + rng.below(usize::from(W - x).min(14)) as u16;
        let h = 1 + rng.below(usize::from(H - y).min(4)) as u16;
        let r = Rect::new(x, y, w, h);
        let fits = r.positions().all(|p| {
            let (a, b) = (&prev[p], &next[p]);
            a == b && crate::tui::screen::plain(a)
        });
        if fits && holes.iter().all(|h| !h.intersects(r)) {
            holes.push(r);
        }
    }
    holes
}

/// [`frames_through`], but drawing each frame as the dashboard does when panels are kept in
/// place: random areas that did not change are left undrawn and handed back as holes. The
/// buffer each frame is drawn into must be blank.
fn frames_through_holes<B: crate::tui::screen::ShiftCells>(
    terminal: &mut Terminal<B>,
    frames: &[Buffer],
    seed: u64,
    mut each: impl FnMut(&mut Terminal<B>, usize),
) -> usize {
    let mut rng = Rng(seed);
    let mut screen = Screen::new();
    let mut left = 0;
    for (i, f) in frames.iter().enumerate() {
        let holes = match i.checked_sub(1) {
            Some(p) => random_holes(&mut rng, &frames[p], f),
            None => Vec::new(),
        };
        screen
            .draw(terminal, |frame, in_place| {
                let area = frame.area();
                assert_eq!(
                    frame.buffer_mut(),
                    &Buffer::empty(area),
                    "frame {i}: not blank"
                );
                if !in_place {
                    frame.buffer_mut().clone_from(f);
                    return Vec::new();
                }
                for p in area.positions() {
                    if !holes.iter().any(|h| h.contains(p)) {
                        frame.buffer_mut()[p] = f[p].clone();
                    }
                }
                left += holes.len();
                holes.clone()
            })
            .map_err(|_| "draw failed")
            .expect("in-memory terminal");
        each(terminal, i);
    }
    left
}

#[test]
fn frames_drawn_around_holes_show_exactly_what_was_drawn() {
    for seed in [4, 5, 6] {
        let frames = random_frames(seed, 80, false);
        let mut terminal =
            Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
        let mut vt = parser();
        let mut seen = 0;
        let left = frames_through_holes(&mut terminal, &frames, seed, |t, i| {
            let bytes = t.backend().writer();
            vt.process(&bytes[seen..]);
            seen = bytes.len();
            assert_shows(&vt, &frames[i], i);
        });
        assert!(left > 200, "seed {seed}: only {left} holes");
    }
}

#[test]
fn with_wide_symbols_and_holes_the_screen_is_the_one_ratatuis_own_backend_gives() {
    for seed in [21, 22, 23] {
        let left = same_screens_as_crossterm(seed, true);
        assert!(left > 200, "seed {seed}: only {left} holes");
    }
}

/// Draws random frames with wide symbols through `Output` as the dashboard does (with random
/// holes when `holes`) and checks after each frame that the emulated screen is the one
/// ratatui's own backend gives. Returns how many holes were left.
fn same_screens_as_crossterm(seed: u64, holes: bool) -> usize {
    let frames = random_frames(seed, 80, true);
    let theirs = crossterm_frames(&frames);
    let mut terminal =
        Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
    let (mut vt_ours, mut vt_theirs) = (parser(), parser());
    let mut seen = 0;
    let each = |t: &mut Terminal<Output<Vec<u8>>>, i: usize| {
        let bytes = t.backend().writer();
        vt_ours.process(&bytes[seen..]);
        seen = bytes.len();
        vt_theirs.process(&theirs[i]);
        for p in Rect::new(0, 0, W, H).positions() {
            let a = shown(vt_ours.screen().cell(p.y, p.x).expect("in range"));
            let b = shown(vt_theirs.screen().cell(p.y, p.x).expect("in range"));
            assert_eq!(a, b, "seed {seed} frame {i}: {p:?}, ours then crossterm's");
        }
    };
    if holes {
        frames_through_holes(&mut terminal, &frames, seed, each)
    } else {
        frames_through(&mut terminal, &frames, each);
        0
    }
}

fn random_frames(seed: u64, n: usize, wide: bool) -> Vec<Buffer> {
    let mut rng = Rng(seed);
    let empty = Run {
        text: String::new(),
        style: Style::default(),
    };
    let mut slots = vec![empty; usize::from(W / SLOT) * usize::from(H)];
    (0..n)
        .map(|_| {
            next_slots(&mut rng, &mut slots, wide);
            render(&slots)
        })
        .collect()
}

/// Draws `frames` through `Output` as the dashboard does, into an emulated terminal, calling
/// `each` with what it shows after each frame.
fn emulated(frames: &[Buffer], mut each: impl FnMut(&vt100::Parser, usize)) {
    let mut terminal =
        Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
    let mut vt = parser();
    let mut seen = 0;
    frames_through(&mut terminal, frames, |t, i| {
        let bytes = t.backend().writer();
        vt.process(&bytes[seen..]);
        seen = bytes.len();
        each(&vt, i);
    });
}

#[test]
fn every_frame_shows_exactly_what_was_drawn() {
    for seed in [1, 2, 3, 0x5eed, 0xdead_beef] {
        let frames = random_frames(seed, 60, false);
        emulated(&frames, |vt, i| assert_shows(vt, &frames[i], i));
    }
}

/// A writer whose bytes the test can take while a backend owns it.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The crossterm backend's bytes for `frames`, frame by frame.
fn crossterm_frames(frames: &[Buffer]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let shared = Shared::default();
    let mut terminal = Terminal::with_options(
        CrosstermBackend::new(shared.clone()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, W, H)),
        },
    )
    .expect("in-memory terminal");
    for f in frames {
        terminal
            .draw(|frame| frame.buffer_mut().clone_from(f))
            .expect("in-memory terminal");
        out.push(std::mem::take(&mut *shared.0.borrow_mut()));
    }
    out
}

#[test]
fn with_wide_symbols_the_screen_is_the_one_ratatuis_own_backend_gives() {
    for seed in [11, 12, 13, 0xfeed] {
        same_screens_as_crossterm(seed, false);
    }
}

#[test]
fn it_writes_fewer_bytes_than_the_crossterm_backend_for_the_same_frames() {
    let frames = random_frames(42, 200, false);
    let mut ours = Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
    frames_through(&mut ours, &frames, |_, _| {});
    let ours = ours.backend().writer().len();
    let theirs: usize = crossterm_frames(&frames).iter().map(Vec::len).sum();
    assert!(
        ours * 10 < theirs * 9,
        "ours {ours} bytes, crossterm's {theirs} bytes"
    );
}

#[test]
fn moves_are_relative_or_rewrites_along_a_row() {
    let mut out = Output::with_size(Vec::new(), W, H);
    let mut cells = Buffer::empty(Rect::new(0, 0, W, H));
    cells.set_string(0, 2, "abcdefghij", Style::default());
    out.draw(cells.content.iter().enumerate().filter_map(|(i, c)| {
        let (x, y) = ((i % W as usize) as u16, (i / W as usize) as u16);
        (c.symbol() != " ").then_some((x, y, c))
    }))
    .expect("in-memory terminal");
    out.flush().expect("in-memory terminal");
    out.out.clear();
    // Change b and e (a gap of two shown cells: written again) and j (a gap of four: moved).
    let mut next = cells.clone();
    next.set_string(1, 2, "B", Style::default());
    next.set_string(4, 2, "E", Style::default());
    next.set_string(9, 2, "J", Style::default());
    out.draw(cells.diff(&next).into_iter())
        .expect("in-memory terminal");
    out.flush().expect("in-memory terminal");
    assert_eq!(String::from_utf8_lossy(&out.out), "\x1b[3;2HBcdE\x1b[4CJ");
}

#[test]
fn one_sgr_carries_only_what_changes() {
    let mut buf = Vec::new();
    let from = Pen {
        fg: Color::Indexed(176),
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::BOLD | Modifier::DIM,
    };
    let to = Pen {
        fg: Color::Indexed(102),
        modifier: Modifier::DIM | Modifier::ITALIC,
        ..from
    };
    push_sgr(&mut buf, from, to);
    // 22 ends bold and dim, so dim is switched on again.
    assert_eq!(buf, b"\x1b[22;2;3;38;5;102m");
    buf.clear();
    push_sgr(
        &mut buf,
        Pen::DEFAULT,
        Pen {
            bg: Color::Blue,
            ..Pen::DEFAULT
        },
    );
    assert_eq!(buf, b"\x1b[44m");
}

/// A cell covered by a wide symbol shows the symbol's right half, not what was written there
/// before: when the wide symbol goes and the backend crosses that cell on its way along the row
/// by writing the cells again, it writes what the screen shows there now (a blank), not the old
/// character.
#[test]
fn a_cell_a_wide_symbol_covered_is_never_written_again_from_before() {
    let row = |cells: &[&str]| {
        let mut b = Buffer::empty(Rect::new(0, 0, W, H));
        for (x, c) in cells.iter().enumerate() {
            b[(x as u16, 0)].set_symbol(c);
        }
        b
    };
    let frames = [
        row(&["a", "b", " ", "-", "e", "f", "g", "h"]),
        // The wide symbol at 2 covers 3.
        row(&["a", "b", "宽", " ", "e", "f", "g", "h"]),
        // It goes, and 5 changes: the way from 2 to 5 crosses 3 and 4.
        row(&["a", "b", " ", " ", "e", "X", "g", "h"]),
    ];
    emulated(&frames, |vt, i| {
        // How a terminal shows the wide symbol itself differs from one to another.
        if i != 1 {
            assert_shows(vt, &frames[i], i);
        }
    });
}

#[test]
fn a_frame_that_changes_nothing_writes_nothing() {
    let frames = random_frames(7, 3, false);
    let mut terminal =
        Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
    let mut screen = Screen::new();
    let mut draw = |t: &mut Terminal<Output<Vec<u8>>>, f: &Buffer| {
        t.backend_mut().begin_frame();
        screen
            .draw(t, |frame, _| {
                frame.buffer_mut().clone_from(f);
                Vec::new()
            })
            .expect("in-memory terminal");
        t.backend_mut().end_frame().expect("in-memory terminal");
        t.backend().writer().len()
    };
    let first = draw(&mut terminal, &frames[2]);
    assert!(first > 0);
    let written = terminal.backend().writer();
    assert!(written.starts_with(BEGIN_SYNC) && written.ends_with(END_SYNC));
    let again = draw(&mut terminal, &frames[2]);
    assert_eq!(again, first, "an unchanged frame wrote bytes");
    let changed = draw(&mut terminal, &frames[1]);
    assert!(changed > first);
}

#[test]
fn after_a_resize_or_a_forgotten_screen_every_frame_still_shows_exactly_what_was_drawn() {
    let (w2, h2) = (30, 8);
    let frames = random_frames(99, 20, false);
    let small: Vec<Buffer> = frames
        .iter()
        .map(|f| {
            let mut b = Buffer::empty(Rect::new(0, 0, w2, h2));
            for y in 0..h2 {
                for x in 0..w2 {
                    b[(x, y)] = f[(x, y)].clone();
                }
            }
            b
        })
        .collect();
    // As widgets do: into the frame's buffer, which must be of the frame's size.
    let paint = |frame: &mut ratatui::Frame, f: &Buffer| {
        let area = frame.area();
        assert_eq!(frame.buffer_mut().area, area, "a buffer of another size");
        for y in 0..f.area.height {
            for x in 0..f.area.width {
                frame.buffer_mut()[(x, y)] = f[(x, y)].clone();
            }
        }
    };
    let mut terminal =
        Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
    let mut screen = Screen::new();
    let mut vt = parser();
    let mut seen = 0;
    let mut show = |t: &mut Terminal<Output<Vec<u8>>>, vt: &mut vt100::Parser| {
        let bytes = t.backend().writer();
        vt.process(&bytes[seen..]);
        seen = bytes.len();
    };
    for (i, f) in frames.iter().enumerate().take(10) {
        screen
            .draw(&mut terminal, |frame, _| {
                paint(frame, f);
                Vec::new()
            })
            .expect("in-memory terminal");
        show(&mut terminal, &mut vt);
        assert_shows(&vt, f, i);
    }
    // The terminal shrinks: ratatui clears it and the next frames are drawn at the new size.
    terminal.backend_mut().fixed = Some(Size {
        width: w2,
        height: h2,
    });
    vt.screen_mut().set_size(
        NonZeroU16::new(h2).expect("rows"),
        NonZeroU16::new(w2).expect("cols"),
    );
    for (i, f) in small.iter().enumerate().skip(10) {
        if i == 15 {
            // Someone else wrote over the screen: it is cleared and drawn whole again.
            vt.process(b"\x1b[HXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
            screen.forget();
        }
        screen
            .draw(&mut terminal, |frame, _| {
                paint(frame, f);
                Vec::new()
            })
            .expect("in-memory terminal");
        show(&mut terminal, &mut vt);
        for y in 0..h2 {
            for x in 0..w2 {
                let got = vt.screen().cell(y, x).expect("cell in range");
                assert_eq!(shown(got), wanted(&f[(x, y)]), "frame {i} at ({x},{y})");
            }
        }
    }
}

/// A row of chart cells: braille in one of a few colours.
fn tape_cell(rng: &mut Rng) -> Cell {
    let mut c = Cell::default();
    let dots = ["⠁", "⡇", "⣿", "⠉", "⢸", " ", "⣀"];
    c.set_symbol(dots[rng.below(dots.len())]);
    c.set_fg([Color::Red, Color::Indexed(176), Color::Reset][rng.below(3)]);
    c
}

/// Two charts side by side that move on by 0, 1 or 2 cells each frame, at times of their
/// own, with a little text around them that sometimes changes.
/// Each frame comes with how far each chart moved and whether the text changed.
fn moving_charts(seed: u64, n: usize) -> Vec<(Buffer, [usize; 2], bool)> {
    let mut rng = Rng(seed);
    let parts = [(2usize, 22usize), (24, 38)];
    let mut tapes: Vec<Vec<Vec<Cell>>> = parts
        .iter()
        .map(|&(a, b)| {
            (0..H)
                .map(|_| (a..b).map(|_| tape_cell(&mut rng)).collect())
                .collect()
        })
        .collect();
    let mut label = String::from("ab");
    (0..n)
        .map(|_| {
            let mut moved = [0; 2];
            for (t, tape) in tapes.iter_mut().enumerate() {
                moved[t] = [0, 1, 1, 2][rng.below(4)];
                for row in tape.iter_mut() {
                    for _ in 0..moved[t] {
                        row.remove(0);
                        row.push(tape_cell(&mut rng));
                    }
                }
            }
            let relabel = rng.below(4) == 0;
            if relabel {
                label = ["ab", "9a", "é─"][rng.below(3)].to_string();
            }
            let mut buf = Buffer::empty(Rect::new(0, 0, W, H));
            for y in 0..H {
                buf.set_string(0, y, &label, Style::default().fg(Color::White));
                buf.set_string(22, y, "││", Style::default());
                buf.set_string(38, y, &label, Style::default().bg(Color::DarkGray));
                for (t, &(a, _)) in parts.iter().enumerate() {
                    for (i, c) in tapes[t][usize::from(y)].iter().enumerate() {
                        buf[(a as u16 + i as u16, y)] = c.clone();
                    }
                }
            }
            (buf, moved, relabel)
        })
        .collect()
}

#[test]
fn charts_that_move_on_are_moved_by_the_terminal_and_show_exactly_what_was_drawn() {
    for seed in [3, 0xc0ffee, 0x5eed] {
        let frames = moving_charts(seed, 40);
        let buffers: Vec<Buffer> = frames.iter().map(|f| f.0.clone()).collect();
        let mut terminal =
            Terminal::new(Output::with_size(Vec::new(), W, H)).expect("in-memory terminal");
        let mut vt = parser();
        let (mut seen, mut moves) = (0, 0);
        frames_through(&mut terminal, &buffers, |t, i| {
            let bytes = t.backend().writer();
            let frame = &bytes[seen..];
            vt.process(frame);
            assert_shows(&vt, &buffers[i], i);
            if i > 0 && frames[i].1 == [1, 0] && !frames[i].2 {
                // One chart moved a cell: its rows are moved, not written again cell by cell
                // (three bytes each).
                let changed = crate::tui::screen::changes(&buffers[i - 1], &buffers[i]).len();
                assert!(
                    frame.len() < changed * 2,
                    "seed {seed} frame {i}: {} bytes for {changed} changed cells",
                    frame.len()
                );
                assert!(frame.windows(3).any(|w| w == b"\x1b[P"), "no move sent");
                moves += 1;
            }
            seen = bytes.len();
        });
        assert!(moves > 0, "seed {seed}: no frame moved one chart alone");
    }
}

#[test]
fn moved_charts_end_the_same_on_a_backend_that_cannot_move_cells() {
    let frames = moving_charts(11, 30);
    let buffers: Vec<Buffer> = frames.into_iter().map(|f| f.0).collect();
    let mut terminal =
        Terminal::new(ratatui::backend::TestBackend::new(W, H)).expect("test backend");
    frames_through(&mut terminal, &buffers, |t, i| {
        assert_eq!(t.backend().buffer(), &buffers[i], "frame {i}");
    });
}
