//! Exact shares of ownership.
//!
//! A share is a non-negative rational number held with arbitrary-precision numerator and
//! denominator, so that 60 % of 50 % is exactly 3/10 and a cross-holding's geometric series
//! sums to an exact fraction. Floating point would make "exactly 25 %" a matter of luck.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use serde::{Deserialize, Serialize};

use crate::rule_pack::Percent;

/// A non-negative exact fraction of one (1/4 is 25 %). Serialised as `"n/d"` (or `"n"` when
/// whole); parsed from that form or from a decimal fraction such as `"0.25"`.
///
/// Small values (numerator and denominator within `u128`, which covers any realistic chain of
/// percentages with a few decimals) are computed with machine integers; an operation that
/// would overflow moves to arbitrary precision, so results never depend on the size of the
/// numbers. The representation is canonical (reduced, small whenever it fits), which keeps the
/// derived equality and hash exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Share(Repr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// Reduced, `den > 0`.
    Small { num: u128, den: u128 },
    /// Reduced, and too large for `Small`.
    Big(BigRational),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShareError {
    #[error(
        "\"{0}\" is not a share: write a decimal (\"0.25\", \"33.3333\" for percents) or a fraction (\"1/3\")"
    )]
    Format(String),
    #[error("a share cannot have a zero denominator")]
    ZeroDenominator,
    #[error("{0} is not a finite, non-negative number")]
    NotFinite(String),
}

/// More digits than any register records; the bound keeps parsing cheap on hostile input.
const MAX_DIGITS: usize = 60;

impl Share {
    pub fn zero() -> Self {
        Self(Repr::Small { num: 0, den: 1 })
    }

    pub fn one() -> Self {
        Self(Repr::Small { num: 1, den: 1 })
    }

    /// `numerator / denominator`, reduced.
    pub fn from_ratio(numerator: u64, denominator: u64) -> Result<Self, ShareError> {
        if denominator == 0 {
            return Err(ShareError::ZeroDenominator);
        }
        Ok(small(u128::from(numerator), u128::from(denominator)))
    }

    /// A percentage written as a decimal or a fraction (`"25"`, `"33.3333"`, `"100/3"`):
    /// `"25"` is 1/4.
    pub fn from_percent_str(text: &str) -> Result<Self, ShareError> {
        let percent = parse_decimal(text)?;
        Ok(Self::from_rational(percent / BigInt::from(100)))
    }

    /// A percentage given as a float, read as the shortest decimal that round-trips to it:
    /// `33.33` is exactly 3333/10000 of a hundred, not the binary neighbour of 33.33. A JSON
    /// number typed by a person therefore keeps the value the person typed.
    pub fn from_percent_f64(percent: f64) -> Result<Self, ShareError> {
        if !percent.is_finite() || percent < 0.0 {
            return Err(ShareError::NotFinite(percent.to_string()));
        }
        // `Display` for f64 never uses exponent notation, so this is a plain decimal.
        Self::from_percent_str(&percent.to_string())
    }

    /// A pack percentage (thresholds such as 25 % or 50 %).
    pub fn from_pack_percent(percent: Percent) -> Result<Self, ShareError> {
        Self::from_percent_f64(percent.get())
    }

    pub fn is_zero(&self) -> bool {
        matches!(self.0, Repr::Small { num: 0, .. })
    }

    pub fn is_one(&self) -> bool {
        matches!(self.0, Repr::Small { num: 1, den: 1 })
    }

    /// Nearest float, for display and statistics only: decisions compare exact values.
    pub fn to_f64(&self) -> f64 {
        match &self.0 {
            Repr::Small { num, den } => *num as f64 / *den as f64,
            Repr::Big(value) => value.to_f64().unwrap_or(f64::NAN),
        }
    }

    /// The percentage rounded half away from zero to `decimals` places, trailing zeros cut:
    /// `"30"`, `"33.3333"`.
    pub fn percent_string(&self, decimals: u32) -> String {
        let scale = BigInt::from(10u32).pow(decimals);
        let scaled = self.to_big() * BigRational::from_integer(BigInt::from(100) * &scale);
        let rounded = scaled.round().to_integer();
        let digits = rounded.abs().to_string();
        let decimals = decimals as usize;
        let (int_part, frac_part) = if digits.len() > decimals {
            let split = digits.len() - decimals;
            (
                digits.get(..split).unwrap_or("0").to_owned(),
                digits.get(split..).unwrap_or("").to_owned(),
            )
        } else {
            ("0".to_owned(), format!("{digits:0>decimals$}"))
        };
        let frac = frac_part.trim_end_matches('0');
        if frac.is_empty() {
            int_part
        } else {
            format!("{int_part}.{frac}")
        }
    }

