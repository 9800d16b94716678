//! A reader for the small YAML subset of the bundled name tables (block maps and lists, flow
//! lists of scalars, quoted scalars, comments). The tables are our own bundled files, so a full
//! YAML implementation would be weight without benefit; anything outside the subset is an error.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Yaml {
    Scalar(String),
    List(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("name table line {line}: {message}")]
pub(crate) struct YamlError {
    line: usize,
    message: String,
}

impl Yaml {
    pub(crate) fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> &[Yaml] {
        match self {
            Yaml::List(items) => items,
            _ => &[],
        }
    }

    pub(crate) fn strings(&self) -> Vec<&str> {
        self.items().iter().filter_map(Yaml::as_str).collect()
    }
}

#[derive(Debug, Clone)]
struct Line {
    number: usize,
    indent: usize,
    text: String,
}

pub(crate) fn parse(source: &str) -> Result<Yaml, YamlError> {
    let lines: Vec<Line> = source
        .lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let text = strip_comment(raw);
            let trimmed = text.trim_end();
            let indent = trimmed.len() - trimmed.trim_start().len();
            (!trimmed.trim().is_empty()).then(|| Line {
                number: i + 1,
                indent,
                text: trimmed.trim_start().to_owned(),
            })
        })
        .collect();
    let mut lines = lines;
    let mut pos = 0;
    let indent = lines.first().map_or(0, |l| l.indent);
    let doc = block(&mut lines, &mut pos, indent)?;
    match lines.get(pos) {
        Some(line) => Err(YamlError {
            line: line.number,
            message: "unexpected indentation".into(),
        }),
        None => Ok(doc),
    }
}

fn strip_comment(raw: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in raw.char_indices() {
        match (quote, c) {
            (None, '#') if previous.is_whitespace() => return raw.get(..i).unwrap_or_default(),
            (None, '"' | '\'')
                if previous.is_whitespace() || previous == '[' || previous == ',' =>
            {
                quote = Some(c)
            }
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        previous = c;
    }
    raw
}

fn block(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Yaml, YamlError> {
    let is_list = lines
        .get(*pos)
        .is_some_and(|l| l.text == "-" || l.text.starts_with("- "));
    if is_list {
        list(lines, pos, indent)
    } else {
        map(lines, pos, indent)
    }
}

fn list(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Yaml, YamlError> {
    let mut items = Vec::new();
    while let Some(line) = lines.get(*pos).cloned() {
        if line.indent != indent || !(line.text == "-" || line.text.starts_with("- ")) {
            break;
        }
        let content = line
            .text
            .get(1..)
            .unwrap_or_default()
            .trim_start()
            .to_owned();
        if content.is_empty() {
            *pos += 1;
            let child = lines.get(*pos).map_or(indent + 2, |l| l.indent);
            items.push(if child > indent {
                block(lines, pos, child)?
            } else {
                Yaml::Scalar(String::new())
            });
        } else if split_key(&content).is_some() {
            // "- key: value" opens a map whose keys sit where "key" starts.
            let key_indent = indent + (line.text.len() - content.len());
            if let Some(slot) = lines.get_mut(*pos) {
                slot.indent = key_indent;
                slot.text = content;
            }
            items.push(map(lines, pos, key_indent)?);
        } else {
            *pos += 1;
            items.push(scalar(&content, line.number)?);
        }
    }
    Ok(Yaml::List(items))
}

fn map(lines: &mut [Line], pos: &mut usize, indent: usize) -> Result<Yaml, YamlError> {
    let mut entries = Vec::new();
    while let Some(line) = lines.get(*pos).cloned() {
        if line.indent != indent {
            break;
        }
        let Some((key, value)) = split_key(&line.text) else {
            return Err(YamlError {
                line: line.number,
                message: format!("expected `key: value`, found {:?}", line.text),
            });
        };
        *pos += 1;
        let value = if value.is_empty() {
            match lines.get(*pos) {
                Some(next) if next.indent > indent => {
                    let child = next.indent;
                    block(lines, pos, child)?
                }
                Some(next) if next.indent == indent && next.text.starts_with("- ") => {
                    list(lines, pos, indent)?
                }
                _ => Yaml::Scalar(String::new()),
            }
        } else {
            scalar(&value, line.number)?
        };
        entries.push((key, value));
    }
    Ok(Yaml::Map(entries))
}

/// Splits `key: value` where the key is a plain identifier-like word.
fn split_key(text: &str) -> Option<(String, String)> {
    let (key, value) = text.split_once(':')?;
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    (plain && (value.is_empty() || value.starts_with(' ')))
        .then(|| (key.to_owned(), value.trim().to_owned()))
}

fn scalar(text: &str, line: usize) -> Result<Yaml, YamlError> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or_else(|| YamlError {
            line,
            message: "flow list without closing `]`".into(),
        })?;
        let mut items = Vec::new();
        let mut current = String::new();
        let mut quote: Option<char> = None;
        for c in inner.chars() {
            match (quote, c) {
                (None, ',') => items.push(std::mem::take(&mut current)),
                (None, '"' | '\'') => {
                    quote = Some(c);
                    current.push(c);
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    current.push(c);
                }
                _ => current.push(c),
            }
        }
        if !current.trim().is_empty() {
            items.push(current);
        }
        return items
            .iter()
            .map(|s| scalar(s, line))
            .collect::<Result<Vec<_>, _>>()
            .map(Yaml::List);
    }
    let unquoted = if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        t.get(1..t.len() - 1).unwrap_or_default().to_owned()
    } else {
        t.to_owned()
    };
    Ok(Yaml::Scalar(unquoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_subset_used_by_the_tables() -> Result<(), YamlError> {
        let doc = parse(
            "types:\n  # note\n  - display: PLC\n    generic: JSC\n    aliases:\n      - Public Limited Company\n      - in # comment\n      - \"d'a\"\n  - generic: LLC\n    aliases:\n      - GmbH\nPAIRS:\n  - [\"0\", \"o\"]\nWORDS:\n- a\n- 'b c'\n",
        )?;
        let types = doc.get("types").map(Yaml::items).unwrap_or_default();
        assert_eq!(types.len(), 2);
        assert_eq!(
            types
                .first()
                .and_then(|t| t.get("display"))
                .and_then(Yaml::as_str),
            Some("PLC")
        );
        assert_eq!(
            types
                .first()
                .and_then(|t| t.get("aliases"))
                .map(Yaml::strings),
            Some(vec!["Public Limited Company", "in", "d'a"])
        );
        assert_eq!(
            doc.get("PAIRS")
                .map(|p| p.items().first().map(Yaml::strings)),
            Some(Some(vec!["0", "o"]))
        );
        assert_eq!(doc.get("WORDS").map(Yaml::strings), Some(vec!["a", "b c"]));
        Ok(())
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        assert!(parse("a: [1, 2\n").is_err());
        assert!(parse("just text\n").is_err());
    }
}
