//! Frames onto the terminal: the UI draws into ratatui's buffer, and the cells that differ from
//! what the screen shows go to the backend.
//!
//! ratatui's own diff works out the display width of every cell's symbol, changed or not, with
//! the full Unicode width rules for strings. A dashboard is mostly box drawing and bar
//! characters, each one multi-byte: at 200x50 that diff was a quarter of the CPU the dashboard
//! used. This one finds the same cells (a test compares the two on random frames with wide
//! symbols, emoji and skipped cells) but takes a single character's width from one table
//! lookup and only asks the full rules for longer symbols.

use ratatui::Frame;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell, CellDiffOption, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthChar;

/// What the screen shows (the last frame drawn).
pub struct Screen {
    shown: Buffer,
    /// False when what the screen shows is not known (a write failed, someone else wrote to
    /// the terminal): the next frame clears it first and draws every cell.
    known: bool,
    /// Whether the screen shows the last frame drawn, whole (not cleared since).
    last_frame_shown: bool,
}

impl Default for Screen {
    fn default() -> Self {
        Screen::new()
    }
}

impl Screen {
    /// For a terminal whose screen is blank (the alternate screen just entered).
    pub fn new() -> Screen {
        Screen {
            shown: Buffer::empty(Rect::ZERO),
            known: true,
            last_frame_shown: false,
        }
    }

    /// Clears the screen; the next frame draws every cell.
    pub fn clear<B: ShiftCells>(&mut self, terminal: &mut Terminal<B>) -> Result<(), B::Error> {
        self.last_frame_shown = false;
        let cleared = terminal
            .backend_mut()
            .clear()
            .and_then(|()| terminal.backend_mut().flush());
        match cleared {
            Ok(()) => {
                self.shown.reset();
                self.known = true;
            }
            Err(_) => self.known = false,
        }
        cleared
    }

    /// What the screen shows is not known any more: the next frame starts with a clear.
    pub fn forget(&mut self) {
        self.known = false;
        self.last_frame_shown = false;
    }

    /// Draws one frame with `ui` and sends the cells that changed to `terminal`'s backend,
    /// then hides the cursor and flushes the backend, as `Terminal::draw` does.
    ///
    /// `ui` is told whether the screen shows the last frame whole (`in_place`). If it does,
    /// the areas `ui` gives back are holes: `ui` drew nothing into them, and they show what the
    /// last frame showed there, every cell plain (one column, no diff option, not skipped).
    /// They are neither compared nor copied nor reset. If it does not, `ui` drew every cell and
    /// what it gives back is not looked at.
    pub fn draw<B: ShiftCells>(
        &mut self,
        terminal: &mut Terminal<B>,
        ui: impl FnOnce(&mut Frame, bool) -> Vec<Rect>,
    ) -> Result<(), B::Error> {
        let size = self.shown.area;
        // A new size clears the screen (ratatui does so when it resizes its buffers).
        terminal.autoresize()?;
        if terminal.get_frame().area() != size {
            keep_one_buffer(terminal);
        }
        if !self.known {
            self.clear(terminal)?;
        }
        let area = terminal.get_frame().area();
        let in_place = self.last_frame_shown && area == size;
        let holes = ui(&mut terminal.get_frame(), in_place);
        if !in_place {
            if area != size {
                // Resized (the screen was cleared) or the first frame: the screen is blank.
                self.shown = Buffer::empty(area);
            }
            return self.draw_over_last(terminal, &[]);
        }
        self.draw_over_last(terminal, &holes)
    }

    /// The frame drawn into the terminal's buffer, but for `holes`, which show the last frame:
    /// the cells outside them that changed are sent, and only those are copied into what the
    /// screen shows. The drawing buffer is reset outside the holes (nothing was drawn in them).
    fn draw_over_last<B: ShiftCells>(
        &mut self,
        terminal: &mut Terminal<B>,
        holes: &[Rect],
    ) -> Result<(), B::Error> {
        let mut next = std::mem::take(terminal.current_buffer_mut());
        let prev = &mut self.shown;
        // A changed symbol beside a hole that reaches into it (which panels with a border never
        // have) needs the hole's cells: they are filled from the last frame, and all compared.
        let mut filled = false;
        let mut dirty = Vec::new();
        let mut changed = match changes_within(prev, &next, holes, 0..usize::MAX, true, &mut dirty)
        {
            Some(c) => c,
            None => {
                filled = true;
                fill_and_compare(prev, &mut next, holes, &mut dirty)
            }
        };
        let moves = shifts(prev, &next, holes, &changed);
        let mut shifted = Ok(());
        if !moves.is_empty() {
            for &s in &moves {
                let moved = shift_row(prev, s);
                shifted = shifted.and_then(|()| terminal.backend_mut().shift_cells(s, &moved));
            }
            let holes_open = !holes.is_empty() && !filled;
            let after =
                changes_after_moves(prev, &next, holes, changed, &moves, holes_open, &mut dirty);
            changed = match after {
                Some(c) => c,
                None => {
                    filled = true;
                    fill_and_compare(prev, &mut next, holes, &mut dirty)
                }
            };
        }
        let changed = at(&next, changed);
        let written = shifted
            .and_then(|()| terminal.backend_mut().draw(changed.into_iter()))
            .and_then(|()| terminal.hide_cursor());
        // What the screen shows now: the new cells outside the holes. Only those the walk did
        // not find equal can differ; each is taken once.
        dirty.sort_unstable();
        let mut taken: Vec<(usize, usize)> = Vec::with_capacity(dirty.len());
        for (a, b) in dirty {
            match taken.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => taken.push((a, b)),
            }
        }
        for (a, b) in taken {
            prev.content[a..b].swap_with_slice(&mut next.content[a..b]);
        }
        // The buffer to draw into is blank again (the holes were not drawn into).
        if filled {
            next.reset();
        } else {
            let len = next.content.len();
            let mut from = 0;
            let runs = equal_runs(next.area, holes, len);
            for (start, end) in runs.into_iter().chain([(len, len)]) {
                for cell in &mut next.content[from..start.max(from)] {
                    cell.reset();
                }
                from = from.max(end);
            }
        }
        *terminal.current_buffer_mut() = next;
        self.finish(terminal, written)
    }

    fn finish<B: ShiftCells>(
        &mut self,
        terminal: &mut Terminal<B>,
        written: Result<(), B::Error>,
    ) -> Result<(), B::Error> {
        let written = written.and_then(|()| terminal.backend_mut().flush());
        self.last_frame_shown = written.is_ok();
        if written.is_err() {
            self.known = false;
        }
        written
    }
}

