use serde::{Deserialize, Serialize};

use super::CountryCode;

/// The identifier kinds screening cares about; a shared value of the same kind is treated as a
/// certain match (an IMO number or a passport number names one party).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Passport,
    NationalId,
    TaxId,
    Imo,
    Registration,
    CryptoWallet,
    Other,
}

impl IdKind {
    /// Whether a shared value of this kind identifies the party with certainty. `Other` and
    /// registration numbers are too often reused across registries to short-circuit.
    pub fn is_decisive(self) -> bool {
        matches!(
            self,
            IdKind::Passport
                | IdKind::NationalId
                | IdKind::TaxId
                | IdKind::Imo
                | IdKind::CryptoWallet
        )
    }

    /// Classifies the free-text kinds lists use ("Passport", "Tax ID No.", "Vessel Registration
    /// Identification", "Digital Currency Address - XBT", "innCode", ...).
    pub fn from_label(label: &str) -> IdKind {
        let l = label.to_ascii_lowercase();
        if l.contains("passport") {
            IdKind::Passport
        } else if l.contains("digital currency") || l.contains("wallet") || l.contains("crypto") {
            IdKind::CryptoWallet
        } else if l.contains("imo") || l.contains("vessel registration") {
            IdKind::Imo
        } else if l.contains("tax") || l.contains("inn") || l.contains("vat") || l.contains("ssn") {
            IdKind::TaxId
        } else if l.contains("national")
            || l.contains("cedula")
            || l.contains("c.u.r.p")
            || l.contains("personal id")
        {
            IdKind::NationalId
        } else if l.contains("registration")
            || l.contains("ogrn")
            || l.contains("regist")
            || l.contains("lei")
        {
            IdKind::Registration
        } else {
            IdKind::Other
        }
    }
}

/// An identifier as the list gives it, with its value reduced to upper-case ASCII letters and
/// digits so that "AB 12-345" and "ab12345" compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    kind: IdKind,
    value: String,
    country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identifier value has no letters or digits: {0:?}")]
pub struct InvalidIdentifier(pub String);

impl Identifier {
    pub fn new(
        kind: IdKind,
        value: &str,
        country: Option<CountryCode>,
    ) -> Result<Self, InvalidIdentifier> {
        let normalized: String = value
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        // Fewer than four characters cannot identify anyone and would only create collisions.
        if normalized.len() < 4 {
            return Err(InvalidIdentifier(value.to_owned()));
        }
        Ok(Identifier {
            kind,
            value: normalized,
            country,
        })
    }

    pub fn kind(&self) -> IdKind {
        self.kind
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn country(&self) -> Option<CountryCode> {
        self.country
    }

    /// Same value and compatible kinds (`Other` is compatible with everything: a query often
    /// does not know what a number is).
    pub fn matches(&self, other: &Identifier) -> bool {
        self.value == other.value
            && (self.kind == other.kind
                || self.kind == IdKind::Other
                || other.kind == IdKind::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_normalised_and_kinds_classified() -> Result<(), InvalidIdentifier> {
        let a = Identifier::new(IdKind::Passport, "ab 12-345", None)?;
        let b = Identifier::new(IdKind::from_label("Passport"), "AB12345", None)?;
        assert!(a.matches(&b));
        assert_eq!(a.value(), "AB12345");
        assert!(Identifier::new(IdKind::Imo, "--", None).is_err());
        assert_eq!(
            IdKind::from_label("Digital Currency Address - XBT"),
            IdKind::CryptoWallet
        );
        assert_eq!(
            IdKind::from_label("Vessel Registration Identification"),
            IdKind::Imo
        );
        assert_eq!(IdKind::from_label("Tax ID No."), IdKind::TaxId);
        Ok(())
    }
}
