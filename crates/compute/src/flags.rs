//! Red flags T1-T4, R1, R2, M1, M2, M4, S1-S3, K1, K2, P1 (compute.md "Red flags").
//!
//! Pure evaluations over explicit inputs. Each firing records the inputs it looked at and its
//! outcome. Flags open inquiries and cases; none files anything by itself. U.S. persons never
//! get a report-case outcome; an undetermined status turns a report case into a review.

use serde::Serialize;
use serde_json::{Value, json};

use crate::facts::{OwnerFacts, PersonStatus, RequestFacts};
use crate::group::GroupView;
use crate::params::{RedFlagParams, ThresholdParams};
use crate::projection::Projection;
use crate::usage::Purpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum FlagId {
    T1,
    T2,
    T3,
    T4,
    R1,
    R2,
    M1,
    M2,
    M4,
    S1,
    S2,
    S3,
    K1,
    K2,
    P1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An AI-training report case (deadline from the knowledge date).
    ReportCase,
    Review,
    /// Due diligence before provisioning.
    DueDiligence,
    EnhancedDueDiligence,
    Inquiry,
    /// Aggregate linked accounts and re-evaluate.
    Aggregate,
    ChainLineage,
    MergeEpisodes,
    RiskHigh,
    RiskMedium,
}

/// One flag that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagFiring {
    pub flag: FlagId,
    pub outcome: Outcome,
    pub reason: String,
    pub inputs: Value,
}

/// Everything the flags read.
#[derive(Debug, Clone, Copy)]
pub struct FlagContext<'a> {
    pub facts: &'a OwnerFacts,
    pub view: &'a GroupView,
    pub projections: &'a [Projection],
    pub requests: &'a [RequestFacts],
    pub thresholds: &'a ThresholdParams,
    pub params: &'a RedFlagParams,
    /// The knowledge date: when this evaluation ran (Unix seconds).
    pub now: i64,
}

impl FlagContext<'_> {
    fn bio(&self) -> bool {
        self.facts.declared_purpose == Some(Purpose::BioTraining)
            || self
                .view
                .episodes
                .iter()
                .any(|e| e.purposes.contains(&Purpose::BioTraining))
    }

    /// Report-case outcome gated on person status.
    fn reportable(&self, flag: FlagId, reason: String, inputs: Value) -> Option<FlagFiring> {
        let (outcome, reason) = match self.facts.status {
            PersonStatus::Foreign => (Outcome::ReportCase, reason),
            PersonStatus::Undetermined => (
                Outcome::Review,
                format!("{reason}; person status undetermined: determine it, report if foreign"),
            ),
            PersonStatus::Us if self.params.review_us_persons => (
                Outcome::Review,
                format!("{reason}; U.S. person: review only"),
            ),
            PersonStatus::Us => return None,
        };
        Some(FlagFiring {
            flag,
            outcome,
            reason,
            inputs,
        })
    }

    fn foreign_or_undetermined(&self) -> bool {
        self.facts.status != PersonStatus::Us
    }
}

fn fire(flag: FlagId, outcome: Outcome, reason: String, inputs: Value) -> FlagFiring {
    FlagFiring {
        flag,
        outcome,
        reason,
        inputs,
    }
}

/// Evaluates every flag.
pub fn evaluate(ctx: &FlagContext<'_>) -> Vec<FlagFiring> {
    let mut out = Vec::new();
    training(ctx, &mut out);
    cluster(ctx, &mut out);
    requests(ctx, &mut out);
    misuse(ctx, &mut out);
    structuring(ctx, &mut out);
    customer(ctx, &mut out);
    out
}

/// The training thresholds that apply: (threshold, label).
fn training_thresholds(ctx: &FlagContext<'_>) -> Vec<(f64, &'static str)> {
    let mut list = vec![(ctx.thresholds.training_ops, "training threshold")];
    if ctx.bio() {
        list.push((
            ctx.thresholds.bio_training_ops,
            "biological-sequence threshold",
        ));
    }
    list
}