/// Fills `holes` in `next` with `prev`'s cells and compares the whole frame (a changed symbol
/// beside a hole reached into it).
fn fill_and_compare(
    prev: &Buffer,
    next: &mut Buffer,
    holes: &[Rect],
    dirty: &mut Vec<(usize, usize)>,
) -> Vec<usize> {
    for r in holes {
        let r = r.intersection(next.area);
        for y in r.top()..r.bottom() {
            let i = next.index_of(r.x, y);
            let w = usize::from(r.width);
            next.content[i..i + w].clone_from_slice(&prev.content[i..i + w]);
        }
    }
    changes_within(prev, next, holes, 0..usize::MAX, false, dirty).unwrap_or_default()
}

/// Empties the terminal's second buffer (its own diff's, which [`Screen`] does not use): a
/// frame's buffer is half a megabyte at 200x50. The terminal makes it again at each resize.
fn keep_one_buffer<B: Backend>(terminal: &mut Terminal<B>) {
    // Swapping resets the other buffer and makes it current: empty it and swap back (which
    // resets the buffer the next frame is drawn into).
    terminal.swap_buffers();
    *terminal.current_buffer_mut() = Buffer::empty(Rect::ZERO);
    terminal.swap_buffers();
}

/// A part of one row that the terminal moves `n` columns to the left: afterwards columns
/// `x0..x1 - n` show what `x0 + n..x1` showed, `x1 - n..x1` are blank and the rest of the row
/// is as it was. A chart that moved on by a column is one per row of the chart, in a few bytes
/// each, instead of every cell of it written again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub y: u16,
    pub x0: u16,
    pub x1: u16,
    pub n: u16,
}

/// A backend that can move a part of a row. The default draws the moved cells (`moved`,
/// `x0..x1` as they are after the move); a terminal backend sends the move itself.
pub trait ShiftCells: Backend {
    fn shift_cells(&mut self, shift: Shift, moved: &[Cell]) -> Result<(), Self::Error> {
        let y = shift.y;
        self.draw(moved.iter().zip(shift.x0..shift.x1).map(|(c, x)| (x, y, c)))
    }
}

impl ShiftCells for ratatui::backend::TestBackend {}

/// Rows with fewer changed cells than this are not looked at for a move.
const SHIFT_MIN_CHANGED: usize = 16;
/// Cells a move must save (beyond those it costs) to be sent: its bytes are worth a few.
const SHIFT_MIN_GAIN: i32 = 8;
/// Moves looked for in one row (one per chart side by side).
const SHIFTS_PER_ROW: usize = 3;

