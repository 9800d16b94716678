use super::*;

fn bundled() -> Catalog {
    Catalog::bundled().unwrap()
}

fn peaks(catalog: &Catalog, name: &str) -> TrainingPeaks {
    let id = catalog
        .resolve(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    catalog.training_peaks(id).unwrap()
}

fn tflops(ops: u64) -> f64 {
    ops as f64 / 1e12
}

#[test]
fn reference_points_of_compute_md_hold() {
    let c = bundled();
    // (name, dense 16-bit TFLOP/s, dense FP8 TFLOP/s or 0 when the chip has none)
    let reference = [
        ("H100", 989.0, 1979.0),
        ("H200", 989.0, 1979.0),
        ("A100", 312.0, 0.0),
        ("B200", 2250.0, 4500.0),
        ("GB200", 2500.0, 5000.0),
        ("MI300X", 1307.0, 2615.0),
        ("TPU v5p", 459.0, 0.0),
        ("Trainium2", 667.0, 1299.0),
    ];
    for (name, bf16, fp8) in reference {
        let p = peaks(&c, name);
        assert_eq!(p.sixteen_bit_format, NumberFormat::Bf16, "{name}");
        assert!(
            (tflops(p.sixteen_bit) - bf16).abs() / bf16 < 0.005,
            "{name} bf16 {}",
            tflops(p.sixteen_bit)
        );
        match p.fp8 {
            Some(rate) => assert!(
                (tflops(rate) - fp8).abs() / fp8 < 0.005,
                "{name} fp8 {}",
                tflops(rate)
            ),
            None => assert_eq!(fp8, 0.0, "{name} should have fp8"),
        }
    }
}

#[test]
fn overrides_name_their_source_and_date() {
    let c = bundled();
    let h100 = c.get(c.resolve("H100").unwrap()).unwrap();
    let fp8 = h100.peak(NumberFormat::Fp8).unwrap();
    assert!(fp8.source().contains("datasheet"), "{}", fp8.source());
    assert_eq!(fp8.as_of(), NaiveDate::from_ymd_opt(2025, 11, 30).unwrap());
    let bf16 = h100.peak(NumberFormat::Bf16).unwrap();
    assert!(bf16.source().starts_with("Epoch AI"), "{}", bf16.source());
    assert_eq!(bf16.as_of(), NaiveDate::from_ymd_opt(2025, 11, 14).unwrap());
}

#[test]
fn forgiving_names_resolve_to_the_same_entry() {
    let c = bundled();
    let h100 = c.resolve("NVIDIA H100 SXM5 80GB").unwrap();
    for spelling in [
        "H100",
        "h100",
        "h100-sxm",
        "H100 SXM",
        "nvidia_h100_sxm5_80gb",
        " H100 ",
    ] {
        assert_eq!(c.resolve(spelling).unwrap(), h100, "{spelling}");
    }
    assert_eq!(c.get(h100).unwrap().name(), "NVIDIA H100 SXM5 80GB");
    let pcie = c.resolve("h100 pcie").unwrap();
    assert_ne!(pcie, h100);
    assert_eq!(
        c.resolve("trn2").unwrap(),
        c.resolve("Amazon Trainium2").unwrap()
    );
    assert_eq!(
        c.resolve("TPU-v5p").unwrap(),
        c.resolve("Google TPU v5p").unwrap()
    );
    // Whole tokens only: A10 is not an A100.
    assert_eq!(
        c.get(c.resolve("A10").unwrap()).unwrap().name(),
        "NVIDIA A10 PCIe"
    );
    assert_eq!(
        c.get(c.resolve("TPU v4").unwrap()).unwrap().name(),
        "Google TPU v4"
    );
}

#[test]
fn unknown_and_ambiguous_names_list_candidates() {
    let c = bundled();
    let err = c.resolve("H1OO").unwrap_err();
    assert!(matches!(&err, ResolveError::Unknown { suggestions, .. } if !suggestions.is_empty()));
    let err = c.resolve("Z9000 quantum").unwrap_err().to_string();
    assert!(err.contains("unknown accelerator"), "{err}");
    match c.resolve("TPU v5").unwrap_err() {
        ResolveError::Ambiguous { candidates, .. } => {
            assert!(
                candidates.iter().any(|n| n == "Google TPU v5p"),
                "{candidates:?}"
            );
            assert!(
                candidates.iter().any(|n| n == "Google TPU v5e"),
                "{candidates:?}"
            );
        }
        other => panic!("expected ambiguity, got {other}"),
    }
    assert!(matches!(c.resolve(""), Err(ResolveError::Unknown { .. })));
    assert!(matches!(
        c.resolve("---"),
        Err(ResolveError::Unknown { .. })
    ));
}

#[test]
fn extension_adds_and_patches_entries() {
    let mut c = bundled();
    let ext: CatalogExtension = serde_json::from_value(serde_json::json!({
        "accelerators": [
            {"name": "Acme Tensor X1", "aliases": ["x1"], "source": "Acme datasheet rev 3",
             "as_of": "2026-01-15", "peak_tflops": {"bf16": 1000.0, "fp8": 2000.0}},
            {"name": "Google TPU v5p", "source": "provider contract annex", "as_of": "2026-02-01",
             "peak_tflops": {"fp8": 918.0}}
        ]
    }))
    .unwrap();
    c.extend(&ext).unwrap();
    let x1 = peaks(&c, "x1");
    assert_eq!(x1.sixteen_bit, 1_000_000_000_000_000);
    assert_eq!(x1.fp8, Some(2_000_000_000_000_000));
    let v5p = peaks(&c, "TPU v5p");
    assert_eq!(v5p.sixteen_bit, 459_000_000_000_000);
    assert_eq!(v5p.fp8, Some(918_000_000_000_000));

    let bad = CatalogExtension {
        accelerators: vec![ExtraAccelerator {
            name: "Broken".into(),
            manufacturer: None,
            aliases: vec![],
            source: "x".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            peak_tflops: [(NumberFormat::Bf16, -3.0)].into_iter().collect(),
            sources: BTreeMap::new(),
        }],
    };
    assert!(matches!(
        c.extend(&bad),
        Err(CatalogError::BadExtension { .. })
    ));
}

#[test]
fn no_sparsity_figures_leak_in() {
    // A dense 16-bit figure is at most the dense FP8 figure and never more than 2x below it;
    // a sparsity value in one column but not the other would break the ratio.
    let c = bundled();
    for accel in c.iter() {
        if let Some(p) = accel.training_peaks()
            && let (Some(fp8), NumberFormat::Bf16) = (p.fp8, p.sixteen_bit_format)
        {
            let ratio = fp8 as f64 / p.sixteen_bit as f64;
            assert!(
                (0.99..=2.6).contains(&ratio),
                "{} fp8/bf16 = {ratio}",
                accel.name()
            );
        }
    }
}