fn training(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let t = ctx.thresholds.training_ops;
    for (i, lineage) in ctx.view.lineages.iter().enumerate() {
        let e = &lineage.estimate;
        let inputs = json!({"lineage": i, "accelerator": lineage.accelerator_name, "start": lineage.start,
            "end": lineage.end, "chip_seconds": e.chip_seconds, "ops_p05": e.ops_p05, "ops_p50": e.ops_p50,
            "ops_p95": e.ops_p95, "ops_ceiling": e.ops_ceiling, "accounts": lineage.by_account.keys().collect::<Vec<_>>(),
            "knowledge_date": ctx.now});
        if let Some((thr, label)) = training_thresholds(ctx)
            .into_iter()
            .find(|(thr, _)| e.ops_p50 > *thr)
        {
            let reason = format!(
                "lineage {i} p50 {:.3e} ops exceeds the {label} {thr:.0e}",
                e.ops_p50
            );
            out.extend(ctx.reportable(FlagId::T1, reason, with(&inputs, "threshold", thr)));
        }
        if e.ops_p95 > t || e.ops_p50 > t * ctx.params.t3_p50_fraction {
            let reason = format!(
                "lineage {i} p95 {:.3e} / p50 {:.3e} near the training threshold {t:.0e}",
                e.ops_p95, e.ops_p50
            );
            out.push(fire(
                FlagId::T3,
                Outcome::EnhancedDueDiligence,
                reason,
                with(&inputs, "threshold", t),
            ));
        }
        if ctx.bio() && e.ops_p50 > ctx.params.m4_bio_p50_ops {
            let reason = format!(
                "biological-sequence purpose and lineage {i} p50 {:.3e} > {:.0e}",
                e.ops_p50, ctx.params.m4_bio_p50_ops
            );
            out.push(fire(FlagId::M4, Outcome::Inquiry, reason, inputs.clone()));
        }
        if lineage.by_account.len() > 1 {
            for thr in [t, t * ctx.params.t3_p50_fraction] {
                let largest = lineage
                    .by_account
                    .values()
                    .map(|a| a.ops_p50)
                    .fold(0.0, f64::max);
                if e.ops_p50 > thr && largest <= thr {
                    let reason = format!(
                        "linked accounts cross {thr:.0e} only together (largest alone p50 {largest:.3e})"
                    );
                    out.push(fire(
                        FlagId::S1,
                        Outcome::Aggregate,
                        reason,
                        with(&inputs, "threshold", thr),
                    ));
                    break;
                }
            }
        }
        for link in lineage.chains.iter().filter(|l| l.cross_account) {
            let reason = format!(
                "episode {} in a linked account continues episode {} after {} s with the same shape",
                link.to, link.from, link.gap_seconds
            );
            out.push(fire(
                FlagId::S2,
                Outcome::ChainLineage,
                reason,
                json!({"lineage": i, "link": link}),
            ));
        }
    }
    for (i, p) in ctx.projections.iter().enumerate() {
        let e = &p.estimate;
        let inputs = json!({"projection": i, "accelerator": p.accelerator_name, "chip_seconds_so_far": p.chip_seconds_so_far as f64,
            "reserved_chip_seconds": p.reserved_chip_seconds as f64, "held_chip_seconds": p.held_chip_seconds as f64,
            "reservations": p.reservations, "ops_p05": e.ops_p05, "ops_p50": e.ops_p50, "ops_p95": e.ops_p95,
            "knowledge_date": ctx.now});
        if let Some((thr, label)) = training_thresholds(ctx)
            .into_iter()
            .find(|(thr, _)| e.ops_p50 > *thr)
        {
            let reason = format!(
                "projected p50 {:.3e} ops exceeds the {label} {thr:.0e}",
                e.ops_p50
            );
            out.extend(ctx.reportable(FlagId::T2, reason, with(&inputs, "threshold", thr)));
        }
        if e.ops_p95 > t {
            let reason = format!(
                "projected p95 {:.3e} exceeds the training threshold {t:.0e}",
                e.ops_p95
            );
            out.push(fire(
                FlagId::T3,
                Outcome::EnhancedDueDiligence,
                reason,
                with(&inputs, "threshold", t),
            ));
        }
    }
}