/// The moves that leave fewer cells of `next` to write over `prev` than `changed` (the cells
/// that differ), in rows where many do. Only rows of one-column cells (no wide symbols, nothing
/// skipped or forced) and away from the `equal` areas are moved.
pub fn shifts(prev: &Buffer, next: &Buffer, equal: &[Rect], changed: &[usize]) -> Vec<Shift> {
    let area = next.area;
    if prev.area != area || changed.len() < SHIFT_MIN_CHANGED {
        return Vec::new();
    }
    let width = usize::from(area.width);
    let mut per_row = vec![0usize; usize::from(area.height)];
    for &i in changed {
        if let Some(n) = per_row.get_mut(i / width) {
            *n += 1;
        }
    }
    let mut out = Vec::new();
    // The changed cells of one row at a time (they come in order).
    let mut rest = changed;
    for (row, &count) in per_row.iter().enumerate() {
        let (here, after) = rest.split_at(count.min(rest.len()));
        rest = after;
        if count < SHIFT_MIN_CHANGED {
            continue;
        }
        let span = row * width..(row + 1) * width;
        let (old, new) = (&prev.content[span.clone()], &next.content[span]);
        // Worth a closer look only when most changed cells are what the old row shows a
        // cell or two to their right (a text row that changed mostly is not).
        let moved_by = |n: usize| half_match(here.iter().map(|&i| i % width), old, new, n);
        let ns: Vec<usize> = (1..=2).filter(|&n| moved_by(n)).collect();
        if ns.is_empty() || !old.iter().chain(new).all(plain) {
            continue;
        }
        let y = area.y + row as u16;
        // Cells a move may not touch: the equal areas.
        let mut blocked = vec![false; width];
        for r in equal.iter().map(|r| r.intersection(area)) {
            if (r.top()..r.bottom()).contains(&y) {
                for b in &mut blocked[usize::from(r.x - area.x)..usize::from(r.right() - area.x)] {
                    *b = true;
                }
            }
        }
        for _ in 0..SHIFTS_PER_ROW {
            let Some((x0, x1, n)) = best_shift(old, new, &blocked, &ns) else {
                break;
            };
            for b in &mut blocked[x0..x1] {
                *b = true;
            }
            out.push(Shift {
                y,
                x0: area.x + x0 as u16,
                x1: area.x + x1 as u16,
                n: n as u16,
            });
        }
    }
    out
}

/// A cell a move can carry, and a kept panel's cells the screen steps over unseen: one column
/// wide, drawn like any other.
#[allow(deprecated)]
pub(crate) fn plain(c: &Cell) -> bool {
    c.diff_option == CellDiffOption::None && !c.skip && symbol_width(c.symbol()) == 1
}

/// The move of one row by one of `ns` cells that saves the most cells, when it saves enough:
/// `(x0, x1, n)`.
/// Each cell `x` of the moved part gains when it equals the old cell `n` to its right and
/// loses when it equals the old cell in its place (Kadane's maximum run of gains); the `n`
/// cells left blank at its end lose what they showed.
fn best_shift(
    old: &[Cell],
    new: &[Cell],
    blocked: &[bool],
    ns: &[usize],
) -> Option<(usize, usize, usize)> {
    let width = old.len();
    let mut best: Option<(i32, usize, usize, usize)> = None;
    for &n in ns {
        let (mut sum, mut start) = (0i32, 0usize);
        for x in 0..width.saturating_sub(n) {
            if blocked[x] || blocked[x + n] {
                (sum, start) = (0, x + 1);
                continue;
            }
            let gain = i32::from(same(&new[x], &old[x + n])) - i32::from(same(&new[x], &old[x]));
            if sum <= 0 {
                (sum, start) = (0, x);
            }
            sum += gain;
            // The part moved is start..x + 1 + n; its last n cells are left blank.
            let x1 = x + 1 + n;
            if x1 > width || blocked[x + 1..x1].iter().any(|&b| b) {
                continue;
            }
            let lost = (x + 1..x1).filter(|&i| same(&new[i], &old[i])).count() as i32;
            let net = sum - lost;
            if net >= SHIFT_MIN_GAIN && best.is_none_or(|b| net > b.0) {
                best = Some((net, start, x1, n));
            }
        }
    }
    best.map(|(_, x0, x1, n)| (x0, x1, n))
}

/// Whether half or more of the changed cells of one row (at the columns `here`) of `new` are
/// what `old` (that row) showed `n` cells to their right; stops as soon as that is decided
/// either way.
fn half_match(
    here: impl ExactSizeIterator<Item = usize>,
    old: &[Cell],
    new: &[Cell],
    n: usize,
) -> bool {
    let count = here.len();
    let need = count.div_ceil(2);
    let (mut hits, mut misses) = (0, 0);
    for x in here {
        if old.get(x + n).is_some_and(|o| same(&new[x], o)) {
            hits += 1;
            if hits >= need {
                return true;
            }
        } else {
            misses += 1;
            if misses > count - need {
                return false;
            }
        }
    }
    hits >= need
}

/// Moves the cells of `s` in `buf` as the terminal does, leaving the `n` cells at its end
/// unknown (they match no cell, so they are written); gives back the moved part as it is
/// drawn (blank at the end).
fn shift_row(buf: &mut Buffer, s: Shift) -> Vec<Cell> {
    let width = usize::from(buf.area.width);
    let row = usize::from(s.y - buf.area.y) * width;
    let (x0, x1) = (
        row + usize::from(s.x0 - buf.area.x),
        row + usize::from(s.x1 - buf.area.x),
    );
    let n = usize::from(s.n);
    buf.content[x0..x1].rotate_left(n);
    let mut moved = buf.content[x0..x1].to_vec();
    let blank = moved.len() - n;
    for c in &mut moved[blank..] {
        *c = Cell::default();
    }
    for c in &mut buf.content[x1 - n..x1] {
        *c = Cell::default();
        c.diff_option = CellDiffOption::Skip;
    }
    moved
}

/// Modifiers that show on a blank cell.
const VISIBLE_ON_BLANK: Modifier = Modifier::REVERSED
    .union(Modifier::UNDERLINED)
    .union(Modifier::SLOW_BLINK)
    .union(Modifier::RAPID_BLINK)
    .union(Modifier::CROSSED_OUT);

