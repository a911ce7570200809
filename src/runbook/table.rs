//! Markdown tables shown as text: cells re-aligned to their widest entry when the table fits,
//! otherwise each row as written, cut into pieces that fit.

use super::inline::{hard_wrap, str_width};

/// The rows of one table as lines of at most `width` columns.
pub fn layout(rows: &[String], width: usize) -> Vec<String> {
    let cells: Vec<Vec<String>> = rows.iter().map(|r| split(r)).collect();
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![1usize; cols];
    for row in cells.iter().filter(|r| !is_separator(r)) {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(str_width(c));
        }
    }
    let total = widths.iter().map(|w| w + 3).sum::<usize>() + 1;
    if cols == 0 || total > width {
        return rows
            .iter()
            .flat_map(|r| hard_wrap(r.trim(), width))
            .collect();
    }
    cells.iter().map(|row| aligned(row, &widths)).collect()
}

fn aligned(row: &[String], widths: &[usize]) -> String {
    let sep = is_separator(row);
    let mut out = String::from("|");
    for (i, w) in widths.iter().enumerate() {
        if sep {
            out.push_str(&"-".repeat(w + 2));
        } else {
            let cell = row.get(i).map_or("", String::as_str);
            let pad = w.saturating_sub(str_width(cell));
            out.push(' ');
            out.push_str(cell);
            out.push_str(&" ".repeat(pad + 1));
        }
        out.push('|');
    }
    out
}

/// The trimmed cells of `| a | b |` (outer pipes optional).
fn split(row: &str) -> Vec<String> {
    let t = row.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_separator(row: &[String]) -> bool {
    !row.is_empty()
        && row
            .iter()
            .all(|c| c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aligns_cells_when_it_fits() {
        let t = rows(&["| Level | Who |", "|:--|--|", "|P0|All hands|"]);
        assert_eq!(
            layout(&t, 40),
            [
                "| Level | Who       |",
                "|-------|-----------|",
                "| P0    | All hands |"
            ]
        );
    }

    #[test]
    fn too_wide_tables_keep_their_text() {
        let t = rows(&["| aaaa | bbbb |"]);
        assert_eq!(layout(&t, 8), ["| aaaa |", " bbbb |"]);
    }
}