fn with(inputs: &Value, key: &str, value: f64) -> Value {
    let mut v = inputs.clone();
    if let Some(map) = v.as_object_mut() {
        map.insert(key.to_owned(), json!(value));
    }
    v
}

fn cluster(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let thr = ctx.thresholds.cluster_ops_per_s;
    let review = thr * ctx.params.t4_review_fraction;
    for c in &ctx.view.clusters {
        let (fast, all) = if ctx.params.t4_use_max_format {
            (c.fast_ops_per_s_max, c.ops_per_s_max)
        } else {
            (c.fast_ops_per_s_16bit, c.ops_per_s_16bit)
        };
        let inputs = json!({"placement": c.placement, "accounts": c.accounts, "ops_per_s_16bit": c.ops_per_s_16bit,
            "ops_per_s_max": c.ops_per_s_max, "fast_ops_per_s_16bit": c.fast_ops_per_s_16bit,
            "fast_ops_per_s_max": c.fast_ops_per_s_max, "threshold_ops_per_s": thr,
            "network_threshold_gbps": ctx.thresholds.cluster_network_gbps, "peaks": c.peaks, "knowledge_date": ctx.now});
        if fast >= thr {
            let reason = format!(
                "co-located peak {fast:.3e} ops/s on fabric over {} Gbit/s reaches {thr:.0e}",
                ctx.thresholds.cluster_network_gbps
            );
            out.extend(ctx.reportable(FlagId::T4, reason, inputs.clone()));
        } else if (all >= review || fast >= review) && ctx.foreign_or_undetermined() {
            let reason = format!(
                "co-located peak {all:.3e} ops/s ({fast:.3e} on fast fabric) is at least {:.0} % of {thr:.0e}",
                ctx.params.t4_review_fraction * 100.0
            );
            out.push(fire(FlagId::T4, Outcome::Review, reason, inputs.clone()));
        }
        let largest = c.largest_single_account_fast_ops_per_s_max;
        if c.accounts.len() > 1 && c.fast_ops_per_s_max >= review && largest < review {
            let reason = format!(
                "linked accounts reach {:.3e} ops/s together, at most {largest:.3e} alone",
                c.fast_ops_per_s_max
            );
            out.push(fire(FlagId::S1, Outcome::Aggregate, reason, inputs));
        }
    }
}

fn requests(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let p = ctx.params;
    for r in ctx.requests {
        let days = (r.end - r.start) as f64 / 86_400.0;
        if ctx.foreign_or_undetermined()
            && r.h100_equivalents >= p.r1_h100_equivalents
            && days >= f64::from(p.r1_min_days)
        {
            let reason = format!(
                "reservation {} of {:.0} H100-equivalents for {days:.0} days",
                r.id, r.h100_equivalents
            );
            out.push(fire(
                FlagId::R1,
                Outcome::DueDiligence,
                reason,
                json!({"request": r}),
            ));
        }
    }
    let gap = i64::from(p.r2_gap_hours) * 3600;
    for a in ctx.requests {
        for b in ctx.requests {
            let delay = b.start - a.end;
            let same_size = (a.chips - b.chips).abs() <= 0.01 * a.chips.max(b.chips);
            if a.id != b.id
                && a.accelerator_name == b.accelerator_name
                && a.placement == b.placement
                && same_size
                && (0..gap).contains(&delay)
            {
                let reason = format!(
                    "reservations {} and {} are back to back ({delay} s apart, same size and zone)",
                    a.id, b.id
                );
                out.push(fire(
                    FlagId::R2,
                    Outcome::MergeEpisodes,
                    reason,
                    json!({"first": a, "second": b}),
                ));
            }
        }
    }
}