/// The cells of `next` to write over `prev`, with their positions: the cells ratatui's
/// `Buffer::diff` gives for the same two buffers, in the same order. Both buffers have the same
/// origin and width.
pub fn changes<'a>(prev: &Buffer, next: &'a Buffer) -> Vec<(u16, u16, &'a Cell)> {
    changes_except(prev, next, &[])
}

/// [`changes`], taking the cells of `equal` as they are without looking at them: the same
/// cells as [`changes`] gives when every cell of those areas is equal in both buffers and
/// [`plain`] (one column, no diff option, not skipped): walked over, such a run of cells
/// writes nothing and ends where it ends.
pub fn changes_except<'a>(
    prev: &Buffer,
    next: &'a Buffer,
    equal: &[Rect],
) -> Vec<(u16, u16, &'a Cell)> {
    let changed = changes_within(prev, next, equal, 0..usize::MAX, false, &mut Vec::new());
    at(next, changed.unwrap_or_default())
}

/// The cells of `next` at the indices `changed`, with their positions.
fn at(next: &Buffer, changed: Vec<usize>) -> Vec<(u16, u16, &Cell)> {
    let width = usize::from(next.area.width).max(1);
    changed
        .into_iter()
        .map(|i| {
            let x = (i % width) as u16 + next.area.x;
            let y = (i / width) as u16 + next.area.y;
            (x, y, &next.content[i])
        })
        .collect()
}

/// The changes once `moves` were made in `prev`, given `changed`, those from before: only the
/// rows moved are compared again. A moved row holds one-column cells only, so nothing reaches
/// out of it into the next row; when a symbol of the row before reaches into it (which
/// ratatui's own drawing never does), every cell is compared again. With `holes` (the `equal`
/// areas of `next` hold nothing) it is `None` when a changed cell needs one of theirs.
fn changes_after_moves(
    prev: &Buffer,
    next: &Buffer,
    equal: &[Rect],
    mut changed: Vec<usize>,
    moves: &[Shift],
    holes: bool,
    dirty: &mut Vec<(usize, usize)>,
) -> Option<Vec<usize>> {
    let width = usize::from(next.area.width);
    let mut rows: Vec<u16> = moves.iter().map(|s| s.y).collect();
    rows.sort_unstable();
    rows.dedup();
    if rows
        .iter()
        .any(|&y| y > next.area.y && [prev, next].iter().any(|b| reaches_past(b, y - 1)))
    {
        return changes_within(prev, next, equal, 0..usize::MAX, holes, dirty);
    }
    let row_of = |i: usize| (i / width.max(1)) as u16 + next.area.y;
    changed.retain(|&i| rows.binary_search(&row_of(i)).is_err());
    for y in rows {
        let start = usize::from(y - next.area.y) * width;
        changed.extend(changes_within(
            prev,
            next,
            equal,
            start..start + width,
            holes,
            dirty,
        )?);
    }
    changed.sort_unstable();
    Some(changed)
}

/// Whether a cell of row `y` of `buf` is wider than what is left of the row: it reaches into the
/// next row.
fn reaches_past(buf: &Buffer, y: u16) -> bool {
    let width = usize::from(buf.area.width);
    let row = usize::from(y - buf.area.y) * width;
    buf.content[row..row + width]
        .iter()
        .enumerate()
        .any(|(x, c)| x + cell_width(c) > width)
}

