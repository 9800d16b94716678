//! Normal CDF and the quantiles of a truncated log-normal scaled by a two-point mixture.
//!
//! Written here rather than pulled from a crate because the estimator must be deterministic to
//! the last bit across platforms and releases: plain `f64` arithmetic in a fixed order, no
//! random numbers, no platform `libm` special functions except `exp`/`ln`.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// Below this the Taylor series of erf is used; above it the continued fraction of erfc.
/// At 2.5 both are accurate to about 1e-14 (the series loses ~2 digits to cancellation, the
/// continued fraction has converged to 3e-16 relative within 40 terms).
const SERIES_LIMIT: f64 = 2.5;
const CONTINUED_FRACTION_TERMS: u32 = 40;

/// The error function, absolute error below 1e-13 on the whole real line.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    let magnitude = x.abs();
    let value = if magnitude < SERIES_LIMIT {
        erf_series(magnitude)
    } else {
        1.0 - erfc_continued_fraction(magnitude)
    };
    value.copysign(x)
}

/// The complementary error function 1 - erf(x), accurate in the upper tail as well.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < SERIES_LIMIT {
        1.0 - erf_series(x)
    } else {
        erfc_continued_fraction(x)
    }
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z * FRAC_1_SQRT_2)
}

/// erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)), summed until terms vanish.
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut power_over_factorial = x; // x^(2n+1) / n!
    let mut sum = x;
    let mut n = 0_u32;
    loop {
        n += 1;
        power_over_factorial *= -x2 / f64::from(n);
        let term = power_over_factorial / f64::from(2 * n + 1);
        sum += term;
        if term.abs() < 1e-17 * sum.abs() || n > 200 {
            break;
        }
    }
    sum * 2.0 / PI.sqrt()
}

/// erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from a
/// fixed depth backwards so the result does not depend on a convergence test.
fn erfc_continued_fraction(x: f64) -> f64 {
    let mut tail = x;
    for n in (1..=CONTINUED_FRACTION_TERMS).rev() {
        tail = x + f64::from(n) * 0.5 / tail;
    }
    (-x * x).exp() / PI.sqrt() / tail
}

/// A log-normal variable `median * exp(sigma * Z)` truncated to `[lower, upper]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TruncatedLogNormal {
    median: f64,
    sigma: f64,
    lower: f64,
    upper: f64,
    cdf_lower: f64,
    mass: f64,
}

impl TruncatedLogNormal {
    /// `None` when the parameters do not describe a proper distribution (non-positive median or
    /// sigma, empty interval, or an interval carrying no probability mass).
    pub fn new(median: f64, sigma: f64, lower: f64, upper: f64) -> Option<Self> {
        let finite = [median, sigma, lower, upper].iter().all(|v| v.is_finite());
        if !finite || median <= 0.0 || sigma <= 0.0 || lower <= 0.0 || upper <= lower {
            return None;
        }
        let cdf_lower = normal_cdf((lower / median).ln() / sigma);
        let cdf_upper = normal_cdf((upper / median).ln() / sigma);
        let mass = cdf_upper - cdf_lower;
        (mass > 1e-12).then_some(Self {
            median,
            sigma,
            lower,
            upper,
            cdf_lower,
            mass,
        })
    }

    pub fn lower(&self) -> f64 {
        self.lower
    }

    pub fn upper(&self) -> f64 {
        self.upper
    }

    pub fn cdf(&self, u: f64) -> f64 {
        if u <= self.lower {
            return 0.0;
        }
        if u >= self.upper {
            return 1.0;
        }
        let z = (u / self.median).ln() / self.sigma;
        ((normal_cdf(z) - self.cdf_lower) / self.mass).clamp(0.0, 1.0)
    }
}

/// The utilization factor: a truncated log-normal prior, or a point value the caller pins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Utilization {
    Prior(TruncatedLogNormal),
    Point(f64),
}

