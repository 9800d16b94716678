//! Validation of accounts and their means and source of payment.

use crate::cip::customer::Account;
use crate::cip::draft::{AccountDraft, PaymentMethodDraft, PaymentMethodType, PaymentSourceKind};
use crate::cip::field_error::{ErrorCode, Path, Problems};
use crate::cip::payment::{
    BankAccount, Card, CardBin, CardBrand, CardLast4, Payer, PaymentInstrument, PaymentMethod,
    PaymentSource,
};
use crate::cip::text::{MAX_REFERENCE_CHARS, MAX_TEXT_CHARS, ShortText};
use crate::cip::wallet::{Chain, WalletAddress};

use super::fields::{bounded, country, name, optional_text, required_text};
use super::limits::{MAX_ACCOUNTS, MAX_PAYMENT_METHODS, MAX_TRANSACTION_IDS};

pub(super) fn accounts(
    drafts: &[AccountDraft],
    path: &Path,
    problems: &mut Problems,
) -> Vec<Account> {
    let mut accounts: Vec<Account> = Vec::new();
    for (i, draft) in bounded(drafts, MAX_ACCOUNTS, path, problems)
        .iter()
        .enumerate()
    {
        let account_path = path.index(i);
        let id_path = account_path.key("external_id");
        let external_id =
            required_text(&draft.external_id, MAX_REFERENCE_CHARS, &id_path, problems);
        if let Some(id) = &external_id
            && accounts.iter().any(|seen| seen.external_id == *id)
        {
            problems.push(
                &id_path,
                ErrorCode::Duplicate,
                format!("account \"{id}\" appears more than once"),
            );
        }
        let methods_path = account_path.key("payment_methods");
        let payment_methods = bounded(
            &draft.payment_methods,
            MAX_PAYMENT_METHODS,
            &methods_path,
            problems,
        )
        .iter()
        .enumerate()
        .filter_map(|(j, method)| payment_method(method, &methods_path.index(j), problems))
        .collect();
        if let Some(external_id) = external_id {
            accounts.push(Account {
                external_id,
                payment_methods,
            });
        }
    }
    accounts
}

/// The instrument fields each `type` may carry; any other is refused so that, say, a wallet
/// address sent with `type: card` is not silently dropped.
fn allowed_fields(kind: PaymentMethodType) -> &'static [&'static str] {
    match kind {
        PaymentMethodType::Card => &["brand", "last4", "bin", "bin_country"],
        PaymentMethodType::BankAccount => &["country", "bank"],
        PaymentMethodType::Wallet => &["chain", "address"],
        PaymentMethodType::CustomerId => &["customer_id"],
        PaymentMethodType::TransactionIds => &["transaction_ids"],
    }
}

fn payment_method(
    draft: &PaymentMethodDraft,
    path: &Path,
    problems: &mut Problems,
) -> Option<PaymentMethod> {
    let present = [
        ("brand", draft.brand.is_some()),
        ("last4", draft.last4.is_some()),
        ("bin", draft.bin.is_some()),
        ("bin_country", draft.bin_country.is_some()),
        ("country", draft.country.is_some()),
        ("bank", draft.bank.is_some()),
        ("chain", draft.chain.is_some()),
        ("address", draft.address.is_some()),
        ("customer_id", draft.customer_id.is_some()),
        ("transaction_ids", draft.transaction_ids.is_some()),
    ];
    let allowed = allowed_fields(draft.kind);
    for (field, is_present) in present {
        if is_present && !allowed.contains(&field) {
            problems.push(
                &path.key(field),
                ErrorCode::NotAllowed,
                format!("does not apply to a {} payment method", draft.kind.as_str()),
            );
        }
    }
    let instrument = instrument(draft, path, problems);
    let source = source(draft, path, problems);
    Some(PaymentMethod {
        instrument: instrument?,
        source: source?,
    })
}

fn required<'a>(
    value: Option<&'a String>,
    field: &str,
    kind: PaymentMethodType,
    path: &Path,
    problems: &mut Problems,
) -> Option<&'a String> {
    if value.is_none() {
        problems.push(
            &path.key(field),
            ErrorCode::Required,
            format!("is required for a {} payment method", kind.as_str()),
        );
    }
    value
}

