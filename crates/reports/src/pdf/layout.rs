//! A small layout engine: flows a [`Document`] onto A4 pages as positioned lines of text and
//! thin rules. Text wraps at spaces (a word wider than the line breaks between characters);
//! headings are kept with what follows; table rows split across pages only when a row is taller
//! than a page, and the table header repeats on each new page.

use crate::document::{Block, Document};

use super::fonts::{FontUse, Style};

pub(crate) const PAGE_WIDTH: f32 = 595.276;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 56.0;
const TOP: f32 = PAGE_HEIGHT - 60.0;
/// Lowest line of body text; the footer lives below.
const BOTTOM: f32 = 70.0;
pub(crate) const BODY_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

const BODY: f32 = 9.5;
const TABLE: f32 = 8.5;
const CELL_PAD: f32 = 3.0;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        style: Style,
        text: String,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
    },
}

#[derive(Debug, Default)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

/// Measures with the two faces; lays out.
pub(crate) struct Layout<'a> {
    regular: &'a FontUse,
    bold: &'a FontUse,
    pages: Vec<Page>,
    y: f32,
}

impl<'a> Layout<'a> {
    pub(crate) fn new(regular: &'a FontUse, bold: &'a FontUse) -> Self {
        Self {
            regular,
            bold,
            pages: vec![Page::default()],
            y: TOP,
        }
    }