impl Utilization {
    fn cdf(&self, u: f64) -> f64 {
        match self {
            Self::Prior(d) => d.cdf(u),
            Self::Point(v) => {
                if u >= *v {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    fn bounds(&self) -> (f64, f64) {
        match self {
            Self::Prior(d) => (d.lower(), d.upper()),
            Self::Point(v) => (*v, *v),
        }
    }
}

/// The product `scale * U` where `scale` takes one of up to two values (the dense peak of each
/// number format) with the given weights, and `U` is the utilization factor.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaledMixture {
    utilization: Utilization,
    components: Vec<(f64, f64)>,
}

impl ScaledMixture {
    /// `components` are `(weight, scale)` pairs; zero-weight components are dropped and the
    /// weights renormalised. `None` when nothing with positive weight and scale remains.
    pub fn new(utilization: Utilization, components: &[(f64, f64)]) -> Option<Self> {
        let kept: Vec<(f64, f64)> = components
            .iter()
            .copied()
            .filter(|(w, s)| w.is_finite() && s.is_finite() && *w > 0.0 && *s > 0.0)
            .collect();
        let total: f64 = kept.iter().map(|(w, _)| w).sum();
        if kept.is_empty() || total <= 0.0 {
            return None;
        }
        let components = kept.into_iter().map(|(w, s)| (w / total, s)).collect();
        Some(Self {
            utilization,
            components,
        })
    }

    pub fn cdf(&self, x: f64) -> f64 {
        self.components
            .iter()
            .map(|(w, s)| w * self.utilization.cdf(x / s))
            .sum()
    }

    fn support(&self) -> (f64, f64) {
        let (lower, upper) = self.utilization.bounds();
        let mut low = f64::INFINITY;
        let mut high = 0.0_f64;
        for (_, s) in &self.components {
            low = low.min(s * lower);
            high = high.max(s * upper);
        }
        (low, high)
    }

    /// The `p`-quantile by bisection on the CDF: the smallest x (to f64 resolution) with
    /// CDF(x) >= p. The fixed bracket and iteration count make it deterministic and monotone
    /// in `p`: every step taken for a larger `p` moves the bracket at least as far up.
    pub fn quantile(&self, p: f64) -> f64 {
        let (mut low, mut high) = self.support();
        if self.cdf(low) >= p {
            return low;
        }
        let p = p.clamp(0.0, 1.0);
        for _ in 0..64 {
            let mid = 0.5 * (low + high);
            if mid <= low || mid >= high {
                break;
            }
            if self.cdf(mid) >= p {
                high = mid;
            } else {
                low = mid;
            }
        }
        high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: [(f64, f64, f64); 11] = [
        (0.1, 0.1124629160182849, 0.8875370839817152),
        (0.5, 0.5204998778130465, 0.4795001221869535),
        (1.0, 0.8427007929497149, 0.15729920705028513),
        (1.5, 0.9661051464753108, 0.033894853524689274),
        (2.0, 0.9953222650189527, 0.004677734981047265),
        (2.4, 0.999311486103355, 0.0006885138966450789),
        (2.5, 0.999593047982555, 0.0004069520174449589),
        (3.0, 0.9999779095030014, 2.2090496998585438e-05),
        (4.0, 0.9999999845827421, 1.541725790028002e-08),
        (5.0, 0.9999999999984626, 1.5374597944280351e-12),
        (6.0, 1.0, 2.1519736712498916e-17),
    ];

    #[test]
    fn erf_matches_reference_values_to_1e_13() {
        for (x, erf_ref, erfc_ref) in REFERENCE {
            assert!((erf(x) - erf_ref).abs() < 1e-13, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + erf_ref).abs() < 1e-13);
            let rel = (erfc(x) - erfc_ref).abs() / erfc_ref;
            assert!(rel < 1e-9, "erfc({x}) = {} vs {erfc_ref}", erfc(x));
            assert!((erfc(-x) - (1.0 + erf_ref)).abs() < 1e-13);
        }
    }

    #[test]
    fn normal_cdf_known_points() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-12);
        assert!((normal_cdf(-1.6448536269514722) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn single_component_quantile_matches_closed_form() {
        // Untruncated in practice: bounds far in the tails.
        let u = TruncatedLogNormal::new(0.33, 0.39, 1e-6, 1e3).unwrap();
        let mix = ScaledMixture::new(Utilization::Prior(u), &[(1.0, 1.0)]).unwrap();
        let p95 = mix.quantile(0.95);
        let expected = 0.33 * (0.39 * 1.6448536269514722_f64).exp();
        assert!(
            (p95 - expected).abs() / expected < 1e-9,
            "{p95} vs {expected}"
        );
        assert!((mix.quantile(0.5) - 0.33).abs() < 1e-9);
    }

    #[test]
    fn truncation_bounds_hold() {
        let u = TruncatedLogNormal::new(0.33, 0.39, 0.05, 0.75).unwrap();
        let mix = ScaledMixture::new(Utilization::Prior(u), &[(0.5, 1.0), (0.5, 2.0)]).unwrap();
        assert!(mix.quantile(0.0) >= 0.05 - 1e-12);
        assert!(mix.quantile(1.0) <= 1.5 + 1e-12);
        assert!(mix.quantile(0.05) < mix.quantile(0.5));
        assert!(mix.quantile(0.5) < mix.quantile(0.95));
    }

    #[test]
    fn rejects_improper_parameters() {
        assert!(TruncatedLogNormal::new(0.0, 0.39, 0.05, 0.75).is_none());
        assert!(TruncatedLogNormal::new(0.33, -1.0, 0.05, 0.75).is_none());
        assert!(TruncatedLogNormal::new(0.33, 0.39, 0.75, 0.05).is_none());
        assert!(TruncatedLogNormal::new(f64::NAN, 0.39, 0.05, 0.75).is_none());
        let u = TruncatedLogNormal::new(0.33, 0.39, 0.05, 0.75).unwrap();
        assert!(ScaledMixture::new(Utilization::Prior(u), &[(0.0, 1.0)]).is_none());
    }

    #[test]
    fn point_utilization_gives_a_two_point_mixture() {
        let mix =
            ScaledMixture::new(Utilization::Point(0.4), &[(0.5, 100.0), (0.5, 200.0)]).unwrap();
        assert_eq!(mix.quantile(0.05), 40.0);
        assert_eq!(mix.quantile(0.5), 40.0);
        assert!((mix.quantile(0.95) - 80.0).abs() < 1e-9);
    }
}