fn misuse(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let p = ctx.params;
    for (i, e) in ctx.view.episodes.iter().enumerate() {
        let declared_serving = ctx.facts.declared_purpose.is_some_and(Purpose::is_serving)
            || (!e.purposes.is_empty() && e.purposes.iter().all(|x| x.is_serving()));
        let hours = (e.end - e.start) as f64 / 3600.0;
        let ofu = e.usage.measured_mean_ofu();
        if declared_serving
            && hours > f64::from(p.m1_min_hours)
            && e.average_chips() >= p.m1_min_chips as f64
            && e.max_fabric_gbps.is_some_and(|g| g >= p.m1_min_fabric_gbps)
            && ofu.is_some_and(|o| o >= p.m1_min_ofu)
        {
            let reason = format!(
                "declared serving, but {:.0} chips at OFU {:.2} on {:.0} Gbit/s fabric for {hours:.0} h",
                e.average_chips(),
                ofu.unwrap_or_default(),
                e.max_fabric_gbps.unwrap_or_default()
            );
            out.push(fire(
                FlagId::M1,
                Outcome::Inquiry,
                reason,
                json!({"episode": i, "average_chips": e.average_chips(),
                "mean_ofu": ofu, "max_fabric_gbps": e.max_fabric_gbps, "hours": hours}),
            ));
        }
    }
    if let Some(model) = ctx.facts.declared_model {
        let largest = ctx
            .view
            .lineages
            .iter()
            .max_by(|a, b| a.estimate.ops_p50.total_cmp(&b.estimate.ops_p50));
        if let Some(lineage) = largest {
            let ops_6nd = 6.0 * model.parameters * model.tokens;
            let floor = lineage.estimate.ops_p05 * p.m2_ratio;
            if ops_6nd < floor {
                let reason = format!(
                    "declared 6ND {ops_6nd:.3e} is below {:.2} x hardware p05 {:.3e}",
                    p.m2_ratio, lineage.estimate.ops_p05
                );
                out.push(fire(
                    FlagId::M2,
                    Outcome::Inquiry,
                    reason,
                    json!({"declared": model, "ops_6nd": ops_6nd,
                    "ops_p05": lineage.estimate.ops_p05, "ratio": p.m2_ratio}),
                ));
            }
        }
    }
}

fn structuring(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let p = ctx.params;
    let t = ctx.thresholds;
    type Metric = fn(&RequestFacts) -> f64;
    let bands: [(&str, f64, Metric); 5] = [
        ("training threshold", t.training_ops, |r| r.ops_p50),
        (
            "enhanced-due-diligence level",
            t.training_ops * p.t3_p50_fraction,
            |r| r.ops_p50,
        ),
        ("cluster threshold", t.cluster_ops_per_s, |r| {
            r.peak_ops_per_s_max
        }),
        (
            "cluster review level",
            t.cluster_ops_per_s * p.t4_review_fraction,
            |r| r.peak_ops_per_s_max,
        ),
        ("R1 reservation size", p.r1_h100_equivalents, |r| {
            r.h100_equivalents
        }),
    ];
    let window = i64::from(p.s3_window_days) * 86_400;
    for (label, threshold, metric) in bands {
        let mut near: Vec<&RequestFacts> = ctx
            .requests
            .iter()
            .filter(|r| (threshold * (1.0 - p.s3_band)..threshold).contains(&metric(r)))
            .collect();
        near.sort_by_key(|r| r.start);
        let hit = near.iter().enumerate().find_map(|(i, first)| {
            let inside: Vec<&&RequestFacts> = near
                .iter()
                .skip(i)
                .take_while(|r| r.start - first.start <= window)
                .collect();
            (inside.len() >= p.s3_min_requests as usize).then_some(inside)
        });
        if let Some(inside) = hit {
            let ids: Vec<&str> = inside.iter().map(|r| r.id.as_str()).collect();
            let reason = format!(
                "{} requests within {:.0} % below the {label} in {} days",
                ids.len(),
                p.s3_band * 100.0,
                p.s3_window_days
            );
            out.push(fire(
                FlagId::S3,
                Outcome::Inquiry,
                reason,
                json!({"threshold": threshold, "requests": ids}),
            ));
        }
    }
}

