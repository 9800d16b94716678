//! OFAC puts dates of birth, nationalities, identifiers and weak aliases in one free-text
//! remarks field ("DOB 1962; POB Shati.; Passport 4005504207 (Russia); a.k.a. 'BNC'."). This
//! reads the items screening uses and ignores the rest.

use crate::model::{Entity, IdKind, Identifier, NameKind};

use super::text::{country, parse_loose_date};

/// Identifier labels as OFAC writes them, longest first so "Vessel Registration Identification"
/// wins over "Registration".
const ID_LABELS: [(&str, IdKind); 17] = [
    ("Vessel Registration Identification", IdKind::Imo),
    ("Digital Currency Address - ", IdKind::CryptoWallet),
    ("Business Registration Number", IdKind::Registration),
    ("Identification Number", IdKind::NationalId),
    ("Registration Number", IdKind::Registration),
    ("Legal Entity Number", IdKind::Registration),
    ("National ID No.", IdKind::NationalId),
    ("Registration ID", IdKind::Registration),
    ("Company Number", IdKind::Registration),
    ("Tax ID No.", IdKind::TaxId),
    ("Cedula No.", IdKind::NationalId),
    ("Passport", IdKind::Passport),
    ("C.U.R.P.", IdKind::NationalId),
    ("SSN", IdKind::TaxId),
    ("NIT #", IdKind::TaxId),
    ("RFC", IdKind::TaxId),
    ("IMO", IdKind::Imo),
];

pub(crate) fn apply_remarks(entity: &mut Entity, remarks: &str) {
    for raw in remarks.split(';') {
        let item = raw.trim().trim_end_matches('.').trim();
        let item = item.strip_prefix("alt. ").unwrap_or(item);
        if let Some(rest) = item.strip_prefix("DOB ") {
            if let Some(date) = parse_loose_date(rest) {
                entity.add_birth_date(date);
            }
        } else if let Some(rest) = item
            .strip_prefix("nationality ")
            .or_else(|| item.strip_prefix("Nationality "))
        {
            if let Some(code) = country(rest) {
                entity.add_nationality(code);
            }
        } else if let Some(rest) = item.strip_prefix("citizen ") {
            if let Some(code) = country(rest) {
                entity.add_nationality(code);
            }
        } else if let Some(rest) = item
            .strip_prefix("Vessel Flag ")
            .or_else(|| item.strip_prefix("Nationality of Registration "))
        {
            if let Some(code) = country(rest) {
                entity.add_country(code);
            }
        } else if let Some(rest) = item
            .strip_prefix("a.k.a. ")
            .or_else(|| item.strip_prefix("f.k.a. "))
        {
            // Quoted a.k.a.s in remarks are the list's low-quality names.
            let name = rest.trim().trim_matches(['\'', '"']);
            entity.add_name(name, NameKind::WeakAlias);
        } else {
            apply_identifier(entity, item);
        }
    }
}

fn apply_identifier(entity: &mut Entity, item: &str) {
    let Some((label, kind)) = ID_LABELS.iter().find(|(label, _)| item.starts_with(label)) else {
        return;
    };
    let mut rest = item.get(label.len()..).unwrap_or_default().trim();
    if *kind == IdKind::CryptoWallet {
        // "XBT 1QJU..." : the currency code is not part of the address.
        rest = rest.split_once(' ').map_or(rest, |(_, address)| address);
    }
    rest = rest.strip_prefix("IMO ").unwrap_or(rest);
    let (value, issuer) = match rest.split_once(" (") {
        Some((value, tail)) => (value, tail.split(')').next().and_then(country)),
        None => (rest, None),
    };
    let value = value.split_whitespace().next().unwrap_or_default();
    if let Ok(id) = Identifier::new(*kind, value, issuer) {
        entity.add_identifier(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;

    #[test]
    fn reads_dates_nationality_ids_and_weak_aliases() {
        let mut e = Entity::new("1", Schema::Person);
        apply_remarks(
            &mut e,
            "DOB 12 Jan 1960; alt. DOB 1961; POB Moscow; nationality Russia; Passport 4005504207 (Russia); \
             Digital Currency Address - XBT 18Ke1QWE9nQfXuhJijHggZuPJ5ZYxapoBK; a.k.a. 'blackjack1987'; \
             Vessel Registration Identification IMO 8898831.",
        );
        let dates: Vec<String> = e.birth_dates.iter().map(ToString::to_string).collect();
        assert_eq!(dates, ["1960-01-12", "1961"]);
        assert_eq!(
            e.nationalities
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["RU"]
        );
        let ids: Vec<(IdKind, &str)> = e
            .identifiers
            .iter()
            .map(|i| (i.kind(), i.value()))
            .collect();
        assert_eq!(
            ids,
            [
                (IdKind::Passport, "4005504207"),
                (IdKind::CryptoWallet, "18KE1QWE9NQFXUHJIJHGGZUPJ5ZYXAPOBK"),
                (IdKind::Imo, "8898831")
            ]
        );
        assert_eq!(
            e.names.first().map(|n| (n.text.as_str(), n.kind)),
            Some(("blackjack1987", NameKind::WeakAlias))
        );
    }
}
