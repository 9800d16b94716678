//! PDF output: layout, then assembly with the embedded font.

mod fonts;
mod layout;
mod write;

use crate::document::Document;
use crate::error::ReportError;

use fonts::{FontUse, Style};
use layout::{BODY_WIDTH, Layout, MARGIN_X, Op, PAGE_WIDTH};

/// Prints `doc` to PDF bytes; every page's footer carries `sha256` (of the report's JSON) and
/// "Page i of n".
pub(crate) fn render(doc: &Document, sha256: &str) -> Result<Vec<u8>, ReportError> {
    let mut fonts = [FontUse::load(Style::Regular)?, FontUse::load(Style::Bold)?];
    let mut pages = {
        let [regular, bold] = &fonts;
        let layout = Layout::new(regular, bold);
        let footer_digest = format!("SHA-256 of the JSON report: {sha256}");
        let mut pages = Layout::new(regular, bold).document(doc);
        let count = pages.len();
        for (index, page) in pages.iter_mut().enumerate() {
            let number = format!("Page {} of {count}", index + 1);
            let number_width = layout.measure(&number, Style::Regular, 7.5);
            let title = truncate(&layout, &doc.title, BODY_WIDTH - number_width - 20.0);
            page.ops.push(Op::Rule {
                x1: MARGIN_X,
                x2: MARGIN_X + BODY_WIDTH,
                y: 54.0,
                width: 0.4,
            });
            page.ops.push(Op::Text {
                x: MARGIN_X,
                y: 44.0,
                size: 7.0,
                style: Style::Regular,
                text: footer_digest.clone(),
            });
            page.ops.push(Op::Text {
                x: MARGIN_X,
                y: 34.0,
                size: 7.5,
                style: Style::Regular,
                text: title,
            });
            page.ops.push(Op::Text {
                x: PAGE_WIDTH - MARGIN_X - number_width,
                y: 34.0,
                size: 7.5,
                style: Style::Regular,
                text: number,
            });
        }
        pages
    };
    pages.retain(|page| !page.ops.is_empty());
    write::write(&pages, &doc.title, &mut fonts)
}

/// `text`, shortened with an ellipsis to fit `width` in the footer.
fn truncate(layout: &Layout<'_>, text: &str, width: f32) -> String {
    if layout.measure(text, Style::Regular, 7.5) <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        out.push(c);
        if layout.measure(&format!("{out}\u{2026}"), Style::Regular, 7.5) > width {
            out.pop();
            break;
        }
    }
    format!("{out}\u{2026}")
}