    fn font(&self, style: Style) -> &'a FontUse {
        match style {
            Style::Regular => self.regular,
            Style::Bold => self.bold,
        }
    }

    pub(crate) fn measure(&self, text: &str, style: Style, size: f32) -> f32 {
        self.font(style).measure(text, size)
    }

    fn fresh_page(&self) -> bool {
        self.y >= TOP
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits (a fresh page always "fits").
    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM && !self.fresh_page() {
            self.new_page();
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.ops.push(op);
        }
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, style: Style, text: String) {
        if !text.is_empty() {
            self.push(Op::Text {
                x,
                y: baseline,
                size,
                style,
                text,
            });
        }
    }

    fn rule(&mut self, x1: f32, x2: f32, width: f32) {
        let y = self.y;
        self.push(Op::Rule { x1, x2, y, width });
    }

    /// Lines of `text` no wider than `width`. Widths are summed word by word (and character
    /// by character inside a word too long for a line), so wrapping is linear in the text.
    pub(crate) fn wrap(&self, text: &str, style: Style, size: f32, width: f32) -> Vec<String> {
        let space = self.measure(" ", style, size);
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            for word in hard.split_whitespace() {
                let word_width = self.measure(word, style, size);
                if line.is_empty() && word_width <= width {
                    line.push_str(word);
                    line_width = word_width;
                    continue;
                }
                if !line.is_empty() && line_width + space + word_width <= width {
                    line.push(' ');
                    line.push_str(word);
                    line_width += space + word_width;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                if word_width <= width {
                    line.push_str(word);
                    line_width = word_width;
                    continue;
                }
                // A word wider than the line (a digest, a URL) breaks between characters.
                for c in word.chars() {
                    let mut buf = [0; 4];
                    let c_width = self.measure(c.encode_utf8(&mut buf), style, size);
                    if !line.is_empty() && line_width + c_width > width {
                        lines.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    line.push(c);
                    line_width += c_width;
                }
            }
            lines.push(line);
        }
        lines
    }

    /// Wrapped text at `x`, `width` wide, moving down one leading per line.
    fn flow(&mut self, text: &str, x: f32, width: f32, style: Style, size: f32) {
        let leading = size * 1.38;
        for line in self.wrap(text, style, size, width) {
            self.ensure(leading);
            let baseline = self.y - size;
            self.text(x, baseline, size, style, line);
            self.y -= leading;
        }
    }

    pub(crate) fn document(mut self, doc: &Document) -> Vec<Page> {
        self.flow(&doc.title, MARGIN_X, BODY_WIDTH, Style::Bold, 16.0);
        self.y -= 2.0;
        for line in &doc.subtitle {
            self.flow(line, MARGIN_X, BODY_WIDTH, Style::Regular, 9.0);
        }
        self.y -= 4.0;
        self.rule(MARGIN_X, MARGIN_X + BODY_WIDTH, 0.8);
        self.y -= 10.0;
        for block in &doc.blocks {
            self.block(block);
        }
        self.pages
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Heading(text) => {
                self.y -= 8.0;
                // Keep the heading with at least three lines of what follows.
                self.ensure(12.0 * 1.38 + 3.0 * BODY * 1.38);
                self.flow(text, MARGIN_X, BODY_WIDTH, Style::Bold, 12.0);
                self.y -= 3.0;
            }
            Block::Subheading(text) => {
                self.y -= 4.0;
                self.ensure(10.0 * 1.38 + 2.0 * BODY * 1.38);
                self.flow(text, MARGIN_X, BODY_WIDTH, Style::Bold, 10.0);
                self.y -= 1.0;
            }
            Block::Paragraph(text) => {
                self.flow(text, MARGIN_X, BODY_WIDTH, Style::Regular, BODY);
                self.y -= 5.0;
            }
            Block::Bullets(items) => {
                let indent = 12.0;
                for item in items {
                    let leading = BODY * 1.38;
                    self.ensure(leading);
                    let baseline = self.y - BODY;
                    self.text(
                        MARGIN_X + 2.0,
                        baseline,
                        BODY,
                        Style::Regular,
                        "\u{2022}".into(),
                    );
                    self.flow(
                        item,
                        MARGIN_X + indent,
                        BODY_WIDTH - indent,
                        Style::Regular,
                        BODY,
                    );
                    self.y -= 2.0;
                }
                self.y -= 3.0;
            }
            Block::KeyValues(pairs) => {
                let rows: Vec<Vec<String>> = pairs
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.clone()])
                    .collect();
                self.grid(None, &[0.32, 0.68], &rows, BODY, true);
                self.y -= 5.0;
            }
            Block::Table {
                header,
                widths,
                rows,
            } => {
                self.grid(Some(header), widths, rows, TABLE, false);
                self.y -= 6.0;
            }
            Block::PageBreak => {
                if !self.fresh_page() {
                    self.new_page();
                }
            }
        }
    }

    /// Rows of wrapped cells. `bold_first` prints the first column in bold (key/value lists).
    fn grid(
        &mut self,
        header: Option<&Vec<String>>,
        weights: &[f32],
        rows: &[Vec<String>],
        size: f32,
        bold_first: bool,
    ) {
        let columns = header
            .map(Vec::len)
            .into_iter()
            .chain(rows.iter().map(Vec::len))
            .max()
            .unwrap_or(0);
        if columns == 0 {
            return;
        }
        let weight = |i: usize| weights.get(i).copied().filter(|w| *w > 0.0).unwrap_or(1.0);
        let total: f32 = (0..columns).map(weight).sum();
        let widths: Vec<f32> = (0..columns)
            .map(|i| BODY_WIDTH * weight(i) / total)
            .collect();
        let lefts: Vec<f32> = widths
            .iter()
            .scan(MARGIN_X, |x, w| {
                let left = *x;
                *x += w;
                Some(left)
            })
            .collect();
        let leading = size * 1.3;
        let layout_row = |me: &Self, row: &[String], header_row: bool| -> Vec<Vec<String>> {
            (0..columns)
                .map(|i| {
                    let style = if header_row || (bold_first && i == 0) {
                        Style::Bold
                    } else {
                        Style::Regular
                    };
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    let width = widths.get(i).copied().unwrap_or(BODY_WIDTH) - 2.0 * CELL_PAD;
                    me.wrap(cell, style, size, width.max(size))
                })
                .collect()
        };
        let header_lines = header.map(|h| layout_row(self, h, true));
        let header_height = header_lines
            .as_ref()
            .map_or(0.0, |cells| row_height(cells, leading));
        let print_header = |me: &mut Self| {
            if let Some(cells) = &header_lines {
                me.print_row(cells, &lefts, size, leading, |_| Style::Bold);
                me.rule(MARGIN_X, MARGIN_X + BODY_WIDTH, 0.6);
            }
        };
        self.ensure(header_height + leading + 2.0 * CELL_PAD);
        print_header(self);
        for row in rows {
            let cells = layout_row(self, row, false);
            let height = row_height(&cells, leading);
            let before = self.pages.len();
            self.ensure(height);
            if self.pages.len() != before {
                print_header(self);
            }
            let style_of = |i: usize| {
                if bold_first && i == 0 {
                    Style::Bold
                } else {
                    Style::Regular
                }
            };
            self.print_row(&cells, &lefts, size, leading, style_of);
            self.rule(MARGIN_X, MARGIN_X + BODY_WIDTH, 0.25);
        }
    }

    fn print_row(
        &mut self,
        cells: &[Vec<String>],
        lefts: &[f32],
        size: f32,
        leading: f32,
        style_of: impl Fn(usize) -> Style,
    ) {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(0);
        self.y -= CELL_PAD;
        for line in 0..lines {
            // Only a row taller than a page breaks here; `ensure` keeps the rest whole.
            self.ensure(leading);
            let baseline = self.y - size;
            for (i, cell) in cells.iter().enumerate() {
                if let (Some(text), Some(left)) = (cell.get(line), lefts.get(i)) {
                    self.text(left + CELL_PAD, baseline, size, style_of(i), text.clone());
                }
            }
            self.y -= leading;
        }
        self.y -= CELL_PAD;
    }
}

