//! Builders shared by the scenario and property tests, including the readers of the real
//! traces in shared/data/telemetry.

use chrono::DateTime;
use cloudkyc_compute::{
    Catalog, ComputeEngine, ComputeParams, PriceTable, Reservation, ReservationInput,
    UsageRecordInput,
};

pub const DAY: i64 = 86_400;
/// 2026-01-01T00:00:00Z: trace time zero.
pub const EPOCH: i64 = 1_767_225_600;

pub fn telemetry(file: &str) -> String {
    let path = format!(
        "{}/../../../shared/data/telemetry/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn engine() -> ComputeEngine {
    ComputeEngine::new(
        Catalog::bundled().unwrap(),
        PriceTable::bundled().unwrap(),
        ComputeParams::default(),
    )
    .unwrap()
}

pub fn at(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap()
}

#[allow(clippy::too_many_arguments)]
pub fn usage(
    id: String,
    account: &str,
    accelerator: &str,
    count: i64,
    start: i64,
    end: i64,
    cluster: &str,
    fabric: f64,
) -> UsageRecordInput {
    UsageRecordInput {
        id,
        account: account.into(),
        accelerator: accelerator.into(),
        count,
        start: at(start),
        end: at(end),
        cluster: Some(cluster.into()),
        datacenter: Some(cluster.split('-').next().unwrap_or("dc").into()),
        fabric_gbps: Some(fabric),
        reservation: None,
        telemetry: None,
        purpose: None,
    }
}

pub fn reservation(
    engine: &ComputeEngine,
    id: &str,
    account: &str,
    count: i64,
    start: i64,
    days: i64,
) -> Reservation {
    let input = ReservationInput {
        id: id.into(),
        account: account.into(),
        accelerator: "H100".into(),
        count: Some(count),
        start: at(start),
        end: at(start + days * DAY),
        cluster: Some("dc7-pg-12".into()),
        datacenter: Some("dc7".into()),
        fabric_gbps: Some(3200.0),
        committed_spend_usd: None,
        price_per_chip_hour: None,
        price_term: None,
        purpose: None,
        declared_model: None,
    };
    Reservation::validate(&input, engine.catalog(), &engine.params().limits).unwrap()
}

/// The OpenB production trace (8,152 pods on 1,213 GPU nodes over ~149 days) as usage
/// records of `accounts` accounts, every GPU counted as an H100 (the worst case), all in one
/// co-located cluster on 100 Gbit/s fabric.
pub fn openb_background(accounts: usize) -> Vec<UsageRecordInput> {
    let text = telemetry("openb_pod_list_default.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (name, gpus, created, deleted) = (
        col("name"),
        col("num_gpu"),
        col("creation_time"),
        col("deletion_time"),
    );
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let gpus: i64 = row[gpus].parse().unwrap();
        let (Ok(start), Ok(end)) = (row[created].parse::<i64>(), row[deleted].parse::<i64>())
        else {
            continue;
        };
        if gpus == 0 || end <= start {
            continue;
        }
        let account = format!("openb-{:02}", i % accounts);
        out.push(usage(
            row[name].to_owned(),
            &account,
            "H100",
            gpus,
            EPOCH + start,
            EPOCH + end,
            "openb-cluster",
            100.0,
        ));
    }
    out
}

/// The Alibaba 2025 inference trace: GPU instances that were created and deleted, declared as
/// inference, counted as A100s.
pub fn alibaba_inference(accounts: usize) -> Vec<UsageRecordInput> {
    let text = telemetry("alibaba_inference_dlrm_2025.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (name, gpus, rdma, created, deleted) = (
        col("instance_sn"),
        col("gpu_request"),
        col("rdma_request"),
        col("creation_time"),
        col("deletion_time"),
    );
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.unwrap();
        let gpus: i64 = row[gpus].parse().unwrap_or(0);
        let (Ok(start), Ok(end)) = (row[created].parse::<f64>(), row[deleted].parse::<f64>())
        else {
            continue;
        };
        if gpus == 0 || end <= start + 1.0 {
            continue;
        }
        let fabric: f64 = row[rdma].parse().unwrap_or(1.0);
        let account = format!("dlrm-{:02}", i % accounts);
        let mut record = usage(
            row[name].to_owned(),
            &account,
            "A100",
            gpus,
            EPOCH + start as i64,
            EPOCH + end as i64,
            "ali-inference",
            fabric.max(1.0),
        );
        record.purpose = Some(cloudkyc_compute::Purpose::Inference);
        out.push(record);
    }
    out
}

/// A frontier-scale run: `chips` H100s per account on one 3.2 Tbit/s cluster for `days` days,
/// billed per 512-GPU block per day (`account` records each).
pub fn frontier_run(accounts: &[&str], chips: i64, days: i64, start: i64) -> Vec<UsageRecordInput> {
    let mut out = Vec::new();
    for account in accounts {
        for block in 0..chips / 512 {
            for day in 0..days {
                let s = start + day * DAY;
                out.push(usage(
                    format!("{account}-b{block}-d{day}"),
                    account,
                    "H100",
                    512,
                    s,
                    s + DAY,
                    "dc7-pg-12",
                    3200.0,
                ));
            }
        }
    }
    out
}