    /// The exact value as `"n/d"` (or `"n"`).
    pub fn ratio_string(&self) -> String {
        match &self.0 {
            Repr::Small { num, den: 1 } => num.to_string(),
            Repr::Small { num, den } => format!("{num}/{den}"),
            Repr::Big(value) => value.to_string(),
        }
    }

    pub(crate) fn to_big(&self) -> BigRational {
        match &self.0 {
            Repr::Small { num, den } => {
                BigRational::new_raw(BigInt::from(*num), BigInt::from(*den))
            }
            Repr::Big(value) => value.clone(),
        }
    }

    /// Canonical form of a reduced non-negative rational.
    pub(crate) fn from_rational(value: BigRational) -> Self {
        match (value.numer().to_u128(), value.denom().to_u128()) {
            (Some(num), Some(den)) if den > 0 => Self(Repr::Small { num, den }),
            _ => Self(Repr::Big(value)),
        }
    }

    pub fn add(&self, other: &Self) -> Self {
        if other.is_zero() {
            return self.clone();
        }
        if self.is_zero() {
            return other.clone();
        }
        if let (Repr::Small { num: a, den: b }, Repr::Small { num: c, den: d }) =
            (&self.0, &other.0)
            && let Some(sum) = small_add(*a, *b, *c, *d)
        {
            return sum;
        }
        Self::from_rational(self.to_big() + other.to_big())
    }

    pub fn mul(&self, other: &Self) -> Self {
        if other.is_one() {
            return self.clone();
        }
        if self.is_one() {
            return other.clone();
        }
        if let (Repr::Small { num: a, den: b }, Repr::Small { num: c, den: d }) =
            (&self.0, &other.0)
            && let Some(product) = small_mul(*a, *b, *c, *d)
        {
            return product;
        }
        Self::from_rational(self.to_big() * other.to_big())
    }

    /// `self - other`, or zero when `other` is larger (shares are never negative).
    pub fn saturating_sub(&self, other: &Self) -> Self {
        if other >= self {
            return Self::zero();
        }
        Self::from_rational(self.to_big() - other.to_big())
    }

    /// `None` when dividing by zero.
    pub fn checked_div(&self, other: &Self) -> Option<Self> {
        if other.is_zero() {
            return None;
        }
        Some(Self::from_rational(self.to_big() / other.to_big()))
    }

    /// Compares with a threshold; a named method keeps call sites readable.
    pub fn at_least(&self, threshold: &Share) -> bool {
        self >= threshold
    }

    /// Sum of many shares.
    pub fn sum<'a>(shares: impl IntoIterator<Item = &'a Share>) -> Share {
        shares
            .into_iter()
            .fold(Share::zero(), |total, share| total.add(share))
    }
}

impl Ord for Share {
    fn cmp(&self, other: &Self) -> Ordering {
        if let (Repr::Small { num: a, den: b }, Repr::Small { num: c, den: d }) =
            (&self.0, &other.0)
            && let (Some(left), Some(right)) = (a.checked_mul(*d), c.checked_mul(*b))
        {
            return left.cmp(&right);
        }
        self.to_big().cmp(&other.to_big())
    }
}

impl PartialOrd for Share {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Binary GCD; finishes in 64-bit registers as soon as both values fit, which is where
/// reduced shares of realistic chains spend most of their steps.
fn gcd(mut a: u128, mut b: u128) -> u128 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if let (Ok(a64), Ok(b64)) = (u64::try_from(a), u64::try_from(b)) {
            return u128::from(gcd_odd64(a64, b64)) << shift;
        }
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// GCD of two odd (non-zero) numbers.
fn gcd_odd64(mut a: u64, mut b: u64) -> u64 {
    loop {
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a;
        }
        b >>= b.trailing_zeros();
    }
}

/// Reduces `num/den` (`den > 0`).
fn small(num: u128, den: u128) -> Share {
    let divisor = gcd(num, den).max(1);
    Share(Repr::Small {
        num: num / divisor,
        den: den / divisor,
    })
}

