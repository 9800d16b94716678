//! The production of records to Commerce (rule-pack section 2, records): the written CIP, each
//! foreign reseller's CIP, and the records of the named customers, as one tar archive whose
//! manifest lists every file with its SHA-256 digest.

use cloudkyc_domain::cases::{Holidays, records_production_due};
use cloudkyc_reports::{ProductionManifest, ProductionRequest, Report, ReportKind, ReportMeta};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::documents::MediaType;
use serde_json::json;

use super::tar::TarWriter;
use super::{Built, Context, program};
use crate::customers::CustomerRecord;
use crate::{App, AppError, AppResult};

const JSON: &str = "application/json";
const PDF: &str = "application/pdf";

/// The customer's records as produced: every field the CIP keeps about it, opened.
fn customer_document(record: &CustomerRecord) -> serde_json::Value {
    json!({
        "id": record.id,
        "tenant": record.tenant,
        "kind": record.kind,
        "decision": record.decision,
        "customer": record.customer,
        "determination": record.determination,
        "checks": record.checks,
        "screening": record.screening,
        "accounts": record.accounts,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    })
}

fn pretty(value: &impl serde::Serialize) -> AppResult<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| AppError::Internal(format!("production file: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Files of the archive in order, also listed in the manifest.
struct Files {
    tar: TarWriter,
    mtime: i64,
}

impl Files {
    fn add(
        &mut self,
        manifest: &mut ProductionManifest,
        path: &str,
        description: String,
        media_type: &str,
        bytes: &[u8],
    ) -> AppResult<()> {
        self.tar
            .add(path, bytes, self.mtime)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        manifest.add_file(path, description, media_type, bytes);
        Ok(())
    }
}

impl App {
    pub(crate) async fn build_production(
        &self,
        ctx: &Context<'_>,
        customers: &[CustomerId],
        reference: Option<&str>,
    ) -> AppResult<Built> {
        let today = ctx.today();
        let reference = match reference.map(str::trim) {
            Some("") => return Err(AppError::invalid("/reference", "must not be empty")),
            Some(r) if r.chars().count() > 100 || r.chars().any(char::is_control) => {
                return Err(AppError::invalid(
                    "/reference",
                    "must be at most 100 printable characters",
                ));
            }
            Some(r) => r.to_owned(),
            None => format!("production-{}", today.format("%Y%m%d")),
        };
        let due_on = records_production_due(self.policy(), today, &Holidays::none())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut unique: Vec<CustomerId> = Vec::new();
        for id in customers {
            if !unique.contains(id) {
                unique.push(*id);
            }
        }
        let mut manifest = ProductionManifest {
            meta: ReportMeta::new(
                ReportKind::Production,
                ctx.provider.clone(),
                self.policy(),
                ctx.now,
            ),
            request: ProductionRequest {
                reference,
                requested_by: "U.S. Department of Commerce".to_owned(),
                requested_on: today,
                due_on,
            },
            customers: unique.iter().map(ToString::to_string).collect(),
            files: Vec::new(),
            sign_off: Some(ctx.sign_off(format!(
                "I certify on behalf of {} that the files listed are complete copies of the \
                 provider's records of the customers named.",
                ctx.provider
            ))),
        };
        let mut files = Files {
            tar: TarWriter::new(),
            mtime: ctx.now.timestamp(),
        };
        let cip = cloudkyc_reports::render(&program::written_cip(self.policy(), ctx))
            .map_err(super::report_error)?;
        files.add(
            &mut manifest,
            "written-cip.json",
            "The written Customer Identification Program in force".into(),
            JSON,
            &cip.json,
        )?;
        files.add(
            &mut manifest,
            "written-cip.pdf",
            "The written Customer Identification Program in force, printed".into(),
            PDF,
            &cip.pdf,
        )?;
        self.add_reseller_agreements(ctx, &mut files, &mut manifest)
            .await?;
        for id in &unique {
            let record = self.customer(ctx.scope, *id).await?;
            let history = self.store().verifications(ctx.scope, *id).await?;
            files.add(
                &mut manifest,
                &format!("customers/{id}/customer.json"),
                format!("Identifying information and CIP decision of customer {id}"),
                JSON,
                &pretty(&customer_document(&record))?,
            )?;
            files.add(
                &mut manifest,
                &format!("customers/{id}/verifications.json"),
                format!("Verification history of customer {id}"),
                JSON,
                &pretty(&history)?,
            )?;
            let mut access = Vec::new();
            for account in &record.accounts {
                access.extend(
                    self.account_access_events(ctx.scope, record.tenant, account)
                        .await?,
                );
            }
            files.add(
                &mut manifest,
                &format!("customers/{id}/access-events.json"),
                format!(
                    "Access and administration IP addresses of customer {id}'s accounts \
                     (newest first, at most {} per account)",
                    crate::access::MAX_LISTED_EVENTS
                ),
                JSON,
                &pretty(&access)?,
            )?;
        }
        manifest.check().map_err(super::report_error)?;
        // The manifest travels in the archive too, after the files it lists.
        let rendered = cloudkyc_reports::render(&manifest).map_err(super::report_error)?;
        let mut tar = files.tar;
        for (path, bytes) in [
            ("manifest.json", &rendered.json),
            ("manifest.pdf", &rendered.pdf),
        ] {
            tar.add(path, bytes, files.mtime)
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        Ok(Built {
            report: manifest.into(),
            personal: true,
            archive: Some(tar.finish()),
        })
    }
}

impl App {
    /// Each foreign reseller's CIP as the registry keeps it: the signed agreement under which it
    /// runs its own CIP or adopts the provider's (`resellers/<id>/agreement.<ext>`), and a
    /// reseller without one is named in the manifest as such, so the gap is visible to Commerce
    /// rather than silent. Reading each agreement is logged by the store.
    async fn add_reseller_agreements(
        &self,
        ctx: &Context<'_>,
        files: &mut Files,
        manifest: &mut ProductionManifest,
    ) -> AppResult<()> {
        for reseller in self.store().resellers(ctx.scope).await? {
            let id = reseller.id;
            let arrangement = reseller.agreement.as_str();
            let Some(document) = &reseller.agreement_document else {
                let note = json!({
                    "reseller": id.to_string(),
                    "name": reseller.name,
                    "country": reseller.country.as_str(),
                    "cip_agreement": arrangement,
                    "agreement_document": null,
                });
                files.add(
                    manifest,
                    &format!("resellers/{id}/agreement-missing.json"),
                    format!(
                        "Foreign reseller {}: no signed CIP agreement on file",
                        reseller.name
                    ),
                    JSON,
                    &pretty(&note)?,
                )?;
                continue;
            };
            let extension = match document.media_type {
                MediaType::Jpeg => "jpg",
                MediaType::Png => "png",
                MediaType::Pdf => "pdf",
            };
            let content = self
                .store()
                .agreement_content(ctx.scope, id, ctx.now)
                .await?;
            files.add(
                manifest,
                &format!("resellers/{id}/agreement.{extension}"),
                format!(
                    "Foreign reseller {} ({}): CIP agreement ({arrangement}), signed {}",
                    reseller.name,
                    reseller.country.as_str(),
                    document.signed_on
                ),
                document.media_type.as_str(),
                &content.content,
            )?;
        }
        Ok(())
    }
}
