//! The terminal backend: writes ratatui's changed cells in as few bytes as it can, and each
//! frame in one write.
//!
//! It keeps a copy of what the screen shows. Moving the cursor along a row costs a short
//! relative move (`CSI n C`) instead of an absolute one (`CSI row;col H`), or nothing at all when
//! the cells in between can simply be written again in the current colours; one SGR sequence
//! carries only the attributes that change. Every byte counts over SSH. A frame is one
//! synchronized update (DEC 2026) and one `write`; a frame that changes nothing writes nothing.
//!
//! The cursor's column is only trusted after symbols whose width every terminal agrees on
//! (ASCII, box drawing, blocks, braille); after any other symbol, or in the last column, the
//! next cell gets an absolute move.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Cell, CellDiffOption};
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use std::io::{self, Write};

/// Colours and attributes of the terminal's pen.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

pub struct Output<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// What the screen shows, row by row (`None` when it is not known, e.g. after a partial
    /// clear), as much as a move needs to be replaced by writing the cells again: each cell's
    /// byte when it is one printable ASCII byte (else 0) and its pen, as an index in `pens`.
    screen: Option<Vec<(u8, u16)>>,
    pens: Vec<Pen>,
    pen_index: std::collections::HashMap<Pen, u16>,
    width: u16,
    height: u16,
    /// Where the terminal's cursor is, when that is known for sure.
    cursor: Option<(u16, u16)>,
    /// Inside `begin_frame`…`end_frame`: `flush` leaves the bytes for `end_frame`.
    in_frame: bool,
    /// Where the frame's bytes start in `buf` (after the sync bracket).
    frame_start: usize,
    /// The size to use instead of asking the terminal (tests and benches).
    fixed: Option<Size>,
    /// Whether the cursor is hidden, once this backend has said so (ratatui hides it on every
    /// frame).
    hidden: Option<bool>,
    /// The terminal's size and when it was asked.
    size_seen: std::cell::Cell<Option<(Size, std::time::Instant)>>,
}

/// How long a size asked of the terminal is used without asking again (a resize event asks at
/// once).
const SIZE_KEPT: std::time::Duration = std::time::Duration::from_secs(1);

const BEGIN_SYNC: &[u8] = b"\x1b[?2026h";
const END_SYNC: &[u8] = b"\x1b[?2026l";

impl<W: Write> Output<W> {
    /// A backend for a terminal that has just entered the alternate screen (blank).
    pub fn new(out: W) -> Output<W> {
        let mut o = Output::bare(out);
        o.blank_screen();
        o
    }

    fn bare(out: W) -> Output<W> {
        Output {
            out,
            buf: Vec::with_capacity(16 * 1024),
            screen: None,
            pens: Vec::new(),
            pen_index: std::collections::HashMap::new(),
            width: 0,
            height: 0,
            cursor: None,
            in_frame: false,
            frame_start: 0,
            fixed: None,
            hidden: None,
            size_seen: std::cell::Cell::new(None),
        }
    }

    /// A backend of a fixed size (no terminal to ask), for tests and benches.
    pub fn with_size(out: W, width: u16, height: u16) -> Output<W> {
        let mut o = Output::bare(out);
        o.fixed = Some(Size { width, height });
        o.blank_screen();
        o
    }

    pub fn writer(&self) -> &W {
        &self.out
    }

    /// Someone else wrote to the terminal (Ctrl-Z, `fg`): trust nothing known about it.
    pub fn forget(&mut self) {
        self.cursor = None;
        self.hidden = None;
        self.screen = None;
        self.size_seen.set(None);
    }

    /// Starts a frame: what is drawn until [`Output::end_frame`] goes out as one synchronized
    /// update in one write.
    pub fn begin_frame(&mut self) {
        if !self.in_frame {
            self.in_frame = true;
            self.buf.extend_from_slice(BEGIN_SYNC);
            self.frame_start = self.buf.len();
        }
    }

    /// Ends the frame and writes it; a frame that changed nothing writes nothing.
    pub fn end_frame(&mut self) -> io::Result<()> {
        if !self.in_frame {
            return self.write_out();
        }
        self.in_frame = false;
        if self.buf.len() == self.frame_start {
            self.buf.truncate(self.frame_start - BEGIN_SYNC.len());
        } else {
            self.buf.extend_from_slice(END_SYNC);
        }
        self.write_out()
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = self.out.write_all(&self.buf).and_then(|_| self.out.flush());
        self.buf.clear();
        if result.is_err() {
            // What reached the terminal is unknown: neither where the cursor is nor what the
            // cells show is taken from memory again.
            self.cursor = None;
            self.screen = None;
        }
        result
    }

