//! Phone and payment-instrument countries against the countries of the addresses.

use crate::cip::address::Address;
use crate::cip::check::CheckResult;
use crate::cip::country::{CountryCode, describe_countries};
use crate::cip::customer::Account;
use crate::cip::payment::PaymentSource;
use crate::cip::phone::PhoneNumber;

fn address_countries(addresses: &[Address]) -> Vec<CountryCode> {
    let mut countries: Vec<CountryCode> = addresses.iter().map(|a| a.country).collect();
    countries.sort();
    countries.dedup();
    countries
}

/// Passes when every phone number with a country belongs to a country the party has an
/// address in. Non-geographic numbers (+800, satellite) are left out and said so; if only those
/// remain, the check cannot run.
pub fn phone_country_matches_address(phones: &[PhoneNumber], addresses: &[Address]) -> CheckResult {
    const CHECK: &str = "phone_country_matches_address";
    if phones.is_empty() {
        return CheckResult::not_applicable(CHECK, "no phone number given");
    }
    let countries = address_countries(addresses);
    if countries.is_empty() {
        return CheckResult::cannot_run(
            CHECK,
            "no address given to compare the phone numbers with",
        );
    }
    let located: Vec<(&PhoneNumber, CountryCode)> = phones
        .iter()
        .filter_map(|phone| phone.region().map(|region| (phone, region)))
        .collect();
    if located.is_empty() {
        return CheckResult::cannot_run(
            CHECK,
            "no phone number belongs to a country (non-geographic numbers only)",
        );
    }
    let mismatched: Vec<String> = located
        .iter()
        .filter(|(_, region)| !countries.contains(region))
        .map(|(phone, region)| format!("{phone} is a {region} ({}) number", region.name()))
        .collect();
    let addresses_in = format!("addresses in {}", describe_countries(&countries));
    if mismatched.is_empty() {
        CheckResult::pass(
            CHECK,
            format!("{} phone number(s) match {addresses_in}", located.len()),
        )
    } else {
        CheckResult::fail(CHECK, format!("{}; {addresses_in}", mismatched.join("; ")))
    }
}

/// Passes when every instrument that ties its payer to a country (card issuer, bank) is in a
/// country of the payer: the customer's address countries, or for a third-party payer the
/// payer's stated country. Wallets, processor ids and transaction ids have no country.
pub fn payment_country_matches_address(accounts: &[Account], addresses: &[Address]) -> CheckResult {
    const CHECK: &str = "payment_country_matches_address";
    let countries = address_countries(addresses);
    let mut compared = 0usize;
    let mut mismatched: Vec<String> = Vec::new();
    let mut uncomparable: Vec<String> = Vec::new();
    for account in accounts {
        for method in &account.payment_methods {
            let Some(instrument_country) = method.instrument.country() else {
                continue;
            };
            let what = format!(
                "{} on account {}",
                method.instrument.describe(),
                account.external_id
            );
            let expected: Vec<CountryCode> = match &method.source {
                PaymentSource::Customer => countries.clone(),
                PaymentSource::ThirdParty { payer } => payer.country.into_iter().collect(),
            };
            if expected.is_empty() {
                uncomparable.push(what);
                continue;
            }
            compared += 1;
            if !expected.contains(&instrument_country) {
                mismatched.push(format!(
                    "{what} is in {instrument_country}, payer in {}",
                    describe_countries(&expected)
                ));
            }
        }
    }
    if compared == 0 && uncomparable.is_empty() {
        return CheckResult::not_applicable(
            CHECK,
            "no payment instrument with a country (card BIN country or bank country)",
        );
    }
    if compared == 0 {
        return CheckResult::cannot_run(
            CHECK,
            format!(
                "no payer country to compare with for {}",
                uncomparable.join(", ")
            ),
        );
    }
    let skipped = if uncomparable.is_empty() {
        String::new()
    } else {
        format!("; not compared: {}", uncomparable.join(", "))
    };
    if mismatched.is_empty() {
        CheckResult::pass(
            CHECK,
            format!("{compared} instrument(s) in the payer's countries{skipped}"),
        )
    } else {
        CheckResult::fail(CHECK, format!("{}{skipped}", mismatched.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cip::name::{NameText, PersonName};
    use crate::cip::payment::{BankAccount, Payer, PaymentInstrument, PaymentMethod};
    use crate::cip::text::ShortText;

    fn account(methods: Vec<PaymentMethod>) -> Account {
        Account {
            external_id: ShortText::parse("acct-1", 20).unwrap(),
            payment_methods: methods,
        }
    }

    fn bank(country: &str, source: PaymentSource) -> PaymentMethod {
        let country = CountryCode::parse(country).unwrap();
        PaymentMethod {
            instrument: PaymentInstrument::BankAccount(BankAccount {
                country,
                bank: None,
            }),
            source,
        }
    }

    fn payer(country: Option<&str>) -> PaymentSource {
        let name = PersonName::new(
            NameText::parse("Parent Co", 50).unwrap(),
            None,
            None,
            vec![],
        )
        .unwrap();
        let country = country.and_then(|c| CountryCode::parse(c).ok());
        PaymentSource::ThirdParty {
            payer: Payer {
                name,
                country,
                relationship: None,
            },
        }
    }

    #[test]
    fn third_party_instruments_compare_with_the_payer_country() {
        let accounts = [account(vec![bank("GB", payer(Some("GB")))])];
        assert!(
            payment_country_matches_address(&accounts, &[])
                .outcome
                .is_pass()
        );
        let accounts = [account(vec![bank("GB", payer(None))])];
        let result = payment_country_matches_address(&accounts, &[]);
        assert!(
            matches!(result.outcome, crate::cip::CheckOutcome::CannotRun { .. }),
            "{result}"
        );
        let accounts = [account(vec![
            bank("GB", payer(Some("FR"))),
            bank("DE", PaymentSource::Customer),
        ])];
        assert!(
            payment_country_matches_address(&accounts, &[])
                .outcome
                .is_fail()
        );
    }
}
