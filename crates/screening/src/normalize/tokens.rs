use serde::{Deserialize, Serialize};

/// What a normalised token is, which decides how it may be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Word,
    /// Contains a digit: compared exactly, a mismatch is strong evidence against a match.
    Number,
    /// A single letter: matches only the same initial or a word starting with it.
    Initial,
    /// A legal form reduced to its canonical class ("llc", "plc", "gmbh").
    LegalForm,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Token {
    text: String,
    kind: TokenKind,
}

impl Token {
    pub(crate) fn new(text: String, kind: TokenKind) -> Self {
        Token { text, kind }
    }

    pub(crate) fn classify(text: String) -> Self {
        let kind = if text.bytes().any(|b| b.is_ascii_digit()) {
            TokenKind::Number
        } else if text.len() == 1 {
            TokenKind::Initial
        } else {
            TokenKind::Word
        };
        Token { text, kind }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The text, by value.
    pub(crate) fn into_text(self) -> String {
        self.text
    }
}

/// Splits transliterated text into tokens: dots and apostrophes join ("S.A." is "sa",
/// "O'Brien" is "obrien"), every other non-alphanumeric character separates.
pub(crate) fn split_tokens(latin: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in latin.chars() {
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        } else if matches!(c, '.' | '\'' | '`' | '\u{2019}') {
            // joins
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_joins() {
        assert_eq!(
            split_tokens("anglo-caribbean co., ltd."),
            ["anglo", "caribbean", "co", "ltd"]
        );
        assert_eq!(
            split_tokens("s.a. o'brien 11420"),
            ["sa", "obrien", "11420"]
        );
        assert_eq!(Token::classify("7th".into()).kind(), TokenKind::Number);
        assert_eq!(Token::classify("v".into()).kind(), TokenKind::Initial);
    }
}