    /// The terminal's size. Asking costs an `open` of `/dev/tty` (crossterm's way), and ratatui
    /// asks before every frame: the answer is kept for a second, or until [`Output::resized`].
    fn current_size(&self) -> io::Result<Size> {
        if let Some(s) = self.fixed {
            return Ok(s);
        }
        if let Some((size, at)) = self.size_seen.get()
            && at.elapsed() < SIZE_KEPT
        {
            return Ok(size);
        }
        let (width, height) = crossterm::terminal::size()?;
        let size = Size { width, height };
        self.size_seen.set(Some((size, std::time::Instant::now())));
        Ok(size)
    }

    /// The terminal says it was resized: ask its size again.
    pub fn resized(&self) {
        self.size_seen.set(None);
    }

    /// Forgets the screen's contents and sets it to blank cells of the terminal's size.
    fn blank_screen(&mut self) {
        if let Ok(size) = self.current_size() {
            self.width = size.width;
            self.height = size.height;
            self.pens.clear();
            self.pen_index.clear();
            let blank = self.intern(Pen::DEFAULT);
            self.screen = Some(vec![
                (b' ', blank);
                usize::from(size.width) * usize::from(size.height)
            ]);
        } else {
            self.screen = None;
        }
    }

    /// The pen's index in `pens`, added when new.
    fn intern(&mut self, pen: Pen) -> u16 {
        if let Some(&i) = self.pen_index.get(&pen) {
            return i;
        }
        let i = u16::try_from(self.pens.len()).unwrap_or(u16::MAX);
        if i < u16::MAX {
            self.pens.push(pen);
            self.pen_index.insert(pen, i);
        }
        i
    }

    /// Where cell (x, y) is in `screen`.
    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.width && y < self.height)
            .then(|| usize::from(y) * usize::from(self.width) + usize::from(x))
    }

    /// The shown cell's byte and pen, when it is one printable ASCII byte.
    fn shown(&self, x: u16, y: u16) -> Option<(u8, Pen)> {
        let screen = self.screen.as_ref()?;
        let &(b, pen) = screen.get(self.index(x, y)?)?;
        Some((b, *self.pens.get(usize::from(pen))?)).filter(|&(b, _)| b != 0)
    }

    /// Moves the cursor to (x, y) in as few bytes as it can. `pen` is the current pen: cells
    /// in between that are drawn in it can be written again instead of moved over.
    fn move_to(&mut self, x: u16, y: u16, pen: Pen) {
        if self.cursor == Some((x, y)) {
            return;
        }
        if let Some((cx, cy)) = self.cursor
            && cy == y
            && cx < x
        {
            let gap = x - cx;
            let relative = if gap == 1 { 3 } else { 3 + digits(gap) };
            if usize::from(gap) < relative && self.rewrite(cx, x, y, pen) {
                return;
            }
            if relative < absolute_len(x, y) {
                self.buf.extend_from_slice(b"\x1b[");
                if gap > 1 {
                    push_num(&mut self.buf, gap);
                }
                self.buf.push(b'C');
                return;
            }
        }
        self.buf.extend_from_slice(b"\x1b[");
        if x > 0 {
            push_num(&mut self.buf, y + 1);
            self.buf.push(b';');
            push_num(&mut self.buf, x + 1);
        } else if y > 0 {
            push_num(&mut self.buf, y + 1);
        }
        self.buf.push(b'H');
    }

    /// Writes the shown cells from..to of row y again, when they are all one byte wide and in
    /// `pen`; false (writing nothing) otherwise.
    fn rewrite(&mut self, from: u16, to: u16, y: u16, pen: Pen) -> bool {
        let start = self.buf.len();
        for x in from..to {
            match self.shown(x, y) {
                Some((b, shown)) if shown == pen => self.buf.push(b),
                _ => {
                    self.buf.truncate(start);
                    return false;
                }
            }
        }
        true
    }
}

/// Length of `CSI row;col H` for (x, y).
fn absolute_len(x: u16, y: u16) -> usize {
    match (x, y) {
        (0, 0) => 3,
        (0, y) => 3 + digits(y + 1),
        (x, y) => 4 + digits(y + 1) + digits(x + 1),
    }
}

fn digits(n: u16) -> usize {
    match n {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    }
}

fn push_num(buf: &mut Vec<u8>, n: u16) {
    let mut tmp = [0u8; 5];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Whether every terminal agrees this symbol is one column wide, so the cursor's column can
/// be trusted after it.
fn trusted_width(symbol: &str) -> bool {
    let mut chars = symbol.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        return false;
    };
    matches!(c, ' '..='~' | '\u{2500}'..='\u{259f}' | '\u{2800}'..='\u{28ff}')
}

