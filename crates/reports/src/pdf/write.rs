//! Assembles the PDF: pages with compressed content streams, and each face embedded as a
//! subset TrueType CID font (`FontFile2`) with a `ToUnicode` map so text can be searched and
//! copied. The output depends only on the input: no dates, no random ids.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use crate::error::ReportError;

use super::fonts::{FontUse, Style};
use super::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, Page};

const DEFLATE_LEVEL: u8 = 6;

/// Object numbers, handed out in order.
struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

struct FontRefs {
    type0: Ref,
    cid: Ref,
    descriptor: Ref,
    file: Ref,
    cmap: Ref,
}

pub(crate) fn write(
    pages: &[Page],
    title: &str,
    fonts: &mut [FontUse; 2],
) -> Result<Vec<u8>, ReportError> {
    let mut refs = Refs(0);
    let catalog = refs.next();
    let tree = refs.next();
    let info = refs.next();
    let font_refs: Vec<(Style, FontRefs)> = Style::ALL
        .iter()
        .map(|style| {
            (
                *style,
                FontRefs {
                    type0: refs.next(),
                    cid: refs.next(),
                    descriptor: refs.next(),
                    file: refs.next(),
                    cmap: refs.next(),
                },
            )
        })
        .collect();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (refs.next(), refs.next())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("cloudkyc-reports"));
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));

    for (page, (page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let content = content_stream(page, fonts);
        let compressed = compress_to_vec_zlib(&content, DEFLATE_LEVEL);
        pdf.stream(*content_ref, &compressed)
            .filter(Filter::FlateDecode);
        let mut writer = pdf.page(*page_ref);
        writer
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(*content_ref);
        let mut resources = writer.resources();
        let mut font_dict = resources.fonts();
        for (style, r) in &font_refs {
            font_dict.pair(Name(style.resource_name()), r.type0);
        }
        font_dict.finish();
        resources.finish();
        writer.finish();
    }

    for ((_, r), font) in font_refs.iter().zip(fonts.iter()) {
        write_font(&mut pdf, r, font)?;
    }
    Ok(pdf.finish())
}

fn content_stream(page: &Page, fonts: &mut [FontUse; 2]) -> Vec<u8> {
    let mut content = Content::new();
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                style,
                text,
            } => {
                let font = match style {
                    Style::Regular => &mut fonts[0],
                    Style::Bold => &mut fonts[1],
                };
                let encoded = font.encode(text);
                content
                    .begin_text()
                    .set_font(Name(style.resource_name()), *size)
                    .set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y])
                    .show(Str(&encoded))
                    .end_text();
            }
            Op::Rule { x1, x2, y, width } => {
                content
                    .set_line_width(*width)
                    .move_to(*x1, *y)
                    .line_to(*x2, *y)
                    .stroke();
            }
        }
    }
    content.finish().into_vec()
}

fn write_font(pdf: &mut Pdf, r: &FontRefs, font: &FontUse) -> Result<(), ReportError> {
    let subset = font.subset()?;
    let base_name = format!("{}+{}", subset_tag(font), font.style.postscript_name());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };

    pdf.type0_font(r.type0)
        .base_font(Name(base_name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(r.cid)
        .to_unicode(r.cmap);

    let mut cid = pdf.cid_font(r.cid);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base_name.as_bytes()))
        .system_info(system_info)
        .font_descriptor(r.descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(0, font.remapped_widths());
    cid.finish();

    let face = &font.face;
    let scale = |v: i16| f32::from(v) * 1000.0 / font.units_per_em();
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(r.descriptor)
        .name(Name(base_name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(scale(face.ascender()))
        .descent(scale(face.descender()))
        .cap_height(scale(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(if font.style == Style::Bold {
            140.0
        } else {
            80.0
        })
        .font_file2(r.file);

    let compressed = compress_to_vec_zlib(&subset, DEFLATE_LEVEL);
    pdf.stream(r.file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(subset.len()).unwrap_or(i32::MAX),
        );

    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, c) in &font.unicode {
        cmap.pair(*glyph, *c);
    }
    let cmap = cmap.finish();
    pdf.cmap(r.cmap, &cmap);
    Ok(())
}

/// Six capital letters naming the subset, derived from the glyphs it holds (PDF 9.6.4).
fn subset_tag(font: &FontUse) -> String {
    let mut hasher = Sha256::new();
    hasher.update(font.style.postscript_name().as_bytes());
    for glyph in font.remapper.remapped_gids() {
        hasher.update(glyph.to_be_bytes());
    }
    hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}
