//! The request bodies: varied enough that customers are not all linked into one owner group
//! (shared phones, emails and cards link accounts) and screenings are not one cached name.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

const GIVEN: [&str; 32] = [
    "Anna", "Bruno", "Chiara", "Daniel", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
    "Katrin", "Lukas", "Marta", "Nils", "Olga", "Paul", "Rosa", "Simon", "Tanja", "Ulrich", "Vera",
    "Walter", "Yasmin", "Zoran", "Amelie", "Bernd", "Clara", "Dirk", "Emil", "Frieda", "Gustav",
    "Helga",
];

const FAMILY: [&str; 32] = [
    "Albrecht",
    "Brandt",
    "Conrad",
    "Dietrich",
    "Engel",
    "Fischer",
    "Graf",
    "Hartmann",
    "Jansen",
    "Keller",
    "Lang",
    "Mayer",
    "Neumann",
    "Otto",
    "Pohl",
    "Richter",
    "Schulz",
    "Thiel",
    "Ulrich",
    "Vogel",
    "Winter",
    "Zimmermann",
    "Arnold",
    "Berger",
    "Christ",
    "Dorn",
    "Eckert",
    "Fuchs",
    "Gerber",
    "Horn",
    "Jung",
    "Kraus",
];

/// Names on the bundled lists: every tenth screening is one, so some answers carry hits.
const LISTED: [&str; 3] = [
    "Kim Jong Un",
    "Bashar al-Assad",
    "Islamic Revolutionary Guard Corps",
];

/// Hour slots of usage per account, back from the run's start: records never lie in the future.
const SLOTS: usize = 24 * 30;

/// What one run's bodies share: ids unique to the run, so a second run against the same database
/// onboards new customers and sends new usage records instead of duplicates.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    /// The first hour slot of the run's usage.
    usage_origin: DateTime<Utc>,
}

impl Run {
    /// A run starting now.
    pub fn start() -> Self {
        let now = Utc::now();
        let origin = now.duration_trunc(Duration::hours(1)).unwrap_or(now)
            - Duration::hours(i64::try_from(SLOTS).unwrap_or(0) + 1);
        Self {
            id: format!("{:x}", now.timestamp_millis()),
            usage_origin: origin,
        }
    }

    fn person(n: usize) -> String {
        let given = GIVEN[n % GIVEN.len()];
        let family = FAMILY[(n / GIVEN.len()) % FAMILY.len()];
        let middle = GIVEN[(n / (GIVEN.len() * FAMILY.len()) + n / 7) % GIVEN.len()];
        format!("{given} {middle} {family}")
    }

    pub fn account(&self, n: usize) -> String {
        format!("acct-load-{}-{n}", self.id)
    }

    /// `POST /v1/customers`: a foreign individual the bundled pack verifies offline, holding one
    /// account with a card.
    pub fn customer(&self, n: usize) -> Value {
        let born = format!("{}-{:02}-{:02}", 1950 + n % 50, 1 + n % 12, 1 + n % 28);
        json!({
            "kind": "individual",
            "name": {"full": Self::person(n)},
            "date_of_birth": born,
            "nationalities": ["DE"],
            "addresses": [{"line1": format!("{} Hauptstrasse", 1 + n % 400), "city": "Berlin",
                           "country": "DE"}],
            "emails": [format!("load-{}-{n}@example.com", self.id)],
            "phones": [format!("+49 30 {}", 2_000_000 + n % 7_000_000)],
            "accounts": [{"external_id": self.account(n),
                          "payment_methods": [{"type": "card", "brand": "visa",
                                               "last4": format!("{:04}", n % 10_000),
                                               "bin_country": "DE", "source": "customer"}]}],
            "beneficial_owners": []
        })
    }

    /// `POST /v1/screenings`: a generated name, or every tenth time a listed one.
    pub fn screening(&self, n: usize) -> Value {
        let name = if n % 10 == 9 {
            LISTED[(n / 10) % LISTED.len()].to_owned()
        } else {
            Self::person(n.wrapping_mul(7919))
        };
        json!({"name": name, "schema": "person"})
    }

    /// `POST /v1/usage`: `batch` hourly records of 8 H100, spread over the `accounts` accounts
    /// the onboarding phase created (each account's records in consecutive hours).
    pub fn usage(&self, n: usize, batch: usize, accounts: usize) -> Value {
        let accounts = accounts.max(1);
        let records: Vec<Value> = (0..batch)
            .map(|k| {
                let record = n * batch + k;
                let account = record % accounts;
                let slot = (record / accounts) % SLOTS;
                let start = self.usage_origin + Duration::hours(i64::try_from(slot).unwrap_or(0));
                let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                json!({"id": format!("load-{}-{record}", self.id), "account": self.account(account),
                       "accelerator": "H100", "count": 8, "start": at(start),
                       "end": at(start + Duration::hours(1)),
                       "cluster": format!("c{}", account % 20), "datacenter": "dc1",
                       "fabric_gbps": 400})
            })
            .collect();
        Value::Array(records)
    }
}