/// The changes among the cells whose indices are in `cells` (a whole number of rows). With
/// `holes`, the `equal` areas of `next` hold nothing (they show `prev`'s cells): `None` when a
/// changed symbol beside one reaches into it, so that its cells are needed.
///
/// Adds to `dirty` the ranges of cells outside the `equal` areas that were not found equal in
/// both (every cell that differs is in one).
fn changes_within(
    prev: &Buffer,
    next: &Buffer,
    equal: &[Rect],
    cells: std::ops::Range<usize>,
    holes: bool,
    dirty: &mut Vec<(usize, usize)>,
) -> Option<Vec<usize>> {
    let len = prev.content.len().min(next.content.len());
    let (old, new) = (&prev.content[..len], &next.content[..len]);
    let stop = cells.end.min(len);
    let runs = equal_runs(next.area, equal, len);
    let mut run = 0;
    let mut out = Vec::new();
    let mut i = cells.start;
    while i < stop {
        while runs.get(run).is_some_and(|r| r.1 <= i) {
            run += 1;
        }
        if let Some(&(_, end)) = runs.get(run).filter(|r| r.0 <= i) {
            // Equal plain cells write nothing, one column at a time: the walk ends at the run's
            // end.
            i = end;
            continue;
        }
        // Up to the next equal run, the cells that are the screen's and plain (one column, no
        // diff option) pass in a loop of their own: most of every frame.
        let (from, until) = (i, runs.get(run).map_or(stop, |r| r.0).min(stop));
        while i < until && plain_and_same(&new[i], &old[i]) {
            i += 1;
        }
        if from < until && i == until {
            continue;
        }
        // The cells from `start` to where the walk goes on may differ from the screen's (when
        // the screen takes this frame, they are the ones to take).
        let start = i;
        'step: {
            let (cur, was) = (&new[i], &old[i]);
            if skipped(cur) {
                i += 1;
                break 'step;
            }
            if let CellDiffOption::ForcedWidth(w) = cur.diff_option {
                if !same(cur, was) {
                    out.push(i);
                }
                i += usize::from(w.get());
                break 'step;
            }
            let w = symbol_width(cur.symbol());
            if cur.diff_option == CellDiffOption::None && same(cur, was) {
                // A wide symbol covers the cells after it.
                i += w.max(1);
                break 'step;
            }
            out.push(i);
            // What follows a wide symbol that changed: the cells it covers, or those the symbol it
            // replaced covered.
            let trailing = if w > 1 && cur.symbol().contains('\u{FE0F}') {
                // Emoji with a presentation selector: some terminals leave their second column
                // alone, so a changed symbol there is written again.
                Some((i + w, false))
            } else if w > 1 {
                i += w;
                break 'step;
            } else if cell_width(was) > w
                && (was.bg != Color::Reset || was.modifier.intersects(VISIBLE_ON_BLANK))
            {
                // A wide symbol whose style shows on blanks was replaced by a narrow one: every
                // column it covered is written again.
                Some((i + cell_width(was), true))
            } else {
                None
            };
            let Some((end, force)) = trailing else {
                i += 1;
                break 'step;
            };
            let mut end = end.min(len);
            let mut j = i + 1;
            while j < end {
                let here = j;
                if holes && runs.iter().any(|r| (r.0..r.1).contains(&here)) {
                    return None;
                }
                j += cell_width(&new[here]).max(1);
                end = end.max(j).min(len);
                if !skipped(&new[here]) && (force || old[here].symbol() != new[here].symbol()) {
                    out.push(here);
                }
            }
            i = end.max(i + 1);
        }
        // A symbol that covers cells may reach into (or over) an equal area: not its cells.
        let mut from = start;
        let end = i.min(len);
        for r in runs[run..].iter().take_while(|r| r.0 < end) {
            if from < r.0 {
                push_range(dirty, from, r.0);
            }
            from = from.max(r.1);
        }
        if from < end {
            push_range(dirty, from, end);
        }
    }
    Some(out)
}

/// Adds `from..to` to `ranges`, joined to the last one when it follows it.
fn push_range(ranges: &mut Vec<(usize, usize)>, from: usize, to: usize) {
    match ranges.last_mut() {
        Some(last) if last.1 == from => last.1 = to,
        _ => ranges.push((from, to)),
    }
}

/// The cell index ranges of `areas` (clipped to `area`), in order, one per row of each.
fn equal_runs(area: Rect, areas: &[Rect], len: usize) -> Vec<(usize, usize)> {
    let width = usize::from(area.width);
    let mut runs = Vec::new();
    for r in areas {
        let r = r.intersection(area);
        for y in r.top()..r.bottom() {
            let row = usize::from(y - area.y) * width;
            let start = row + usize::from(r.x - area.x);
            runs.push((start.min(len), (start + usize::from(r.width)).min(len)));
        }
    }
    runs.retain(|r| r.0 < r.1);
    runs.sort_unstable();
    runs
}

/// A cell of one column without a diff option, equal to what the screen shows there.
///
/// The symbols of most cells are one byte (ASCII) or three (box drawing, blocks, braille), all
/// one column: those are compared byte by byte with the symbol read once; any other symbol
/// takes the general comparison.
#[allow(deprecated)]
#[inline(always)]
fn plain_and_same(cur: &Cell, was: &Cell) -> bool {
    if cur.diff_option != CellDiffOption::None
        || was.diff_option != CellDiffOption::None
        || cur.skip
        || was.skip
    {
        return false;
    }
    let symbol = match (cur.symbol().as_bytes(), was.symbol().as_bytes()) {
        ([a], [b]) => a == b,
        ([0xe2, a1 @ (0x94..=0x96 | 0xa0..=0xa3), a2], [b0, b1, b2]) => {
            *b0 == 0xe2 && a1 == b1 && a2 == b2
        }
        _ => return same(cur, was) && symbol_width(cur.symbol()) == 1,
    };
    symbol
        && cur.fg == was.fg
        && cur.bg == was.bg
        && cur.modifier == was.modifier
        && cur.underline_color == was.underline_color
}

/// `a == b` (ratatui's `Cell` equality), for the diff's inner loop: most cells are the same
/// as last frame's, so every field is compared; the attributes go first and a symbol of up to
/// three bytes (ASCII, box drawing, blocks) is compared byte by byte instead of by a call to
/// `memcmp`.
#[allow(deprecated)]
#[inline(always)]
fn same(a: &Cell, b: &Cell) -> bool {
    a.fg == b.fg
        && a.bg == b.bg
        && a.modifier == b.modifier
        && a.underline_color == b.underline_color
        && a.diff_option == b.diff_option
        && a.skip == b.skip
        && same_symbol(a.symbol().as_bytes(), b.symbol().as_bytes())
}

#[inline(always)]
fn same_symbol(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        ([a0], [b0]) => a0 == b0,
        ([a0, a1, a2], [b0, b1, b2]) => a0 == b0 && a1 == b1 && a2 == b2,
        _ => a == b,
    }
}

