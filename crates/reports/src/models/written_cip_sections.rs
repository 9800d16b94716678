//! The sentences of the written CIP, each built from the pack values it states. Nothing here is
//! a number of the rule: a changed pack changes the document.

use cloudkyc_domain::rule_pack::{
    CipField, DownstreamAction, FailureAction, FieldList, RetentionAnchor, RiskTier, RulePack,
};

use super::written_cip::CipSection;

fn list(items: impl IntoIterator<Item = impl ToString>) -> String {
    let items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn fields(list_of: &FieldList) -> (String, String) {
    let show = |fields: &[CipField]| list(fields.iter().map(|f| f.to_string().replace('_', " ")));
    (show(&list_of.required), show(&list_of.optional))
}

struct Builder(Vec<CipSection>);

impl Builder {
    fn section(&mut self, id: &str, title: &str, paragraphs: Vec<String>, items: Vec<String>) {
        let number = u32::try_from(self.0.len() + 1).unwrap_or(u32::MAX);
        self.0.push(CipSection {
            id: id.to_owned(),
            number,
            title: title.to_owned(),
            paragraphs,
            items,
        });
    }
}

pub(super) fn sections(pack: &RulePack) -> Vec<CipSection> {
    let mut b = Builder(Vec::new());
    let terms = pack.terms();
    b.section(
        "scope",
        "Scope and determination of U.S. or foreign status",
        vec![
            "This program applies to every prospective and existing customer of the provider's IaaS products, including free trials, and to every beneficial owner of an entity customer. For each, the program decides whether it is a U.S. person or a foreign person and verifies the identity of foreign persons.".to_owned(),
            if terms.undetermined_is_foreign {
                "Until U.S. or foreign status is decided, a customer is treated as possibly foreign and the foreign-customer procedures apply. When the customer and all its beneficial owners are U.S. persons, no further verification is required.".to_owned()
            } else {
                "Until U.S. or foreign status is decided, the customer's status stays undetermined and is reviewed; when the customer and all its beneficial owners are U.S. persons, no further verification is required.".to_owned()
            },
        ],
        vec![],
    );

    let cip = pack.cip();
    let (ind_req, ind_opt) = fields(&cip.individual);
    let (ent_req, ent_opt) = fields(&cip.entity);
    let (bo_req, bo_opt) = fields(&cip.beneficial_owner);
    b.section(
        "identification",
        "Identifying information collected",
        vec![
            "The provider collects the following information and nothing else (data minimisation). Means and source of payment and the log of IP addresses with the date and time of each access or administrative action are kept for each account.".to_owned(),
        ],
        vec![
            format!("Individual customers - required: {ind_req}; collected when offered or asked for: {ind_opt}."),
            format!("Entity customers - required: {ent_req}; collected when offered or asked for: {ent_opt}."),
            format!("Beneficial owners - required: {bo_req}; collected when offered or asked for: {bo_opt}."),
        ],
    );

    let verification = pack.verification();
    let tiers = RiskTier::ALL.iter().map(|tier| {
        let t = verification.for_tier(*tier);
        format!(
            "{tier} risk: evidence accepted: {}; checks that must all pass: {}; re-verified every {}.",
            list(&t.methods),
            list(&t.checks),
            t.reverify_after_months
        )
    });
    let risk = pack.risk();
    b.section(
        "verification",
        "Verification of identity, by risk tier",
        vec![
            format!(
                "Each customer receives a risk score: foreign person {}, high-risk jurisdiction {}, young entity (under {}) {}, accelerator products {}, reseller channel {}, and points for payment circumstances. A score of {} or more is medium risk, {} or more high risk.",
                risk.points.foreign_person.get(),
                risk.points.high_risk_jurisdiction.get(),
                risk.young_entity_months,
                risk.points.young_entity.get(),
                risk.points.accelerator_product.get(),
                risk.points.reseller_channel.get(),
                risk.tier_from.medium.get(),
                risk.tier_from.high.get()
            ),
            format!(
                "High-risk jurisdictions: {}. When the true identity of a customer is in doubt, the requirements of the {} tier apply whatever its own tier.",
                list(pack.jurisdictions().high_risk()),
                verification.when_in_doubt_apply
            ),
        ],
        tiers.collect(),
    );

    let access = pack.access();
    b.section(
        "not_opened",
        "When an account is not opened",
        vec!["An account is not opened when any of the following holds:".to_owned()],
        access
            .not_opened_when
            .iter()
            .map(|c| c.to_string().replace('_', " "))
            .collect(),
    );
    let pending = &access.pending;
    b.section(
        "pending",
        "Use of an account while verification is pending",
        vec![if pending.allowed {
            format!(
                "While a foreign customer's verification is pending the account may be used with restrictions: only the products {}; at most {} accelerators at a time; at most {} a month. {} Verification still pending after {} is treated as failed.",
                list(&pending.products),
                pending.max_concurrent_accelerators,
                pending.max_monthly_spend_usd,
                if pending.enhanced_monitoring { "The account is monitored more closely (lower alert thresholds)." } else { "" },
                pending.max_days
            )
        } else {
            format!(
                "An account may not be used while verification is pending. Verification still pending after {} is treated as failed.",
                pending.max_days
            )
        }],
        vec![],
    );
    b.section(
        "failed",
        "Closure and other measures after verification fails",
        vec![match access.failed.action {
            FailureAction::Close => "When verification fails the account is closed; it is reopened only through the redress procedure.".to_owned(),
            FailureAction::Restrict => "When verification fails the account stays restricted as if verification were pending, until the redress procedure succeeds.".to_owned(),
        }],
        vec![],
    );
    let redress = &access.redress;
    let mut redress_text = Vec::new();
    if redress.resubmission_allowed {
        redress_text.push(format!(
            "A customer that could not be verified may submit new information up to {} times within {} of the failure.",
            redress.max_resubmissions, redress.resubmission_window_days
        ));
    } else {
        redress_text.push(
            "Resubmission of information after a failed verification is not offered.".to_owned(),
        );
    }
    if redress.officer_override {
        redress_text.push(format!(
            "A compliance officer may override a failed or pending decision with a recorded reason; at the {} risk tiers the override needs the approval of a second officer.",
            list(&redress.four_eyes_override_at)
        ));
    }
    redress_text.push("A customer whose data may be compromised is re-verified and its access reviewed; every disclosure of its records is logged.".to_owned());
    b.section(
        "redress",
        "Redress and account management",
        redress_text,
        vec![],
    );

    let control = list(terms.substantial_control.iter());
    b.section(
        "beneficial_owners",
        "Beneficial owners",
        vec![
            format!(
                "A beneficial owner is an individual who owns or controls, directly or indirectly, at least {} percent of the ownership interests of an entity customer, or who exercises substantial control over it. Substantial control includes: {control}.",
                terms.beneficial_ownership_percent
            ),
            format!(
                "An entity owned at least {} percent in aggregate by restricted parties is treated as restricted. Customers must notify the provider when their beneficial owners change.",
                terms.listed_aggregate_ownership_percent
            ),
        ],
        vec![],
    );

    let resellers = pack.resellers();
    b.section(
        "resellers",
        "Foreign resellers",
        vec![
            format!(
                "Each foreign reseller keeps and carries out a program meeting these requirements, or adopts this program by written agreement. Each reseller's program and attestations are reviewed every {}. Resellers report AI-training transactions to the provider.",
                resellers.review_every_months
            ),
            format!(
                "When the provider learns that a reseller does not comply, it ends the relationship within {} and reports any suspected malicious cyber activity; reminders go to the officer {} days before the deadline. At termination the reseller's customers' accounts are {}.",
                resellers.termination,
                list(resellers.reminder_days_before.iter().map(|d| d.get())),
                match resellers.downstream_on_termination {
                    DownstreamAction::Suspend => "suspended",
                    DownstreamAction::Migrate => "moved to a direct relationship and go through this program again",
                }
            ),
        ],
        vec![],
    );

    let records = pack.records();
    let anchor = match records.retention_from {
        RetentionAnchor::Later => "the later of the account's closure and its last access",
        RetentionAnchor::Closure => "the account's closure",
        RetentionAnchor::LastAccess => "the account's last access",
    };
    b.section(
        "records",
        "Records",
        vec![
            format!(
                "Identifying information and the evidence verification relied on are kept for {} after {anchor}, then purged. Personal data is encrypted field by field and access by third parties is limited.",
                records.retention_years
            ),
            format!(
                "This program, and each foreign reseller's, is kept in writing and produced to the Department of Commerce within {} of a request.",
                records.cip_production
            ),
        ],
        vec![],
    );

    let measures = pack.special_measures();
    b.section(
        "special_measures",
        "Special measures",
        vec![
            format!(
                "Customers and owners are screened against special measures at account opening and again whenever a measure appears or changes; accounts a measure prohibits are not opened, and existing ones are dealt with by the measure's effective date. A measure takes effect no earlier than {} after its determination and lasts up to {} unless extended.",
                measures.earliest_effect_days, measures.max_duration_days
            ),
            format!(
                "Evidence that places a party in a jurisdiction: {}.",
                list(measures.location_evidence.iter().map(|e| e.to_string().replace('_', " ")))
            ),
        ],
        measures
            .conditions
            .iter()
            .map(|(id, condition)| format!("Condition `{id}`: {}", condition.description))
            .collect(),
    );

    let compute = pack.compute();
    b.section(
        "ai_training",
        "Reporting of large AI model training",
        vec![
            format!(
                "The provider reports to the Department of Commerce, within {} of the transaction or of gaining knowledge of it, any transaction with a foreign person that results or could result in training a large AI model with potential capabilities usable in malicious cyber activity, including when a change to an existing arrangement makes that so.",
                pack.reporting().ai_training
            ),
            format!(
                "Technical conditions applied: more than {:.0e} operations ({:.0e} for models trained mainly on biological sequence data), on a cluster {}connected by networking over {} Gbit/s with a theoretical maximum of {:.0e} operations per second{}. Usage is projected over {} for transactions that could result in training.",
                compute.training.threshold_ops.get(),
                compute.training.bio_sequence_threshold_ops.get(),
                if compute.cluster.co_located_only { "co-located in one datacenter, " } else { "" },
                compute.cluster.networking_gbit_per_s.get(),
                compute.cluster.peak_ops_per_s.get(),
                if compute.cluster.dense_peaks_only { " counted without sparsity" } else { "" },
                compute.episodes.projection_horizon_days
            ),
            "Red flags open an inquiry by a compliance officer, never an automatic filing; a report is filed only after an officer's decision.".to_owned(),
        ],
        vec![],
    );

    let certification = pack.certification();
    b.section(
        "certification",
        "Certification",
        vec![format!(
            "The provider certifies the program to the Department of Commerce before giving any foreign customer access, and each year by {}/{} (month/day), attaching {} sampled case files as evidence that the program is applied.",
            certification.annual_due.month, certification.annual_due.day, certification.sample_case_files
        )],
        vec![],
    );
    b.0
}
