//! The written Customer Identification Program, rendered from the active rule pack so that the
//! document always says what the system does (rule-pack section 2).

use chrono::{DateTime, Utc};
use cloudkyc_domain::rule_pack::RulePack;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::{ContactPerson, ReportMeta};
use crate::report::{Report, check_meta};

use super::written_cip_sections::sections;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WrittenCip {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub title: String,
    /// The pack's description and source, quoted.
    pub basis: String,
    pub contact: Option<ContactPerson>,
    pub sections: Vec<CipSection>,
}

/// One section of the program: what it says, in sentences, and the lists it sets out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CipSection {
    /// A stable identifier (`identification`, `verification`, ...), for links and diffs.
    pub id: String,
    pub number: u32,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub items: Vec<String>,
}

impl WrittenCip {
    /// The program as `pack` defines it.
    pub fn from_pack(
        pack: &RulePack,
        provider: impl Into<String>,
        contact: Option<ContactPerson>,
        generated_at: DateTime<Utc>,
    ) -> Self {
        let provider = provider.into();
        let info = pack.info();
        Self {
            meta: ReportMeta::new(ReportKind::WrittenCip, provider.clone(), pack, generated_at),
            title: format!("Customer Identification Program of {provider}"),
            basis: format!(
                "{} ({}). {} Source: {}",
                info.title,
                pack.policy_ref(),
                // The pack's description is a TOML multi-line string: its line breaks are layout.
                info.description
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                info.source
            ),
            contact,
            sections: sections(pack),
        }
    }
}

impl Report for WrittenCip {
    const NAME: &'static str = "written CIP";

    fn meta(&self) -> &ReportMeta {
        &self.meta
    }

    fn check(&self) -> Result<(), ReportError> {
        check_meta(self, &[ReportKind::WrittenCip])?;
        if self.sections.is_empty() {
            return Err(ReportError::invalid(Self::NAME, "has no sections"));
        }
        Ok(())
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(self.title.clone());
        doc.subtitle(format!(
            "Rule pack {}@{} (values SHA-256 {})",
            self.meta.policy.id, self.meta.policy.version, self.meta.policy.content_sha256
        ))
        .subtitle(format!(
            "Rendered {}",
            self.meta.generated_at.format("%Y-%m-%d %H:%M UTC")
        ));
        doc.paragraph(self.basis.clone());
        if let Some(c) = &self.contact {
            doc.heading("Person responsible for the program");
            doc.key_values([
                ("Name", c.name.clone()),
                ("Title", c.title.clone()),
                ("Email", c.email.clone()),
                ("Phone", c.phone.clone()),
            ]);
        }
        for section in &self.sections {
            doc.heading(format!("{}. {}", section.number, section.title));
            for paragraph in &section.paragraphs {
                doc.paragraph(paragraph.clone());
            }
            if !section.items.is_empty() {
                doc.bullets(section.items.clone(), "");
            }
        }
        doc
    }
}