fn customer(ctx: &FlagContext<'_>, out: &mut Vec<FlagFiring>) {
    let p = ctx.params;
    let f = ctx.facts;
    let risky = |c: &String| {
        p.high_risk_jurisdictions
            .iter()
            .chain(&f.special_measure_jurisdictions)
            .any(|h| h.eq_ignore_ascii_case(c))
    };
    let frontier = ctx
        .projections
        .iter()
        .any(|x| x.estimate.ops_p50 >= ctx.thresholds.training_ops * p.k1_frontier_fraction)
        || ctx
            .requests
            .iter()
            .any(|r| r.ops_p50 >= ctx.thresholds.training_ops * p.k1_frontier_fraction);
    let mut indicators = Vec::new();
    if f.entity_age_days
        .is_some_and(|d| f64::from(d) < f64::from(p.k1_entity_age_months) * 30.44)
    {
        indicators.push("entity under the minimum age");
    }
    if f.virtual_office {
        indicators.push("virtual-office address");
    }
    if f.unverifiable_owner {
        indicators.push("unverifiable owner");
    }
    if f.owner_jurisdictions.iter().any(|c| {
        p.high_risk_jurisdictions
            .iter()
            .any(|h| h.eq_ignore_ascii_case(c))
    }) {
        indicators.push("owner in a high-risk jurisdiction");
    }
    if !f.prior_history && frontier {
        indicators.push("no prior history but a frontier-scale request");
    }
    if indicators.len() >= p.k1_min_indicators as usize {
        let reason = format!(
            "{} shell indicators: {}",
            indicators.len(),
            indicators.join(", ")
        );
        out.push(fire(
            FlagId::K1,
            Outcome::EnhancedDueDiligence,
            reason,
            json!({"indicators": indicators}),
        ));
    }
    let hits: Vec<&String> = f
        .owner_jurisdictions
        .iter()
        .chain(&f.admin_ip_countries)
        .filter(|c| risky(c))
        .collect();
    // A measure that reaches a party of the group by its own matching (the customer, an owner
    // or the reseller placed there by any location evidence) is K2 as well, with its evidence.
    let reached = &f.special_measures;
    if !hits.is_empty() || !reached.is_empty() {
        let mut reasons = Vec::new();
        if !hits.is_empty() {
            reasons.push(format!(
                "owner or admin-access jurisdictions under a special measure or high-risk: {hits:?}"
            ));
        }
        reasons.extend(reached.iter().map(|m| {
            format!(
                "special measure {} on {} reaches the {} {} ({})",
                m.measure_id,
                m.jurisdiction,
                m.role,
                m.party,
                m.evidence.join(", ")
            )
        }));
        out.push(fire(
            FlagId::K2,
            Outcome::RiskHigh,
            reasons.join("; "),
            json!({"jurisdictions": hits, "special_measures": reached}),
        ));
    }
    let mut payment_reasons = Vec::new();
    for pay in &f.payments {
        if pay.third_party {
            payment_reasons.push("third-party payer".to_owned());
        }
        if let (Some(payer), Some(customer)) = (&pay.payer_country, &f.customer_country)
            && !payer.eq_ignore_ascii_case(customer)
        {
            payment_reasons.push(format!(
                "payer country {payer} differs from customer country {customer}"
            ));
        }
        if pay
            .prepayment_usd
            .is_some_and(|u| u >= p.p1_large_prepayment_usd)
        {
            payment_reasons.push("large prepayment".to_owned());
        }
        if matches!(
            pay.kind,
            crate::facts::PaymentKind::Crypto | crate::facts::PaymentKind::Prepaid
        ) {
            payment_reasons.push(format!("{:?} payment", pay.kind).to_lowercase());
        }
    }
    if !payment_reasons.is_empty() {
        out.push(fire(
            FlagId::P1,
            Outcome::RiskMedium,
            payment_reasons.join("; "),
            json!({"payments": f.payments, "reasons": payment_reasons}),
        ));
    }
}