fn instrument(
    draft: &PaymentMethodDraft,
    path: &Path,
    problems: &mut Problems,
) -> Option<PaymentInstrument> {
    let kind = draft.kind;
    match kind {
        PaymentMethodType::Card => {
            let brand = required(draft.brand.as_ref(), "brand", kind, path, problems)
                .and_then(|text| problems.take(&path.key("brand"), CardBrand::parse(text)));
            let last4 = required(draft.last4.as_ref(), "last4", kind, path, problems)
                .and_then(|text| problems.take(&path.key("last4"), CardLast4::parse(text)));
            let bin = draft
                .bin
                .as_ref()
                .and_then(|text| problems.take(&path.key("bin"), CardBin::parse(text)));
            let bin_country = draft
                .bin_country
                .as_ref()
                .and_then(|text| country(text, &path.key("bin_country"), problems));
            Some(PaymentInstrument::Card(Card {
                brand: brand?,
                last4: last4?,
                bin,
                bin_country,
            }))
        }
        PaymentMethodType::BankAccount => {
            let account_country = required(draft.country.as_ref(), "country", kind, path, problems)
                .and_then(|text| country(text, &path.key("country"), problems));
            let bank = optional_text(
                draft.bank.as_ref(),
                MAX_TEXT_CHARS,
                &path.key("bank"),
                problems,
            );
            Some(PaymentInstrument::BankAccount(BankAccount {
                country: account_country?,
                bank,
            }))
        }
        PaymentMethodType::Wallet => {
            let chain = required(draft.chain.as_ref(), "chain", kind, path, problems)
                .and_then(|text| problems.take(&path.key("chain"), Chain::parse(text)));
            let address = required(draft.address.as_ref(), "address", kind, path, problems);
            let wallet =
                problems.take(&path.key("address"), WalletAddress::parse(chain?, address?))?;
            Some(PaymentInstrument::Wallet { wallet })
        }
        PaymentMethodType::CustomerId => {
            let id = required(
                draft.customer_id.as_ref(),
                "customer_id",
                kind,
                path,
                problems,
            )
            .and_then(|text| {
                required_text(
                    text,
                    MAX_REFERENCE_CHARS,
                    &path.key("customer_id"),
                    problems,
                )
            });
            Some(PaymentInstrument::CustomerId { customer_id: id? })
        }
        PaymentMethodType::TransactionIds => transaction_ids(
            draft.transaction_ids.as_deref(),
            &path.key("transaction_ids"),
            problems,
        ),
    }
}

fn transaction_ids(
    ids: Option<&[String]>,
    path: &Path,
    problems: &mut Problems,
) -> Option<PaymentInstrument> {
    let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
        problems.push(
            path,
            ErrorCode::Required,
            "at least one transaction id is required for a transaction_ids payment method",
        );
        return None;
    };
    let parsed: Vec<ShortText> = bounded(ids, MAX_TRANSACTION_IDS, path, problems)
        .iter()
        .enumerate()
        .filter_map(|(i, id)| required_text(id, MAX_REFERENCE_CHARS, &path.index(i), problems))
        .collect();
    Some(PaymentInstrument::TransactionIds {
        transaction_ids: parsed,
    })
}

fn source(
    draft: &PaymentMethodDraft,
    path: &Path,
    problems: &mut Problems,
) -> Option<PaymentSource> {
    let payer_path = path.key("payer");
    match (draft.source, &draft.payer) {
        (None, _) => {
            problems.push(
                &path.key("source"),
                ErrorCode::Required,
                "is required: \"customer\" or \"third_party\"",
            );
            None
        }
        (Some(PaymentSourceKind::Customer), None) => Some(PaymentSource::Customer),
        (Some(PaymentSourceKind::Customer), Some(_)) => {
            problems.push(
                &payer_path,
                ErrorCode::NotAllowed,
                "applies only when source is \"third_party\"",
            );
            None
        }
        (Some(PaymentSourceKind::ThirdParty), None) => {
            problems.push(
                &payer_path,
                ErrorCode::Required,
                "is required when source is \"third_party\"",
            );
            None
        }
        (Some(PaymentSourceKind::ThirdParty), Some(payer)) => {
            let payer_name = name(&payer.name, true, &payer_path.key("name"), problems);
            let payer_country = payer
                .country
                .as_ref()
                .and_then(|text| country(text, &payer_path.key("country"), problems));
            let relationship = optional_text(
                payer.relationship.as_ref(),
                MAX_TEXT_CHARS,
                &payer_path.key("relationship"),
                problems,
            );
            Some(PaymentSource::ThirdParty {
                payer: Payer {
                    name: payer_name?,
                    country: payer_country,
                    relationship,
                },
            })
        }
    }
}
