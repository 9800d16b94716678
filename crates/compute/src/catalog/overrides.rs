//! Vendor figures the dataset lacks, and the short names people actually type.
//!
//! Every override is a dense (no sparsity) vendor figure; where a datasheet prints only the
//! 2:4-sparsity number, the value here is half of it and the source says so.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{CatalogExtension, ExtraAccelerator};
use crate::format::NumberFormat;

/// (dataset name, format, dense TFLOP/s, source).
const VENDOR_FIGURES: [(&str, NumberFormat, f64, &str); 16] = [
    (
        "NVIDIA H100 SXM5 80GB",
        NumberFormat::Fp8,
        1979.0,
        "NVIDIA H100 Tensor Core GPU datasheet: FP8 3,958 TFLOPS with sparsity, 1,979 dense",
    ),
    (
        "NVIDIA H200 SXM",
        NumberFormat::Fp8,
        1979.0,
        "NVIDIA H200 Tensor Core GPU datasheet: FP8 3,958 TFLOPS with sparsity, 1,979 dense",
    ),
    (
        "NVIDIA H800 SXM5",
        NumberFormat::Fp8,
        1979.0,
        "NVIDIA H800 SXM5 datasheet: FP8 3,958 TFLOPS with sparsity, 1,979 dense (same tensor cores as H100 SXM5)",
    ),
    (
        "NVIDIA GH200",
        NumberFormat::Fp8,
        1979.0,
        "NVIDIA GH200 Grace Hopper datasheet: FP8 3,958 TFLOPS with sparsity, 1,979 dense",
    ),
    (
        "NVIDIA GH100",
        NumberFormat::Fp8,
        1979.0,
        "NVIDIA Hopper architecture whitepaper (full GH100 at H100 SXM5 clocks): FP8 1,979 TFLOPS dense",
    ),
    (
        "NVIDIA H100 PCIe",
        NumberFormat::Fp8,
        1513.0,
        "NVIDIA H100 Tensor Core GPU datasheet (PCIe): FP8 3,026 TFLOPS with sparsity, 1,513 dense",
    ),
    (
        "NVIDIA H100 PCIe",
        NumberFormat::Int8,
        1513.0,
        "NVIDIA H100 Tensor Core GPU datasheet (PCIe): INT8 3,026 TOPS with sparsity, 1,513 dense",
    ),
    (
        "NVIDIA H100 NVL",
        NumberFormat::Bf16,
        835.5,
        "NVIDIA H100 NVL datasheet: BF16 1,671 TFLOPS with sparsity, 835.5 dense",
    ),
    (
        "NVIDIA H100 NVL",
        NumberFormat::Fp8,
        1670.5,
        "NVIDIA H100 NVL datasheet: FP8 3,341 TFLOPS with sparsity, 1,670.5 dense",
    ),
    (
        "NVIDIA H100 NVL",
        NumberFormat::Tf32,
        417.5,
        "NVIDIA H100 NVL datasheet: TF32 835 TFLOPS with sparsity, 417.5 dense",
    ),
    (
        "NVIDIA HGX H20",
        NumberFormat::Fp8,
        296.0,
        "NVIDIA HGX H20 product brief: FP8 296 TFLOPS dense",
    ),
    (
        "AMD Instinct MI300X",
        NumberFormat::Fp8,
        2614.9,
        "AMD Instinct MI300X data sheet: FP8 2,614.9 TFLOPS dense (5,229.8 with sparsity)",
    ),
    (
        "AMD Instinct MI325X",
        NumberFormat::Fp8,
        2614.9,
        "AMD Instinct MI325X data sheet: FP8 2,614.9 TFLOPS dense (5,229.8 with sparsity)",
    ),
    (
        "NVIDIA A10 PCIe",
        NumberFormat::Bf16,
        125.0,
        "NVIDIA A10 datasheet: BF16 tensor 250 TFLOPS with sparsity, 125 dense (the dataset's FP16 column is the non-tensor rate)",
    ),
    (
        "NVIDIA RTX 6000 Ada Generation",
        NumberFormat::Bf16,
        364.25,
        "NVIDIA RTX 6000 Ada datasheet: FP8 tensor 1,457 TFLOPS with sparsity (728.5 dense); 16-bit tensor runs at half the FP8 rate, 364.25 dense (the dataset's FP16 column is the non-tensor rate)",
    ),
    (
        "Huawei Ascend 910",
        NumberFormat::Bf16,
        256.0,
        "Huawei Ascend 910 launch (2019): 256 TFLOPS FP16",
    ),
];

/// Date the override table was last checked against the vendor documents.
pub const OVERRIDES_AS_OF: (i32, u32, u32) = (2025, 11, 30);

/// (short name, dataset name) for families where a bare name would otherwise be ambiguous.
pub const FAMILY_DEFAULTS: [(&str, &str); 24] = [
    ("H100", "NVIDIA H100 SXM5 80GB"),
    ("H100 SXM", "NVIDIA H100 SXM5 80GB"),
    ("H200", "NVIDIA H200 SXM"),
    ("H800", "NVIDIA H800 SXM5"),
    ("A100", "NVIDIA A100 SXM4 80 GB"),
    ("A100 80GB", "NVIDIA A100 SXM4 80 GB"),
    ("A100 40GB", "NVIDIA A100 SXM4 40 GB"),
    ("A800", "NVIDIA A800 SXM"),
    ("V100", "NVIDIA V100"),
    ("A10", "NVIDIA A10 PCIe"),
    ("B300", "NVIDIA B300 (Blackwell Ultra)"),
    ("GB300", "NVIDIA GB300 (Blackwell Ultra)"),
    ("MI300", "AMD Instinct MI300X"),
    ("TPU v5p", "Google TPU v5p"),
    ("v5p", "Google TPU v5p"),
    ("v5e", "Google TPU v5e"),
    ("v6e", "Google TPU v6e Trillium"),
    ("Trillium", "Google TPU v6e Trillium"),
    ("trn1", "Amazon Trainium1"),
    ("trn2", "Amazon Trainium2"),
    ("Ascend 910B", "Huawei Ascend 910B"),
    ("Ascend 910C", "Huawei Ascend 910C"),
    ("910B", "Huawei Ascend 910B"),
    ("910C", "Huawei Ascend 910C"),
];

/// The built-in overrides as a catalog extension (the same path a provider's own entries take).
pub fn vendor_overrides() -> CatalogExtension {
    let as_of = NaiveDate::from_ymd_opt(OVERRIDES_AS_OF.0, OVERRIDES_AS_OF.1, OVERRIDES_AS_OF.2)
        .unwrap_or(NaiveDate::MIN);
    let mut by_name: BTreeMap<&str, ExtraAccelerator> = BTreeMap::new();
    for (name, format, tflops, source) in VENDOR_FIGURES {
        let entry = by_name.entry(name).or_insert_with(|| ExtraAccelerator {
            name: name.to_owned(),
            manufacturer: None,
            aliases: Vec::new(),
            source: String::new(),
            as_of,
            peak_tflops: BTreeMap::new(),
            sources: BTreeMap::new(),
        });
        entry.peak_tflops.insert(format, tflops);
        entry.sources.insert(format, source.to_owned());
    }
    CatalogExtension {
        accelerators: by_name.into_values().collect(),
    }
}
