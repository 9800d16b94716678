//! The program described in words, taken from the written CIP so a certification or an ADP
//! package says exactly what the written program (and so the system) does.

use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_reports::{ProgramSummary, WrittenCip};

use super::Context;

/// The paragraphs of the written CIP's sections `ids`, joined, with the pack named.
pub(crate) fn sections_text(cip: &WrittenCip, ids: &[&str]) -> String {
    cip.sections
        .iter()
        .filter(|s| ids.contains(&s.id.as_str()))
        .flat_map(|s| s.paragraphs.iter().chain(s.items.iter()))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The written CIP of the pack in force, as of the context's time.
pub(crate) fn written_cip(pack: &RulePack, ctx: &Context<'_>) -> WrittenCip {
    WrittenCip::from_pack(
        pack,
        ctx.provider.clone(),
        Some(ctx.contact.clone()),
        ctx.now,
    )
}

/// The three program descriptions a certification asks for.
pub(crate) fn summary(pack: &RulePack, ctx: &Context<'_>) -> ProgramSummary {
    let cip = written_cip(pack, ctx);
    let policy = pack.policy_ref();
    ProgramSummary {
        identity_verification: format!(
            "{} (Rule pack {policy}.)",
            sections_text(
                &cip,
                &["identification", "verification", "beneficial_owners"]
            )
        ),
        malicious_activity_detection: format!(
            "Every customer and beneficial owner is screened against the restricted-party lists \
             at onboarding and again when a list changes; access and administration IP \
             addresses are logged and placed by country; compute usage is monitored for the \
             training of large AI models. {}",
            sections_text(&cip, &["ai_training", "special_measures"])
        ),
        reseller_oversight: sections_text(&cip, &["resellers"]),
    }
}