/// Appends one SGR parameter, separated from the previous one.
fn param(buf: &mut Vec<u8>, first: &mut bool, p: &[u8]) {
    separate(buf, first);
    buf.extend_from_slice(p);
}

fn separate(buf: &mut Vec<u8>, first: &mut bool) {
    if !*first {
        buf.push(b';');
    }
    *first = false;
}

/// The palette index of a named colour (the ANSI 16).
fn ansi_index(color: Color) -> Option<u8> {
    Some(match color {
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        _ => return None,
    })
}

/// One colour parameter. `base`: 30 foreground, 40 background, 50 underline (which has only the
/// extended forms).
fn color_param(buf: &mut Vec<u8>, first: &mut bool, color: Color, base: u16) {
    separate(buf, first);
    let color = match ansi_index(color) {
        // The 16 named colours have short codes: 30–37 and 90–97 (40–47, 100–107).
        Some(n) if base != 50 => {
            let n = u16::from(n);
            push_num(buf, if n < 8 { base + n } else { base + 60 + n - 8 });
            return;
        }
        Some(n) => Color::Indexed(n),
        None => color,
    };
    match color {
        Color::Indexed(i) => {
            push_num(buf, base + 8);
            buf.extend_from_slice(b";5;");
            push_num(buf, u16::from(i));
        }
        Color::Rgb(r, g, b) => {
            push_num(buf, base + 8);
            for c in [2, r, g, b] {
                buf.push(b';');
                push_num(buf, u16::from(c));
            }
        }
        _ => push_num(buf, base + 9),
    }
}

/// One SGR sequence taking the pen from `from` to `to`.
fn push_sgr(buf: &mut Vec<u8>, from: Pen, to: Pen) {
    buf.extend_from_slice(b"\x1b[");
    let mut first = true;
    let removed = from.modifier - to.modifier;
    let added = to.modifier - from.modifier;
    // Parameters that switch attributes on, in a fixed order.
    const ON: [(Modifier, &[u8]); 9] = [
        (Modifier::BOLD, b"1"),
        (Modifier::DIM, b"2"),
        (Modifier::ITALIC, b"3"),
        (Modifier::UNDERLINED, b"4"),
        (Modifier::SLOW_BLINK, b"5"),
        (Modifier::RAPID_BLINK, b"6"),
        (Modifier::REVERSED, b"7"),
        (Modifier::HIDDEN, b"8"),
        (Modifier::CROSSED_OUT, b"9"),
    ];
    let mut turn_on = added;
    // 22 ends both bold and dim, 25 both blinks: the one that stays is switched on again.
    let intensity = Modifier::BOLD | Modifier::DIM;
    if removed.intersects(intensity) {
        param(buf, &mut first, b"22");
        turn_on |= to.modifier & intensity;
    }
    let blink = Modifier::SLOW_BLINK | Modifier::RAPID_BLINK;
    if removed.intersects(blink) {
        param(buf, &mut first, b"25");
        turn_on |= to.modifier & blink;
    }
    for (m, off) in [
        (Modifier::ITALIC, b"23"),
        (Modifier::UNDERLINED, b"24"),
        (Modifier::REVERSED, b"27"),
        (Modifier::HIDDEN, b"28"),
        (Modifier::CROSSED_OUT, b"29"),
    ] {
        if removed.contains(m) {
            param(buf, &mut first, off);
        }
    }
    for (m, on) in ON {
        if turn_on.contains(m) {
            param(buf, &mut first, on);
        }
    }
    if from.fg != to.fg {
        color_param(buf, &mut first, to.fg, 30);
    }
    if from.bg != to.bg {
        color_param(buf, &mut first, to.bg, 40);
    }
    if from.underline != to.underline {
        color_param(buf, &mut first, to.underline, 50);
    }
    buf.push(b'm');
}