fn row_height(cells: &[Vec<String>], leading: f32) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(0);
    // usize to f32: a row has far fewer lines than f32 counts exactly.
    #[allow(clippy::cast_precision_loss)]
    let lines = lines as f32;
    lines * leading + 2.0 * CELL_PAD
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> (FontUse, FontUse) {
        (
            FontUse::load(Style::Regular).unwrap(),
            FontUse::load(Style::Bold).unwrap(),
        )
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let (regular, bold) = fonts();
        let layout = Layout::new(&regular, &bold);
        let text = "The provider reports to the Department of Commerce within fifteen days of gaining knowledge of the transaction.";
        let lines = layout.wrap(text, Style::Regular, 10.0, 150.0);
        assert!(lines.len() > 2);
        for line in &lines {
            assert!(
                layout.measure(line, Style::Regular, 10.0) <= 150.0 + 1e-3,
                "{line}"
            );
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn words_wider_than_the_line_break_between_characters() {
        let (regular, bold) = fonts();
        let layout = Layout::new(&regular, &bold);
        let digest = "ab".repeat(32);
        let lines = layout.wrap(&digest, Style::Regular, 10.0, 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), digest);
        assert!(
            lines
                .iter()
                .all(|l| layout.measure(l, Style::Regular, 10.0) <= 60.0 + 1e-3)
        );
    }

    #[test]
    fn hard_line_breaks_are_kept_and_blank_text_is_one_empty_line() {
        let (regular, bold) = fonts();
        let layout = Layout::new(&regular, &bold);
        assert_eq!(layout.wrap("a\nb", Style::Regular, 10.0, 300.0), ["a", "b"]);
        assert_eq!(layout.wrap("", Style::Regular, 10.0, 300.0), [""]);
    }

    #[test]
    fn text_stays_between_the_margins_and_off_the_footer() {
        let (regular, bold) = fonts();
        let mut doc = Document::new("Title");
        for i in 0..80 {
            doc.heading(format!("Heading {i}"));
            doc.paragraph("word ".repeat(90));
            doc.table(
                &["A", "B"],
                &[1.0, 3.0],
                vec![vec!["x".into(), "y ".repeat(60)]],
                "",
            );
        }
        let pages = Layout::new(&regular, &bold).document(&doc);
        assert!(pages.len() > 10);
        for op in pages.iter().flat_map(|p| &p.ops) {
            if let Op::Text {
                x,
                y,
                size,
                style,
                text,
            } = op
            {
                let font = if *style == Style::Bold {
                    &bold
                } else {
                    &regular
                };
                assert!(*y >= BOTTOM - size && *y <= TOP, "y {y}");
                assert!(
                    *x >= MARGIN_X && x + font.measure(text, *size) <= MARGIN_X + BODY_WIDTH + 0.01
                );
            }
        }
    }
}
