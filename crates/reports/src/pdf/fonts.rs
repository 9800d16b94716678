//! The embedded font: DejaVu Sans (regular and bold), measured with ttf-parser, subset and
//! written as CID fonts so that any character the font has prints, and text can be copied out.

use std::collections::BTreeMap;

use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use crate::error::ReportError;

static REGULAR: &[u8] = include_bytes!("../../../../data/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../../data/fonts/DejaVuSans-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Style {
    Regular,
    Bold,
}

impl Style {
    pub(crate) const ALL: [Style; 2] = [Style::Regular, Style::Bold];

    pub(crate) fn resource_name(self) -> &'static [u8] {
        match self {
            Style::Regular => b"F1",
            Style::Bold => b"F2",
        }
    }

    pub(crate) fn postscript_name(self) -> &'static str {
        match self {
            Style::Regular => "DejaVuSans",
            Style::Bold => "DejaVuSans-Bold",
        }
    }

    pub(crate) fn data(self) -> &'static [u8] {
        match self {
            Style::Regular => REGULAR,
            Style::Bold => BOLD,
        }
    }
}

/// One face, parsed once per document, with the glyphs the document used.
pub(crate) struct FontUse {
    pub(crate) style: Style,
    pub(crate) face: Face<'static>,
    pub(crate) remapper: GlyphRemapper,
    /// New glyph id -> the text it stands for (for the ToUnicode map).
    pub(crate) unicode: BTreeMap<u16, char>,
    fallback: GlyphId,
}

impl std::fmt::Debug for FontUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontUse")
            .field("style", &self.style)
            .field("glyphs", &self.unicode.len())
            .finish()
    }
}

impl FontUse {
    pub(crate) fn load(style: Style) -> Result<Self, ReportError> {
        let face = Face::parse(style.data(), 0)
            .map_err(|e| ReportError::Font(format!("{}: {e}", style.postscript_name())))?;
        let fallback = face
            .glyph_index('?')
            .ok_or_else(|| ReportError::Font("the font has no `?` glyph".into()))?;
        Ok(Self {
            style,
            face,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
            fallback,
        })
    }

    /// The glyph for `c`; characters the font lacks print as `?` (the JSON keeps them exact).
    fn glyph(&self, c: char) -> (GlyphId, char) {
        match self.face.glyph_index(c) {
            Some(id) if id.0 != 0 => (id, c),
            _ => (self.fallback, '?'),
        }
    }

    pub(crate) fn units_per_em(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    /// Advance of an original glyph in thousandths of the font size (PDF text-space units).
    pub(crate) fn advance_milli(&self, glyph: GlyphId) -> f32 {
        let advance = self.face.glyph_hor_advance(glyph).unwrap_or(0);
        f32::from(advance) * 1000.0 / self.units_per_em()
    }

    /// Width of `text` at `size` points.
    pub(crate) fn measure(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance_milli(self.glyph(c).0))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// The two-byte codes (remapped glyph ids) that print `text`, recording what each stands for.
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (glyph, shown) = self.glyph(c);
            let new = self.remapper.remap(glyph.0);
            self.unicode.entry(new).or_insert(shown);
            bytes.extend_from_slice(&new.to_be_bytes());
        }
        bytes
    }

    /// Widths of the remapped glyphs 0..n, in order, for the CID font's `W` array.
    pub(crate) fn remapped_widths(&self) -> Vec<f32> {
        self.remapper
            .remapped_gids()
            .map(|old| self.advance_milli(GlyphId(old)))
            .collect()
    }

    pub(crate) fn subset(&self) -> Result<Vec<u8>, ReportError> {
        subsetter::subset(self.style.data(), 0, &self.remapper)
            .map_err(|e| ReportError::Font(format!("subsetting failed: {e:?}")))
    }
}