impl<W: Write> crate::tui::screen::ShiftCells for Output<W> {
    /// Delete characters (`CSI n P`) at the start of the part, which pulls the rest of the row
    /// left, then insert as many blanks (`CSI n @`) where the part ends, which pushes what
    /// follows it back where it was.
    fn shift_cells(&mut self, s: crate::tui::screen::Shift, _moved: &[Cell]) -> io::Result<()> {
        if s.n == 0 || s.x0 + s.n > s.x1 || s.x1 > self.width || s.y >= self.height {
            return Ok(());
        }
        self.cursor = None;
        self.move_to(s.x0, s.y, Pen::DEFAULT);
        let csi = |buf: &mut Vec<u8>, n: u16, last: u8| {
            buf.extend_from_slice(b"\x1b[");
            if n > 1 {
                push_num(buf, n);
            }
            buf.push(last);
        };
        csi(&mut self.buf, s.n, b'P');
        if s.x1 < self.width {
            self.move_to(s.x1 - s.n, s.y, Pen::DEFAULT);
            csi(&mut self.buf, s.n, b'@');
        }
        self.cursor = None;
        let (Some(start), Some(end)) = (self.index(s.x0, s.y), self.index(s.x1 - 1, s.y)) else {
            return Ok(());
        };
        if let Some(row) = self.screen.as_mut().and_then(|r| r.get_mut(start..=end)) {
            row.rotate_left(usize::from(s.n));
            let blank = row.len() - usize::from(s.n);
            for c in &mut row[blank..] {
                // Blank in the terminal's pen of the moment: not known for writing again.
                *c = (0, 0);
            }
        }
        Ok(())
    }
}

impl<W: Write> Backend for Output<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        if let Ok(size) = self.current_size()
            && (size.width != self.width || size.height != self.height)
        {
            // Resized without a clear: what is shown where is no longer known.
            self.screen = None;
            self.width = size.width;
            self.height = size.height;
        }
        self.cursor = None;
        let mut pen = Pen::DEFAULT;
        // The last pen looked up and its index: neighbouring cells mostly share one.
        let mut interned: Option<(Pen, u16)> = None;
        for (x, y, cell) in content {
            let want = Pen::of(cell);
            self.move_to(x, y, pen);
            if want != pen {
                push_sgr(&mut self.buf, pen, want);
                pen = want;
            }
            let symbol = cell.symbol();
            self.buf.extend_from_slice(symbol.as_bytes());
            self.cursor = (trusted_width(symbol) && x + 1 < self.width).then_some((x + 1, y));
            if self.screen.is_some()
                && let Some(i) = self.index(x, y)
            {
                let byte = match symbol.as_bytes() {
                    &[b] if (0x20..0x7f).contains(&b)
                        && cell.diff_option == CellDiffOption::None =>
                    {
                        b
                    }
                    _ => 0,
                };
                let index = match interned {
                    Some((p, i)) if p == want => i,
                    _ => {
                        let i = self.intern(want);
                        interned = Some((want, i));
                        i
                    }
                };
                let shown = (byte, index);
                // A wide symbol covers the cells to its right: they show its right half now,
                // which writing a byte cannot bring back.
                // (Counted as the screen's diff counts them, which never writes those cells.)
                let covers = crate::tui::screen::cell_width(cell).saturating_sub(1);
                let row_end = i - usize::from(x) + usize::from(self.width);
                if let Some(s) = self.screen.as_mut() {
                    let end = (i + 1 + covers).min(row_end).min(s.len());
                    if let Some(slot) = s.get_mut(i) {
                        *slot = shown;
                    }
                    for slot in s.get_mut(i + 1..end).into_iter().flatten() {
                        *slot = (0, index);
                    }
                }
            }
        }
        if pen != Pen::DEFAULT {
            self.buf.extend_from_slice(b"\x1b[0m");
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(true) {
            self.buf.extend_from_slice(b"\x1b[?25l");
            self.hidden = Some(true);
        }
        self.flush()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.hidden != Some(false) {
            self.buf.extend_from_slice(b"\x1b[?25h");
            self.hidden = Some(false);
        }
        self.flush()
    }

    /// Where this backend last left the cursor (the top left when that is not known). The
    /// terminal is never asked: its answer would come through the input reader, which the input
    /// thread holds while it waits for a key, and the ask would fail after two seconds. A
    /// full-screen dashboard has no use for the real position.
    fn get_cursor_position(&mut self) -> io::Result<Position> {
        let (x, y) = self.cursor.unwrap_or((0, 0));
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let p = position.into();
        self.cursor = None;
        self.move_to(p.x, p.y, Pen::DEFAULT);
        self.cursor = Some((p.x, p.y));
        self.flush()
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let seq: &[u8] = match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        };
        self.buf.extend_from_slice(seq);
        if clear_type == ClearType::All {
            self.blank_screen();
        } else {
            self.screen = None;
        }
        self.flush()
    }

    fn size(&self) -> io::Result<Size> {
        self.current_size()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        if let Some(columns_rows) = self.fixed {
            return Ok(WindowSize {
                columns_rows,
                pixels: Size::default(),
            });
        }
        crossterm::terminal::window_size().map(|w| WindowSize {
            columns_rows: Size {
                width: w.columns,
                height: w.rows,
            },
            pixels: Size {
                width: w.width,
                height: w.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.in_frame {
            return Ok(());
        }
        self.write_out()
    }
}

#[cfg(test)]
mod tests;
