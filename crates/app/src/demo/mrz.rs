//! Machine-readable zones of demo passports (ICAO 9303 Part 4, TD3), with every check digit
//! computed by the domain's own routine so the parser accepts them.

use chrono::NaiveDate;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::cip::mrz::compute_check_digit;

const LINE: usize = 44;
const NAME_FIELD: usize = 39;

/// What a TD3 zone prints.
#[derive(Debug, Clone)]
pub struct PassportZone<'a> {
    pub issuing: CountryCode,
    pub nationality: CountryCode,
    pub family: &'a str,
    pub given: &'a str,
    pub number: &'a str,
    pub born: NaiveDate,
    pub female: bool,
    pub expires: NaiveDate,
}

/// ICAO codes are the alpha-3 codes except Germany's, which is `D`.
fn icao_code(country: CountryCode) -> String {
    let code = if country.as_str() == "DE" {
        "D"
    } else {
        country.alpha3()
    };
    format!("{code:<<3}")
}

/// Upper case, the few Latin letters with diacritics the name tables use folded to their base
/// letter, spaces, hyphens and apostrophes as ICAO 9303 Part 3 section 4.6 says.
fn mrz_name_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let folded = match c {
            'á' | 'à' | 'â' | 'ã' | 'Á' => 'A',
            'é' | 'è' | 'ê' | 'É' => 'E',
            'í' | 'Í' => 'I',
            'ó' | 'ô' | 'õ' | 'Ó' => 'O',
            'ú' | 'Ú' => 'U',
            'ç' => 'C',
            ' ' | '-' => '<',
            '\'' => continue,
            other => other.to_ascii_uppercase(),
        };
        if folded.is_ascii_uppercase() || folded == '<' {
            out.push(folded);
        }
    }
    out
}

fn pad(text: &str, width: usize) -> String {
    let mut out: String = text.chars().take(width).collect();
    while out.len() < width {
        out.push('<');
    }
    out
}

fn check(field: &str) -> char {
    char::from(b'0' + compute_check_digit(field.as_bytes()))
}

/// The two 44-character lines.
pub fn td3(zone: &PassportZone<'_>) -> [String; 2] {
    let name = format!(
        "{}<<{}",
        mrz_name_part(zone.family),
        mrz_name_part(zone.given)
    );
    let line1 = pad(
        &format!("P<{}{}", icao_code(zone.issuing), pad(&name, NAME_FIELD)),
        LINE,
    );
    let number = pad(zone.number, 9);
    let born = zone.born.format("%y%m%d").to_string();
    let expires = zone.expires.format("%y%m%d").to_string();
    let optional = pad("", 14);
    let number_part = format!("{number}{}", check(&number));
    let born_part = format!("{born}{}", check(&born));
    let expiry_part = format!("{expires}{}{optional}{}", check(&expires), check(&optional));
    let composite = check(&format!("{number_part}{born_part}{expiry_part}"));
    let line2 = format!(
        "{number_part}{}{born_part}{}{expiry_part}{composite}",
        icao_code(zone.nationality),
        if zone.female { 'F' } else { 'M' },
    );
    [line1, line2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::cip::mrz::Mrz;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn reproduces_the_documented_amara_okafor_zone() {
        let ng = CountryCode::parse("NG").unwrap();
        let lines = td3(&PassportZone {
            issuing: ng,
            nationality: ng,
            family: "Okafor",
            given: "Amara",
            number: "A07314252",
            born: day(1988, 4, 12),
            female: true,
            expires: day(2031, 9, 15),
        });
        assert_eq!(
            lines,
            [
                "P<NGAOKAFOR<<AMARA<<<<<<<<<<<<<<<<<<<<<<<<<<",
                "A073142526NGA8804123F3109155<<<<<<<<<<<<<<02"
            ]
        );
    }

    #[test]
    fn germany_uses_d_and_names_fold_to_the_mrz_alphabet() {
        let de = CountryCode::parse("DE").unwrap();
        let lines = td3(&PassportZone {
            issuing: de,
            nationality: de,
            family: "Ortega-Díaz",
            given: "José María",
            number: "C4X9K2P71",
            born: day(1975, 12, 1),
            female: false,
            expires: day(2033, 1, 31),
        });
        assert!(
            lines[0].starts_with("P<D<<ORTEGA<DIAZ<<JOSE<MARIA<"),
            "{lines:?}"
        );
        let mrz = Mrz::parse(&lines).unwrap();
        assert!(mrz.all_check_digits_valid(), "{:?}", mrz.check_digits());
        assert_eq!(mrz.document_number(), "C4X9K2P71");
        assert_eq!(mrz.nationality().country(), Some(de));
    }
}
