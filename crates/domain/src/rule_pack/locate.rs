//! Maps between TOML paths and positions in the pack's text.
//!
//! toml's errors carry a byte span but not the dotted path of the offending entry, and our
//! validation knows the path but not the span. Reading the document a second time into an
//! untyped tree whose values keep their spans gives both directions. Only done on the error path.
//!
//! Spans come from toml's `Spanned` protocol: a deserializer that supports it answers a request
//! for a struct with these private names by handing out start, end and value. Tables that only
//! exist implicitly (`[a.b]` without `[a]`) have no span and answer with their plain entries; the
//! visitor accepts both. If a future toml changes the protocol, paths of shape errors degrade to
//! the enclosing known entry; the unit tests of this module catch that.

use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::Location;
use super::validate::join_path;

const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];

/// Every value of a document with its path and byte span, plus the line starts of the text.
#[derive(Debug)]
pub(crate) struct SourceMap {
    entries: Vec<(String, Range<usize>)>,
    line_starts: Vec<usize>,
    text_len: usize,
}

impl SourceMap {
    pub(crate) fn new(text: &str) -> Self {
        let mut entries = Vec::new();
        if let Ok(root) = toml::from_str::<Node>(text) {
            collect(&root, String::new(), &mut entries);
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            entries,
            line_starts,
            text_len: text.len(),
        }
    }

    /// Line and column (in characters) of a byte offset, both from 1.
    pub(crate) fn location(&self, text: &str, offset: usize) -> Location {
        let offset = offset.min(self.text_len);
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        Location {
            line: line_index + 1,
            column: column + 1,
        }
    }

    /// The span of the value at `path`.
    pub(crate) fn span_of(&self, path: &str) -> Option<Range<usize>> {
        self.entries
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, span)| span.clone())
    }

    /// The path of the value whose span is exactly `span`, else of the innermost value that
    /// contains its start; `None` when only the document root does.
    pub(crate) fn path_at(&self, span: &Range<usize>) -> Option<&str> {
        if let Some((path, _)) = self.entries.iter().find(|(_, s)| s == span) {
            return Some(path);
        }
        self.entries
            .iter()
            .filter(|(_, s)| s.start <= span.start && span.start < s.end)
            .min_by_key(|(_, s)| s.end - s.start)
            .map(|(path, _)| path.as_str())
    }
}

fn collect(node: &Node, path: String, out: &mut Vec<(String, Range<usize>)>) {
    match node {
        Node::Leaf => {}
        Node::Table(entries) => {
            for (key, child) in entries {
                let child_path = join_path(&path, key);
                visit_child(child, child_path, out);
            }
        }
        Node::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                visit_child(child, format!("{path}[{index}]"), out);
            }
        }
    }
}

fn visit_child(child: &Located, path: String, out: &mut Vec<(String, Range<usize>)>) {
    if let Some(span) = &child.span {
        out.push((path.clone(), span.clone()));
    }
    collect(&child.node, path, out);
}

/// An untyped TOML value that remembers only its shape.
enum Node {
    Leaf,
    Table(Vec<(String, Located)>),
    Array(Vec<Located>),
}

struct Located {
    span: Option<Range<usize>>,
    node: Node,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, LocatedVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Leaf)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Leaf)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Leaf)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Located>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value::<Located>()?));
        }
        Ok(Node::Table(entries))
    }
}

struct LocatedVisitor;

impl LocatedVisitor {
    fn unspanned(node: Node) -> Located {
        Located { span: None, node }
    }
}

impl<'de> Visitor<'de> for LocatedVisitor {
    type Value = Located;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any TOML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Located, E> {
        Ok(Self::unspanned(Node::Leaf))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Located, E> {
        Ok(Self::unspanned(Node::Leaf))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Located, E> {
        Ok(Self::unspanned(Node::Leaf))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Located, E> {
        Ok(Self::unspanned(Node::Leaf))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Located, E> {
        Ok(Self::unspanned(Node::Leaf))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Located, A::Error> {
        NodeVisitor.visit_seq(seq).map(Self::unspanned)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Located, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Self::unspanned(Node::Table(Vec::new())));
        };
        if first != SPANNED_START {
            // A table without a span of its own: read it as plain entries.
            let mut entries = vec![(first, map.next_value::<Located>()?)];
            while let Some(key) = map.next_key::<String>()? {
                entries.push((key, map.next_value::<Located>()?));
            }
            return Ok(Self::unspanned(Node::Table(entries)));
        }
        let start: usize = map.next_value()?;
        let mut end = start;
        let mut node = Node::Leaf;
        while let Some(key) = map.next_key::<String>()? {
            if key == SPANNED_END {
                end = map.next_value()?;
            } else if key == SPANNED_VALUE {
                node = map.next_value()?;
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(Located {
            span: Some(start..end),
            node,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a = 1\nk.q = 3\n[b]\nc = [1, {d = 2}]\n[x.y]\nz = \"é\"\n\
                        [[e]]\nf = 1\n[[e]]\nf = 2\nwhen = 2024-01-29\n";

    #[test]
    fn finds_spans_of_explicit_implicit_inline_and_array_entries() {
        let map = SourceMap::new(TEXT);
        for path in [
            "a", "k.q", "b", "b.c", "b.c[0]", "b.c[1]", "b.c[1].d", "x.y", "x.y.z", "e[1].f",
        ] {
            assert!(map.span_of(path).is_some(), "no span for {path}");
        }
        let span = map.span_of("b.c[1].d").unwrap();
        assert_eq!(&TEXT[span], "2");
        assert_eq!(map.path_at(&map.span_of("e[1].f").unwrap()), Some("e[1].f"));
    }

    #[test]
    fn an_offset_inside_a_table_resolves_to_the_innermost_entry() {
        let map = SourceMap::new(TEXT);
        let inside_inline_table = TEXT.find("d = 2").unwrap();
        assert_eq!(
            map.path_at(&(inside_inline_table..inside_inline_table + 1)),
            Some("b.c[1]")
        );
    }

    #[test]
    fn locations_count_lines_and_characters_from_one() {
        let map = SourceMap::new(TEXT);
        assert_eq!(map.location(TEXT, 0), Location { line: 1, column: 1 });
        let z = TEXT.find("z =").unwrap();
        assert_eq!(map.location(TEXT, z + 4), Location { line: 6, column: 5 });
        let after_accent = TEXT.find('é').unwrap() + 'é'.len_utf8();
        assert_eq!(
            map.location(TEXT, after_accent),
            Location { line: 6, column: 7 }
        );
    }
}