/// `a/b + c/d` of reduced fractions. With `g = gcd(b, d)`, the sum's common factor divides
/// `g` (Knuth, TAOCP 4.5.1), so the final reduction works on the small `g`.
fn small_add(a: u128, b: u128, c: u128, d: u128) -> Option<Share> {
    let g = gcd(b, d).max(1);
    let (b1, d1) = (b / g, d / g);
    let num = a.checked_mul(d1)?.checked_add(c.checked_mul(b1)?)?;
    if g == 1 {
        return Some(Share(Repr::Small {
            num,
            den: b.checked_mul(d1)?,
        }));
    }
    let g2 = gcd(num % g, g).max(1);
    let num = num / g2;
    let den = (b / g2).checked_mul(d1)?;
    if num == 0 {
        return Some(Share::zero());
    }
    Some(Share(Repr::Small { num, den }))
}

/// `a/b * c/d` of reduced fractions: cancelling across first leaves the product reduced.
fn small_mul(a: u128, b: u128, c: u128, d: u128) -> Option<Share> {
    if a == 0 || c == 0 {
        return Some(Share::zero());
    }
    let g1 = gcd(a, d).max(1);
    let g2 = gcd(c, b).max(1);
    let num = (a / g1).checked_mul(c / g2)?;
    let den = (b / g2).checked_mul(d / g1)?;
    Some(Share(Repr::Small { num, den }))
}

/// Parses `"12"`, `"12.5"`, `"0.125"` or `"1/8"` into an exact non-negative rational.
fn parse_decimal(text: &str) -> Result<BigRational, ShareError> {
    let format = || ShareError::Format(text.chars().take(MAX_DIGITS).collect());
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.len() > MAX_DIGITS {
        return Err(format());
    }
    if let Some((numerator, denominator)) = trimmed.split_once('/') {
        let numerator = parse_digits(numerator.trim()).ok_or_else(format)?;
        let denominator = parse_digits(denominator.trim()).ok_or_else(format)?;
        if denominator.is_zero() {
            return Err(ShareError::ZeroDenominator);
        }
        return Ok(BigRational::new(numerator, denominator));
    }
    let (int_part, frac_part) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(format());
    }
    let int_value = if int_part.is_empty() {
        BigInt::zero()
    } else {
        parse_digits(int_part).ok_or_else(format)?
    };
    if frac_part.is_empty() {
        if trimmed.ends_with('.') {
            return Err(format());
        }
        return Ok(BigRational::from_integer(int_value));
    }
    let frac_value = parse_digits(frac_part).ok_or_else(format)?;
    let scale = BigInt::from(10u32).pow(u32::try_from(frac_part.len()).map_err(|_| format())?);
    Ok(BigRational::new(int_value * &scale + frac_value, scale))
}

fn parse_digits(text: &str) -> Option<BigInt> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    BigInt::from_str(text).ok()
}

impl FromStr for Share {
    type Err = ShareError;
    /// A fraction of one: `"0.25"` or `"1/4"`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_decimal(text).map(Self::from_rational)
    }
}

