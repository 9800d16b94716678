//! Dated relations between parties: ownership, control and directorship.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::party::PartyRef;
use super::share::Share;
use crate::rule_pack::ControlKind;

/// How `from` relates to `to`. `to` is always an entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Relation {
    /// `from` directly holds `share` of the ownership interests of `to`, in (0, 1].
    Ownership { share: Share },
    /// `from` controls `to` otherwise than by its shares.
    Control { kind: ControlKind },
    /// `from` sits on the board of `to`. Recorded and explained, but not control by itself:
    /// a pack that wants directors as beneficial owners records a `management` control edge.
    Directorship,
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ownership { share } => write!(f, "owns {share}"),
            Self::Control { kind } => write!(f, "{kind} control"),
            Self::Directorship => f.write_str("director"),
        }
    }
}

/// A relation valid on `[valid_from, valid_until)`; an open end is unbounded. Structures are
/// evaluated on one date (`OwnershipGraph::build`'s `as_of`), so history can be kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub from: PartyRef,
    pub to: PartyRef,
    pub relation: Relation,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// The first day on which the relation no longer holds.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

impl Edge {
    /// An ownership edge valid at all times.
    pub fn ownership(from: PartyRef, to: PartyRef, share: Share) -> Self {
        Self::always(from, to, Relation::Ownership { share })
    }

    pub fn control(from: PartyRef, to: PartyRef, kind: ControlKind) -> Self {
        Self::always(from, to, Relation::Control { kind })
    }

    pub fn directorship(from: PartyRef, to: PartyRef) -> Self {
        Self::always(from, to, Relation::Directorship)
    }

    fn always(from: PartyRef, to: PartyRef, relation: Relation) -> Self {
        Self {
            from,
            to,
            relation,
            valid_from: None,
            valid_until: None,
        }
    }

    /// The same edge restricted to `[from, until)`.
    pub fn valid_between(mut self, from: Option<NaiveDate>, until: Option<NaiveDate>) -> Self {
        self.valid_from = from;
        self.valid_until = until;
        self
    }

    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date)
            && self.valid_until.is_none_or(|until| date < until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn validity_is_half_open() {
        let edge = Edge::directorship(PartyRef::new("p").unwrap(), PartyRef::new("c").unwrap())
            .valid_between(Some(date("2024-01-01")), Some(date("2024-07-01")));
        assert!(!edge.is_valid_on(date("2023-12-31")));
        assert!(edge.is_valid_on(date("2024-01-01")));
        assert!(edge.is_valid_on(date("2024-06-30")));
        assert!(!edge.is_valid_on(date("2024-07-01")));
    }

    #[test]
    fn relations_serialise_with_a_type_tag() {
        let relation = Relation::Ownership {
            share: "0.6".parse().unwrap(),
        };
        assert_eq!(
            serde_json::to_string(&relation).unwrap(),
            r#"{"type":"ownership","share":"3/5"}"#
        );
        let control: Relation =
            serde_json::from_str(r#"{"type":"control","kind":"nominee"}"#).unwrap();
        assert_eq!(
            control,
            Relation::Control {
                kind: ControlKind::Nominee
            }
        );
    }
}
