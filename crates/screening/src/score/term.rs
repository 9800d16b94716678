use std::borrow::Cow;

use crate::normalize::{Token, TokenKind, phonetic_key};

/// A token as the scorer sees it: text, kind, phonetic key and rarity weight. Borrowed from the
/// index's dictionary when screening, owned when scoring a free pair.
#[derive(Debug, Clone)]
pub(crate) struct Term<'a> {
    pub(crate) text: Cow<'a, str>,
    pub(crate) kind: TokenKind,
    pub(crate) key: Cow<'a, str>,
    pub(crate) weight: f64,
    /// The dictionary id, for memoising similarities; `None` for tokens built by merging.
    pub(crate) id: Option<u32>,
}

impl Term<'static> {
    #[cfg(test)]
    pub(crate) fn from_token(token: &Token, weight: f64) -> Self {
        let key = if token.kind() == TokenKind::Word {
            phonetic_key(token.text())
        } else {
            String::new()
        };
        Term {
            text: Cow::Owned(token.text().to_owned()),
            kind: token.kind(),
            key: Cow::Owned(key),
            weight,
            id: None,
        }
    }
}

impl Term<'static> {
    /// [`Term::from_token`] taking the token's text instead of copying it.
    pub(crate) fn from_owned_token(token: Token, weight: f64) -> Self {
        let kind = token.kind();
        let key = if kind == TokenKind::Word {
            phonetic_key(token.text())
        } else {
            String::new()
        };
        Term {
            text: Cow::Owned(token.into_text()),
            kind,
            key: Cow::Owned(key),
            weight,
            id: None,
        }
    }
}

impl Term<'_> {
    pub(crate) fn into_owned(self) -> Term<'static> {
        Term {
            text: Cow::Owned(self.text.into_owned()),
            kind: self.kind,
            key: Cow::Owned(self.key.into_owned()),
            weight: self.weight,
            id: self.id,
        }
    }
}
