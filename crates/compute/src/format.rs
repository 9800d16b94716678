//! Number formats the catalog records a dense peak for.

use serde::{Deserialize, Serialize};

/// A number format with its own dense peak rate on an accelerator.
///
/// `Bf16` stands for the 16-bit tensor figure (BF16 and FP16 share one peak on every chip the
/// catalog holds). `Int8` is kept for completeness but is never a training format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NumberFormat {
    Fp8,
    #[serde(alias = "fp16")]
    Bf16,
    Tf32,
    Fp32,
    Int8,
}

impl NumberFormat {
    pub const ALL: [NumberFormat; 5] = [Self::Fp8, Self::Bf16, Self::Tf32, Self::Fp32, Self::Int8];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fp8 => "fp8",
            Self::Bf16 => "bf16",
            Self::Tf32 => "tf32",
            Self::Fp32 => "fp32",
            Self::Int8 => "int8",
        }
    }
}

impl std::fmt::Display for NumberFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for NumberFormat {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fp8" => Ok(Self::Fp8),
            "bf16" | "fp16" => Ok(Self::Bf16),
            "tf32" => Ok(Self::Tf32),
            "fp32" => Ok(Self::Fp32),
            "int8" => Ok(Self::Int8),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// A number-format name that is none of fp8, bf16/fp16, tf32, fp32, int8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown number format {0:?}: expected one of fp8, bf16, fp16, tf32, fp32, int8")]
pub struct UnknownFormat(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_formats() {
        assert_eq!("FP16".parse::<NumberFormat>(), Ok(NumberFormat::Bf16));
        assert_eq!("fp8".parse::<NumberFormat>(), Ok(NumberFormat::Fp8));
        assert!("fp4".parse::<NumberFormat>().is_err());
        assert_eq!(NumberFormat::Tf32.to_string(), "tf32");
        let json = serde_json::to_string(&NumberFormat::Bf16).unwrap();
        assert_eq!(json, "\"bf16\"");
        let back: NumberFormat = serde_json::from_str("\"fp16\"").unwrap();
        assert_eq!(back, NumberFormat::Bf16);
    }
}
