//! Layout of the three formats (ICAO 9303 Parts 4, 5 and 6) and their check digits.

use super::check_digit::{compute, verify};
use super::fields::{MrzCountry, MrzDate, MrzName, MrzSex};
use super::{CheckDigit, CheckedField, Mrz, MrzFormat};
use crate::cip::field_error::{ErrorCode, FieldProblem};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error(
        "a machine-readable zone has 3 lines of 30 characters (TD1), 2 of 36 (TD2) or 2 of 44 (TD3); got {0}"
    )]
    Layout(String),
    #[error(
        "line {line}, position {position}: only A-Z, 0-9 and < may appear in a machine-readable zone"
    )]
    Character { line: usize, position: usize },
    #[error("the sex field holds {0:?}; it must be M, F, X or <")]
    Sex(char),
}

impl FieldProblem for MrzError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidFormat
    }
}

impl Mrz {
    /// Parses the lines of a zone. Surrounding white space is ignored and letters are
    /// upper-cased, since typed-in zones often differ from the printed one only in that.
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> Result<Self, MrzError> {
        let lines: Vec<String> = lines
            .iter()
            .map(|line| line.as_ref().trim().to_ascii_uppercase())
            .collect();
        let lengths: Vec<usize> = lines.iter().map(String::len).collect();
        let format = match lengths.as_slice() {
            [30, 30, 30] => MrzFormat::Td1,
            [36, 36] => MrzFormat::Td2,
            [44, 44] => MrzFormat::Td3,
            _ => return Err(MrzError::Layout(describe_lengths(&lengths))),
        };
        for (line_index, line) in lines.iter().enumerate() {
            if let Some(position) = line
                .bytes()
                .position(|b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<'))
            {
                return Err(MrzError::Character {
                    line: line_index + 1,
                    position: position + 1,
                });
            }
        }
        match format {
            MrzFormat::Td1 => parse_td1(lines),
            MrzFormat::Td2 | MrzFormat::Td3 => parse_two_line(format, lines),
        }
    }
}

fn describe_lengths(lengths: &[usize]) -> String {
    if lengths.is_empty() {
        return "no lines".to_owned();
    }
    let list: Vec<String> = lengths.iter().map(usize::to_string).collect();
    format!(
        "{} line(s) of {} characters",
        lengths.len(),
        list.join(", ")
    )
}

/// A slice of an already length-checked ASCII line; empty rather than a panic if a range were
/// ever wrong.
fn cut(line: &str, start: usize, end: usize) -> &str {
    line.get(start..end).unwrap_or_default()
}

fn byte_at(line: &str, index: usize) -> u8 {
    line.as_bytes().get(index).copied().unwrap_or(b'<')
}

fn check(field: CheckedField, protected: &str, printed: u8, filler_allowed: bool) -> CheckDigit {
    CheckDigit {
        field,
        printed: char::from(printed),
        computed: compute(protected.as_bytes()),
        valid: verify(protected.as_bytes(), printed, filler_allowed),
    }
}

fn sex(c: u8) -> Result<MrzSex, MrzError> {
    MrzSex::from_char(c).ok_or(MrzError::Sex(char::from(c)))
}

fn filler_text(field: &str) -> String {
    field
        .split('<')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The document number and its check digit, handling the long-number convention of TD1/TD2:
/// a filler in the check-digit position means the number continues in the optional data,
/// ending with its check digit. Returns (number, check, rest of optional data).
fn document_number(
    principal: &str,
    printed_check: u8,
    optional: &str,
) -> (String, CheckDigit, String) {
    let principal_trimmed = principal.trim_end_matches('<');
    let continuation = optional.split('<').next().unwrap_or_default();
    if printed_check == b'<' && !continuation.is_empty() {
        let (extra, check_char) = continuation.split_at(continuation.len() - 1);
        let number = format!("{principal}{extra}");
        let digit = check(
            CheckedField::DocumentNumber,
            &number,
            check_char.bytes().next().unwrap_or(b'<'),
            false,
        );
        let rest = optional.get(continuation.len()..).unwrap_or_default();
        return (number, digit, filler_text(rest));
    }
    let digit = check(
        CheckedField::DocumentNumber,
        principal,
        printed_check,
        false,
    );
    (principal_trimmed.to_owned(), digit, filler_text(optional))
}

fn parse_td1(lines: Vec<String>) -> Result<Mrz, MrzError> {
    let [first, second, third] = [0, 1, 2].map(|i| lines.get(i).cloned().unwrap_or_default());
    let (document_number, number_check, optional_1) =
        document_number(cut(&first, 5, 14), byte_at(&first, 14), cut(&first, 15, 30));
    let composite_input = format!(
        "{}{}{}{}",
        cut(&first, 5, 30),
        cut(&second, 0, 7),
        cut(&second, 8, 15),
        cut(&second, 18, 29)
    );
    let optional_2 = filler_text(cut(&second, 18, 29));
    let check_digits = vec![
        number_check,
        check(
            CheckedField::BirthDate,
            cut(&second, 0, 6),
            byte_at(&second, 6),
            false,
        ),
        check(
            CheckedField::ExpiryDate,
            cut(&second, 8, 14),
            byte_at(&second, 14),
            false,
        ),
        check(
            CheckedField::Composite,
            &composite_input,
            byte_at(&second, 29),
            false,
        ),
    ];
    let optional_data = [optional_1, optional_2]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Mrz {
        format: MrzFormat::Td1,
        document_code: cut(&first, 0, 2).trim_end_matches('<').to_owned(),
        issuing_state: MrzCountry::new(cut(&first, 2, 5)),
        name: MrzName::parse(&third),
        document_number,
        nationality: MrzCountry::new(cut(&second, 15, 18)),
        birth_date: MrzDate::new(cut(&second, 0, 6)),
        sex: sex(byte_at(&second, 7))?,
        expiry_date: MrzDate::new(cut(&second, 8, 14)),
        optional_data,
        check_digits,
        lines,
    })
}

/// TD2 and TD3 share their layout up to the end of the expiry date; they differ in the width of
/// the name and optional-data fields and in TD3's extra optional-data check digit.
fn parse_two_line(format: MrzFormat, lines: Vec<String>) -> Result<Mrz, MrzError> {
    let [first, second] = [0, 1].map(|i| lines.get(i).cloned().unwrap_or_default());
    let width = first.len();
    let composite_at = width - 1;
    let mut check_digits = Vec::with_capacity(5);
    let (document_number, optional_data) = match format {
        MrzFormat::Td3 => {
            let optional = cut(&second, 28, 42);
            check_digits.push(check(
                CheckedField::DocumentNumber,
                cut(&second, 0, 9),
                byte_at(&second, 9),
                false,
            ));
            check_digits.push(check(
                CheckedField::OptionalData,
                optional,
                byte_at(&second, 42),
                true,
            ));
            (
                cut(&second, 0, 9).trim_end_matches('<').to_owned(),
                filler_text(optional),
            )
        }
        MrzFormat::Td1 | MrzFormat::Td2 => {
            let (number, digit, rest) = document_number(
                cut(&second, 0, 9),
                byte_at(&second, 9),
                cut(&second, 28, 35),
            );
            check_digits.push(digit);
            (number, rest)
        }
    };
    check_digits.push(check(
        CheckedField::BirthDate,
        cut(&second, 13, 19),
        byte_at(&second, 19),
        false,
    ));
    check_digits.push(check(
        CheckedField::ExpiryDate,
        cut(&second, 21, 27),
        byte_at(&second, 27),
        false,
    ));
    let composite_input = format!(
        "{}{}{}",
        cut(&second, 0, 10),
        cut(&second, 13, 20),
        cut(&second, 21, composite_at)
    );
    check_digits.push(check(
        CheckedField::Composite,
        &composite_input,
        byte_at(&second, composite_at),
        false,
    ));
    Ok(Mrz {
        format,
        document_code: cut(&first, 0, 2).trim_end_matches('<').to_owned(),
        issuing_state: MrzCountry::new(cut(&first, 2, 5)),
        name: MrzName::parse(cut(&first, 5, width)),
        document_number,
        nationality: MrzCountry::new(cut(&second, 10, 13)),
        birth_date: MrzDate::new(cut(&second, 13, 19)),
        sex: sex(byte_at(&second, 20))?,
        expiry_date: MrzDate::new(cut(&second, 21, 27)),
        optional_data,
        check_digits,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digit(mrz: &Mrz, field: CheckedField) -> CheckDigit {
        *mrz.check_digits()
            .iter()
            .find(|d| d.field == field)
            .unwrap()
    }

    #[test]
    fn refuses_wrong_layouts_and_characters() {
        assert!(matches!(Mrz::parse(&["P<UTO"]), Err(MrzError::Layout(_))));
        assert!(matches!(Mrz::parse::<&str>(&[]), Err(MrzError::Layout(_))));
        let bad = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<1-",
        ];
        assert_eq!(
            Mrz::parse(&bad),
            Err(MrzError::Character {
                line: 2,
                position: 44
            })
        );
        let bad_sex = [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122Q1204159ZE184226B<<<<<10",
        ];
        assert_eq!(Mrz::parse(&bad_sex), Err(MrzError::Sex('Q')));
    }

    #[test]
    fn reassembles_long_td1_document_numbers() {
        // Number D23145890734 (12 characters): 9 in place, a filler, then "734" and check digit.
        let number = "D23145890734";
        let check = compute(number.as_bytes());
        let first = format!("I<UTOD23145890<734{check}<<<<<<<<<<<");
        let second_core = "7408122F1204159UTO<<<<<<<<<<<";
        let composite = compute(
            format!(
                "{}{}{}{}",
                cut(&first, 5, 30),
                &second_core[0..7],
                &second_core[8..15],
                &second_core[18..29]
            )
            .as_bytes(),
        );
        let second = format!("{}{composite}", &second_core[0..29]);
        let mrz = Mrz::parse(&[
            first.as_str(),
            second.as_str(),
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ])
        .unwrap();
        assert_eq!(mrz.document_number(), number);
        assert!(digit(&mrz, CheckedField::DocumentNumber).valid);
        assert!(mrz.all_check_digits_valid(), "{:?}", mrz.check_digits());
        assert_eq!(mrz.optional_data(), "");
    }
}