#[allow(deprecated)]
#[inline(always)]
fn skipped(cell: &Cell) -> bool {
    cell.diff_option == CellDiffOption::Skip
        || (cell.skip && cell.diff_option == CellDiffOption::None)
}

/// The columns a cell takes, as the diff counts them (a forced width, else its symbol's).
pub(crate) fn cell_width(cell: &Cell) -> usize {
    match cell.diff_option {
        CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
        _ => symbol_width(cell.symbol()),
    }
}

/// The columns a symbol takes, as ratatui counts them (`CellWidth`): one table lookup for a
/// single character, ratatui's own count for anything longer or special.
/// The common symbols are answered where it is called (the diff's inner loop), the rest by
/// [`other_width`].
#[inline(always)]
fn symbol_width(symbol: &str) -> usize {
    match symbol.as_bytes() {
        [_] => 1,
        // Box drawing and blocks (U+2500–U+259F) and braille (U+2800–U+28FF): the bulk of a
        // dashboard's frames and tables, all one column.
        [0xe2, 0x94..=0x96, _] | [0xe2, 0xa0..=0xa3, _] => 1,
        _ => other_width(symbol),
    }
}

#[inline(never)]
fn other_width(symbol: &str) -> usize {
    let mut chars = symbol.chars();
    match (chars.next(), chars.next()) {
        // Below U+00A0 are the C1 controls; ratatui counts the halfwidth sound marks
        // (U+FF9E, U+FF9F) as one column, not as the zero of the Unicode tables.
        (Some(c), None) if c >= '\u{a0}' && !matches!(c, '\u{ff9e}' | '\u{ff9f}') => {
            c.width().unwrap_or(0)
        }
        _ => usize::from(symbol.cell_width()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;
    use ratatui::style::Style;
    use std::num::NonZeroU16;

    #[test]
    fn a_single_characters_width_is_ratatuis() {
        let mut differ = Vec::new();
        for c in ('\u{a0}'..=char::MAX).filter(|c| !c.is_control()) {
            let s = c.to_string();
            if symbol_width(&s) != usize::from(s.as_str().cell_width()) {
                differ.push(c);
            }
        }
        assert!(differ.is_empty(), "widths differ for {differ:?}");
        assert_eq!(symbol_width("a"), 1);
        assert_eq!(symbol_width("─"), 1);
        assert_eq!(symbol_width("宽"), 2);
        assert_eq!(symbol_width("❤\u{fe0f}"), 2);
    }

    const SYMBOLS: &[&str] = &[
        "a",
        " ",
        " ",
        "─",
        "█",
        "▁",
        "●",
        "宽",
        "🔥",
        "❤\u{fe0f}",
        "\u{ff9e}",
        "e\u{301}",
    ];

    fn random_buffer(rng: &mut Rng, area: Rect) -> Buffer {
        let mut buf = Buffer::empty(area);
        for _ in 0..rng.below(40) {
            let x = area.x + rng.below(usize::from(area.width)) as u16;
            let y = area.y + rng.below(usize::from(area.height)) as u16;
            let text: String = (0..rng.below(8))
                .map(|_| SYMBOLS[rng.below(SYMBOLS.len())])
                .collect();
            let style = match rng.below(4) {
                0 => Style::default().bg(Color::Blue),
                1 => Style::default().add_modifier(Modifier::REVERSED),
                2 => Style::default().fg(Color::Red),
                _ => Style::default(),
            };
            buf.set_stringn(x, y, &text, usize::from(area.right() - x), style);
        }
        // Not on the last cell: nothing two columns wide fits there.
        for _ in 0..rng.below(4) {
            let i = rng.below(buf.content.len() - 1);
            buf.content[i].diff_option = match rng.below(3) {
                0 => CellDiffOption::Skip,
                1 => CellDiffOption::AlwaysUpdate,
                _ => CellDiffOption::ForcedWidth(NonZeroU16::new(2).expect("two")),
            };
        }
        buf
    }

    /// `n` random rectangles (which may overlap) inside `area`.
    fn random_rects(rng: &mut Rng, area: Rect, n: usize) -> Vec<Rect> {
        (0..n)
            .map(|_| {
                let x = area.x + rng.below(usize::from(area.width)) as u16;
                let y = area.y + rng.below(usize::from(area.height)) as u16;
                let w = 1 + rng.below(usize::from(area.right() - x)) as u16;
                let h = 1 + rng.below(usize::from(area.bottom() - y)) as u16;
                Rect::new(x, y, w, h)
            })
            .collect()
    }

    /// Two random 12x4 buffers at one random origin.
    fn random_pair(rng: &mut Rng) -> (Rect, Buffer, Buffer) {
        let area = Rect::new(rng.below(3) as u16, rng.below(3) as u16, 12, 4);
        let prev = random_buffer(rng, area);
        (area, prev, random_buffer(rng, area))
    }

    /// Deciding early gives what counting every match gives.
    #[test]
    fn half_match_is_half_of_the_matches_or_more() {
        let mut rng = Rng(0x4a1f);
        for _ in 0..3000 {
            let w = 1 + rng.below(12);
            let old: Vec<Cell> = (0..w)
                .map(|_| Cell::new(["a", "b"][rng.below(2)]))
                .collect();
            let cells: Vec<Cell> = (0..w)
                .map(|_| Cell::new(["a", "b"][rng.below(2)]))
                .collect();
            let here: Vec<usize> = (0..w).filter(|_| rng.below(3) != 0).collect();
            let n = 1 + rng.below(2);
            let hits = here
                .iter()
                .filter(|&&x| old.get(x + n) == Some(&cells[x]))
                .count();
            let decided = half_match(here.iter().copied(), &old, &cells, n);
            assert_eq!(decided, hits * 2 >= here.len(), "{here:?}");
        }
    }

    #[test]
    fn same_is_cell_equality() {
        let mut rng = Rng(7);
        let area = Rect::new(0, 0, 12, 4);
        for _ in 0..300 {
            let (a, b) = (random_buffer(&mut rng, area), random_buffer(&mut rng, area));
            for (x, y) in a
                .content
                .iter()
                .zip(&b.content)
                .chain(a.content.iter().zip(&a.content))
            {
                assert_eq!(same(x, y), x == y, "{x:?} and {y:?}");
            }
        }
        let mut c = Cell::new("a");
        assert!(same(&c, &Cell::new("a")));
        c.set_symbol("ab");
        assert!(!same(&c, &Cell::new("a")) && !same(&c, &Cell::new("ac")));
    }

    /// Areas known to be equal and plain give the same changes as comparing every cell, also
    /// when a symbol beside them reaches into them.
    #[test]
    fn equal_areas_change_nothing_in_the_changes() {
        const PLAIN: &[&str] = &["a", " ", "─", "█", "⣿"];
        let mut rng = Rng(0xface);
        for round in 0..3000 {
            let (area, mut prev, mut next) = random_pair(&mut rng);
            let n = rng.below(4);
            let equal = random_rects(&mut rng, area, n);
            for r in &equal {
                for y in r.top()..r.bottom() {
                    for x in r.left()..r.right() {
                        if !plain(&prev[(x, y)]) {
                            let mut c = Cell::new(PLAIN[rng.below(PLAIN.len())]);
                            if rng.below(2) == 0 {
                                c.set_bg(Color::Blue);
                            }
                            prev[(x, y)] = c;
                        }
                        next[(x, y)] = prev[(x, y)].clone();
                    }
                }
            }
            let all = changes(&prev, &next);
            let except = changes_except(&prev, &next, &equal);
            assert_eq!(
                except, all,
                "round {round}: {equal:?} in {prev:?} then {next:?}"
            );
        }
    }

    /// With holes (equal areas the new frame left undrawn), the changes are those of the whole
    /// new frame, none of them in a hole; or `None`, when a changed symbol beside a hole needs
    /// its cells.
    #[test]
    fn holes_give_the_changes_of_the_whole_frame_or_none() {
        const PLAIN: &[&str] = &["a", " ", "─", "█", "⣿"];
        let mut rng = Rng(0x401e);
        let mut needed = 0;
        for round in 0..3000 {
            let (area, mut prev, mut next) = random_pair(&mut rng);
            let n = 1 + rng.below(3);
            let holes = random_rects(&mut rng, area, n);
            let mut holed = next.clone();
            for r in &holes {
                for p in r.positions() {
                    if !plain(&prev[p]) {
                        let mut c = Cell::new(PLAIN[rng.below(PLAIN.len())]);
                        if rng.below(2) == 0 {
                            c.set_bg(Color::Blue);
                        }
                        prev[p] = c;
                    }
                    next[p] = prev[p].clone();
                    // What an undrawn hole holds is never looked at.
                    holed[p] = Cell::new(["宽", "x", "❤\u{fe0f}"][rng.below(3)]);
                }
            }
            let mut dirty = Vec::new();
            match changes_within(&prev, &holed, &holes, 0..usize::MAX, true, &mut dirty) {
                Some(c) => assert_eq!(
                    at(&holed, c),
                    changes(&prev, &next),
                    "round {round}: {holes:?} in {prev:?} then {next:?}"
                ),
                None => {
                    needed += 1;
                    continue;
                }
            }
            // Every cell that differs outside the holes is in a dirty range, and no dirty range
            // reaches into a hole.
            let in_hole = |i: usize| {
                let p = holed.pos_of(i);
                holes.iter().any(|r| r.contains(p.into()))
            };
            for (i, (a, b)) in prev.content.iter().zip(&holed.content).enumerate() {
                if !in_hole(i) && a != b {
                    assert!(
                        dirty.iter().any(|r| (r.0..r.1).contains(&i)),
                        "round {round}: cell {i} differs, not in {dirty:?}"
                    );
                }
            }
            for &(a, b) in &dirty {
                assert!(
                    (a..b).all(|i| !in_hole(i)),
                    "round {round}: {a}..{b} reaches into {holes:?}"
                );
            }
        }
        assert!(needed > 0, "no changed symbol reached into a hole");
        assert!(
            needed < 1500,
            "{needed} of 3000 rounds needed a hole's cells"
        );
    }

    /// Drawn through a screen, a frame with holes leaves the terminal as the whole frame does,
    /// also when a changed symbol needs a hole's cells; the buffer to draw into is blank after.
    #[test]
    fn a_frame_with_holes_ends_as_the_whole_frame_does() {
        use ratatui::backend::TestBackend;
        const PLAIN: &[&str] = &["a", " ", "─", "█", "⣿"];
        let mut rng = Rng(0x4015);
        let area = Rect::new(0, 0, 12, 4);
        let mut needed = 0;
        for round in 0..1500 {
            let mut prev = random_buffer(&mut rng, area);
            let mut next = random_buffer(&mut rng, area);
            let n = 1 + rng.below(3);
            let holes = random_rects(&mut rng, area, n);
            for p in holes.iter().flat_map(|r| r.positions()) {
                if !plain(&prev[p]) {
                    prev[p] = Cell::new(PLAIN[rng.below(PLAIN.len())]);
                    prev[p].set_bg(Color::Blue);
                }
                next[p] = prev[p].clone();
            }
            let mut holed = next.clone();
            for p in holes.iter().flat_map(|r| r.positions()) {
                holed[p] = Cell::default();
            }
            needed += usize::from(
                changes_within(&prev, &holed, &holes, 0..usize::MAX, true, &mut Vec::new())
                    .is_none(),
            );
            let mut ends = Vec::new();
            for with_holes in [true, false] {
                let mut t = Terminal::new(TestBackend::new(12, 4)).expect("test terminal");
                let mut screen = Screen::new();
                screen
                    .draw(&mut t, |f, _| {
                        f.buffer_mut().clone_from(&prev);
                        Vec::new()
                    })
                    .expect("draw");
                screen
                    .draw(&mut t, |f, in_place| {
                        assert!(in_place, "round {round}: the last frame was shown");
                        if with_holes {
                            f.buffer_mut().clone_from(&holed);
                            holes.clone()
                        } else {
                            f.buffer_mut().clone_from(&next);
                            Vec::new()
                        }
                    })
                    .expect("draw");
                assert_eq!(
                    t.current_buffer_mut(),
                    &Buffer::empty(area),
                    "round {round}: not blank"
                );
                ends.push(t.backend().buffer().clone());
            }
            assert_eq!(
                ends[0], ends[1],
                "round {round}: {holes:?} in {prev:?} then {next:?}"
            );
        }
        assert!(needed > 0, "no changed symbol reached into a hole");
    }

    /// After moves, comparing only the moved rows again finds what comparing every cell does,
    /// also when a symbol of the row before reaches into a moved row.
    #[test]
    fn after_moves_only_the_moved_rows_are_compared_again() {
        const PLAIN: &[&str] = &["a", " ", "─", "█", "⣿"];
        let mut rng = Rng(0x3a7e);
        let mut fallbacks = 0;
        for round in 0..3000 {
            let (area, mut prev, mut next) = random_pair(&mut rng);
            let mut moves = Vec::new();
            for y in area.top()..area.bottom() {
                if rng.below(2) == 0 {
                    continue;
                }
                // Moved rows are all one-column cells, before and after.
                for x in area.left()..area.right() {
                    prev[(x, y)] = Cell::new(PLAIN[rng.below(PLAIN.len())]);
                    next[(x, y)] = Cell::new(PLAIN[rng.below(PLAIN.len())]);
                }
                let n = 1 + rng.below(2) as u16;
                let x0 = area.x + rng.below(6) as u16;
                let x1 = (x0 + n + 1 + rng.below(6) as u16).min(area.right());
                moves.push(Shift { y, x0, x1, n });
            }
            let before = changes_within(&prev, &next, &[], 0..usize::MAX, false, &mut Vec::new())
                .expect("no holes");
            for &s in &moves {
                shift_row(&mut prev, s);
            }
            let row_before_reaches_in = moves
                .iter()
                .any(|s| s.y > area.y && [&prev, &next].iter().any(|b| reaches_past(b, s.y - 1)));
            fallbacks += usize::from(row_before_reaches_in);
            let after =
                changes_after_moves(&prev, &next, &[], before, &moves, false, &mut Vec::new())
                    .expect("no holes");
            assert_eq!(
                at(&next, after),
                changes(&prev, &next),
                "round {round}: {moves:?} in {prev:?} then {next:?}"
            );
        }
        assert!(
            fallbacks > 0,
            "no round had a symbol reaching into a moved row"
        );
    }

    #[test]
    fn the_changes_are_the_ones_ratatuis_diff_finds() {
        let mut rng = Rng(0x5eed);
        for round in 0..3000 {
            let (_, prev, mut next) = random_pair(&mut rng);
            if round % 5 == 0 {
                next = prev.clone();
            }
            let ours: Vec<_> = changes(&prev, &next)
                .into_iter()
                .map(|(x, y, c)| (x, y, c.clone()))
                .collect();
            let theirs: Vec<_> = prev
                .diff(&next)
                .into_iter()
                .map(|(x, y, c)| (x, y, c.clone()))
                .collect();
            assert_eq!(ours, theirs, "round {round}: {prev:?} then {next:?}");
        }
    }
}
