//! The printable form of a report: a title and a flow of blocks. Each report model builds one;
//! the PDF layer lays it out. Keeping this step apart lets a test read what a report will print
//! without parsing a PDF.

/// A report ready to print.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub title: String,
    /// Lines under the title (provider, date, pack).
    pub subtitle: Vec<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Subheading(String),
    /// Wrapped at word boundaries; a `\n` starts a new line.
    Paragraph(String),
    Bullets(Vec<String>),
    /// Two columns, the key in bold.
    KeyValues(Vec<(String, String)>),
    /// Columns sized by `widths` (relative weights); cells wrap.
    Table {
        header: Vec<String>,
        widths: Vec<f32>,
        rows: Vec<Vec<String>>,
    },
    PageBreak,
}

impl Document {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    pub fn subtitle(&mut self, line: impl Into<String>) -> &mut Self {
        self.subtitle.push(line.into());
        self
    }

    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    pub fn subheading(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Subheading(text.into()));
        self
    }

    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds the bullets, or the paragraph `when_empty` when there are none, so that an empty
    /// list still says so on paper.
    pub fn bullets(&mut self, items: Vec<String>, when_empty: &str) -> &mut Self {
        if items.is_empty() {
            self.paragraph(when_empty)
        } else {
            self.blocks.push(Block::Bullets(items));
            self
        }
    }

    pub fn key_values<K: Into<String>, V: Into<String>>(
        &mut self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> &mut Self {
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        if !pairs.is_empty() {
            self.blocks.push(Block::KeyValues(pairs));
        }
        self
    }

    /// Adds the table, or the paragraph `when_empty` when it has no rows.
    pub fn table(
        &mut self,
        header: &[&str],
        widths: &[f32],
        rows: Vec<Vec<String>>,
        when_empty: &str,
    ) -> &mut Self {
        if rows.is_empty() {
            return self.paragraph(when_empty);
        }
        self.blocks.push(Block::Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            widths: widths.to_vec(),
            rows,
        });
        self
    }

    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// Every piece of text the document prints, in order (for tests and for search).
    pub fn plain_text(&self) -> String {
        let mut out = vec![self.title.clone()];
        out.extend(self.subtitle.iter().cloned());
        for block in &self.blocks {
            match block {
                Block::Heading(t) | Block::Subheading(t) | Block::Paragraph(t) => {
                    out.push(t.clone());
                }
                Block::Bullets(items) => out.extend(items.iter().cloned()),
                Block::KeyValues(pairs) => {
                    out.extend(pairs.iter().map(|(k, v)| format!("{k}: {v}")));
                }
                Block::Table { header, rows, .. } => {
                    out.push(header.join(" | "));
                    out.extend(rows.iter().map(|row| row.join(" | ")));
                }
                Block::PageBreak => {}
            }
        }
        out.join("\n")
    }
}

/// `yes` / `no`, the way the reports print booleans.
pub(crate) fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// A number of operations in scientific notation with three significant digits (`3.20e25`).
pub(crate) fn sci(value: f64) -> String {
    format!("{value:.2e}")
}

/// An optional value, or an em dash.
pub(crate) fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "\u{2014}".to_owned(), |v| v.to_string())
}
