//! ICAO 9303 Part 3, section 4.9: the 7-3-1 weighted check digit.

/// Value of one MRZ character: digits are themselves, `A`..`Z` are 10..35, the filler `<` is 0.
/// Only called on characters the parser has already restricted to that alphabet.
fn char_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// The check digit of `field` (a slice of MRZ characters).
pub fn compute(field: &[u8]) -> u8 {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let sum: u32 = field
        .iter()
        .zip(WEIGHTS.iter().cycle())
        .map(|(c, weight)| char_value(*c) * weight)
        .sum();
    // The remainder is below 10, so the narrowing cannot lose anything.
    u8::try_from(sum % 10).unwrap_or(0)
}

/// Whether `digit` is the correct check character for `field`. A filler `<` is accepted only
/// where ICAO allows it: for an optional-data field made entirely of fillers.
pub fn verify(field: &[u8], digit: u8, filler_allowed_when_empty: bool) -> bool {
    if digit == b'<' {
        return filler_allowed_when_empty && field.iter().all(|c| *c == b'<');
    }
    digit.is_ascii_digit() && digit - b'0' == compute(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_icao_worked_examples() {
        // ICAO 9303 Part 3 worked example: date 520727 has check digit 3.
        assert_eq!(compute(b"520727"), 3);
        // Specimen passport number L898902C3 has check digit 6.
        assert_eq!(compute(b"L898902C3"), 6);
        assert_eq!(compute(b"AB2134<<<"), 5);
        assert_eq!(compute(b"<<<<<<<<<<<<<<"), 0);
    }

    #[test]
    fn filler_check_digit_only_for_empty_optional_data() {
        assert!(verify(b"<<<<<<<", b'<', true));
        assert!(!verify(b"<<<<<<<", b'<', false));
        assert!(!verify(b"ZE18422", b'<', true));
        assert!(verify(b"<<<<<<<", b'0', true));
        assert!(!verify(b"520727", b'4', false));
        assert!(!verify(b"520727", b'X', false));
    }
}