impl TryFrom<String> for Share {
    type Error = ShareError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Share> for String {
    fn from(share: Share) -> Self {
        share.ratio_string()
    }
}

impl fmt::Display for Share {
    /// The percentage to four decimals, with the exact ratio when rounding hid something.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.percent_string(4);
        let back = Share::from_percent_str(&shown).ok();
        if back.as_ref() == Some(self) {
            write!(f, "{shown} %")
        } else {
            write!(f, "{shown} % ({})", self.ratio_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(text: &str) -> Share {
        text.parse().unwrap()
    }

    #[test]
    fn parses_decimals_and_fractions_exactly() {
        assert_eq!(share("0.25"), Share::from_ratio(1, 4).unwrap());
        assert_eq!(share("1/3").ratio_string(), "1/3");
        assert_eq!(share(".5"), Share::from_ratio(1, 2).unwrap());
        assert_eq!(share("1"), Share::one());
        for bad in ["", "-0.1", "1e-3", "0.1.2", "abc", "1/0", "5.", "/3", " . "] {
            assert!(bad.parse::<Share>().is_err(), "{bad}");
        }
    }

    #[test]
    fn percents_keep_what_was_typed() {
        assert_eq!(
            Share::from_percent_f64(33.33).unwrap().ratio_string(),
            "3333/10000"
        );
        assert_eq!(Share::from_percent_str("25").unwrap(), share("1/4"));
        assert_eq!(
            Share::from_pack_percent(Percent::new(50.0).unwrap()).unwrap(),
            share("1/2")
        );
        assert!(Share::from_percent_f64(f64::NAN).is_err());
        assert!(Share::from_percent_f64(-1.0).is_err());
    }

    #[test]
    fn arithmetic_is_exact() {
        let product = share("0.6").mul(&share("0.5"));
        assert_eq!(product, share("0.3"));
        assert!(product.at_least(&share("3/10")));
        assert!(!share("0.2999999999").at_least(&share("0.3")));
        assert_eq!(share("1/3").add(&share("2/3")), Share::one());
        assert_eq!(share("1/6").add(&share("1/10")), share("4/15"));
        assert_eq!(share("1/4").add(&share("1/4")), share("1/2"));
        assert_eq!(share("2/3").mul(&share("3/4")), share("1/2"));
        assert_eq!(share("0").mul(&share("3/4")), Share::zero());
        assert_eq!(share("0.2").saturating_sub(&share("0.5")), Share::zero());
        assert_eq!(share("1/2").checked_div(&Share::zero()), None);
    }

    #[test]
    fn large_values_move_to_arbitrary_precision_and_back() {
        // 1/3^90 overflows u128 in its denominator; multiplying back by 3^90 returns to one.
        let third = share("1/3");
        let mut tiny = Share::one();
        for _ in 0..90 {
            tiny = tiny.mul(&third);
        }
        assert!(matches!(tiny.0, Repr::Big(_)));
        assert!(!tiny.is_zero());
        assert!(share("0.000001").at_least(&tiny));
        let mut back = tiny.clone();
        for _ in 0..90 {
            back = back.mul(&share("3"));
        }
        assert_eq!(back, Share::one());
        assert!(matches!(back.0, Repr::Small { .. }));
        // Sums that overflow the small form stay exact.
        let big_denominator = share("1/340282366920938463463374607431768211297");
        let total = big_denominator.add(&share("1/3"));
        assert_eq!(total.saturating_sub(&share("1/3")), big_denominator);
        assert_eq!(gcd(0, 12), 12);
        assert_eq!(gcd(18, 12), 6);
        assert_eq!(gcd(1 << 100, 3 << 90), 1 << 90);
        let big_prime_ish = (1u128 << 89) - 1;
        assert_eq!(
            gcd(big_prime_ish * 6, big_prime_ish * 10),
            big_prime_ish * 2
        );
    }

    #[test]
    fn displays_percent_and_exact_ratio_when_rounded() {
        assert_eq!(share("0.3").to_string(), "30 %");
        assert_eq!(share("1/3").to_string(), "33.3333 % (1/3)");
        assert_eq!(share("1/3").percent_string(2), "33.33");
        assert_eq!(share("1/1000000").percent_string(2), "0");
        assert_eq!(share("0.000123").percent_string(4), "0.0123");
        assert_eq!(serde_json::to_string(&share("0.3")).unwrap(), "\"3/10\"");
        let back: Share = serde_json::from_str("\"3/10\"").unwrap();
        assert_eq!(back, share("0.3"));
    }

    proptest::proptest! {
        /// The machine-integer fast path agrees with plain arbitrary-precision arithmetic,
        /// and its results are in canonical form (so derived equality is exact).
        #[test]
        fn fast_path_agrees_with_big_rationals(
            a in 0u64..u64::MAX, b in 1u64..u64::MAX, c in 0u64..u64::MAX, d in 1u64..u64::MAX,
            e in 0u64..1_000_000, f in 1u64..1_000_000,
        ) {
            let x = Share::from_ratio(a, b).unwrap();
            let y = Share::from_ratio(c, d).unwrap();
            let z = Share::from_ratio(e, f).unwrap();
            let big = |s: &Share| s.to_big();
            for (left, right) in [(&x, &y), (&x, &z), (&z, &y), (&z, &z)] {
                let sum = left.add(right);
                let product = left.mul(right);
                proptest::prop_assert_eq!(big(&sum), big(left) + big(right));
                proptest::prop_assert_eq!(big(&product), big(left) * big(right));
                proptest::prop_assert_eq!(&Share::from_rational(big(&sum)), &sum);
                proptest::prop_assert_eq!(&Share::from_rational(big(&product)), &product);
                proptest::prop_assert_eq!(left.cmp(right), big(left).cmp(&big(right)));
                let back = sum.saturating_sub(right);
                proptest::prop_assert_eq!(&back, left);
            }
        }
    }
}
