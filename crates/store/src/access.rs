//! The access and administration IP log (rule-pack records duty; issue 3 item 6): which address
//! used which of the provider's accounts, when, for what, and the country it was placed in.
//!
//! Events are keyed by `(tenant, id)` like usage records: a resent event is a duplicate, counted
//! and not stored twice. The IP address is personal data (it can single out a person, and an
//! access log says where they were when): it is sealed with the key ring like every other
//! personal field, with a blind index so that distinct addresses can still be counted and one
//! address looked up. The country is the *result* of geolocation at ingestion and stays
//! plaintext, so summaries, the review flag and verification never open a ciphertext.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CountryCode, IpAddress, PersonStatus};
use serde::{Deserialize, Serialize};

use crate::audit::{NewAuditEvent, state_digest};
use crate::crypto::{Aad, KeyRing};
use crate::customers::CustomerId;
use crate::jobs::NewJob;
use crate::usage::InsertOutcome;
use crate::{StoreError, StoreResult, TenantScope};

/// The audit action of one accepted batch of access events.
pub const ACCESS_INGEST: &str = "access.ingest";
/// The audit action of a retention purge.
pub const ACCESS_PURGE: &str = "access.purge";
/// The subject kind of a batch (named by the digest of its accepted ids).
pub const ACCESS_BATCH_SUBJECT: &str = "access_batch";
/// The subject kind of a purge (named by its cut-off instant).
pub const ACCESS_LOG_SUBJECT: &str = "access_log";
/// The table, part of every sealed IP's associated data.
pub const ACCESS_EVENTS_TABLE: &str = "access_events";
/// The blind-index space of access IP addresses.
pub const IP_INDEX_KIND: &str = "access_ip";

/// What an access did. A closed list, so a typo in an integration is refused rather than stored
/// as a new kind nobody queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessAction {
    /// An interactive sign-in.
    Login,
    Logout,
    /// A call to the provider's API with the account's credentials.
    Api,
    /// Use of the web console.
    Console,
    /// An administrative change (users, keys, billing, permissions).
    Admin,
    /// A shell or remote-desktop session on the account's resources.
    Ssh,
}

impl AccessAction {
    pub const ALL: [AccessAction; 6] = [
        AccessAction::Login,
        AccessAction::Logout,
        AccessAction::Api,
        AccessAction::Console,
        AccessAction::Admin,
        AccessAction::Ssh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessAction::Login => "login",
            AccessAction::Logout => "logout",
            AccessAction::Api => "api",
            AccessAction::Console => "console",
            AccessAction::Admin => "admin",
            AccessAction::Ssh => "ssh",
        }
    }
}

impl fmt::Display for AccessAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccessAction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown action {s:?} (one of {})", known.join(", "))
            })
    }
}

/// One validated access event, as inserted and as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    pub id: String,
    /// The provider's external account id.
    pub account: String,
    pub ip: IpAddress,
    pub at: DateTime<Utc>,
    pub action: AccessAction,
    /// Attached at ingestion; `None` when the address could not be placed.
    pub country: Option<CountryCode>,
}

/// The customer holding one of the tenant's accounts, with what the access checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHolder {
    pub account: String,
    pub customer: CustomerId,
    pub person_status: PersonStatus,
}

/// What the log says about one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSummary {
    pub account: String,
    pub events: u64,
    pub distinct_ips: u64,
    /// Distinct countries, in code order.
    pub countries: Vec<CountryCode>,
    /// Events whose address could not be placed (private, reserved or not in the database).
    pub unplaced_events: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// What a retention purge removed, over every tenant it covered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeOutcome {
    pub accounts: u64,
    pub events: u64,
}

#[async_trait]
pub trait AccessEventStore: Send + Sync {
    /// Inserts `events` for the scope's tenant in one transaction with one `access.ingest` audit
    /// event over the accepted ids (none when nothing was new), and enqueues `jobs` in the same
    /// transaction. An id the tenant already has, or repeated in the batch, is a duplicate.
    async fn insert_access_events(
        &self,
        scope: &TenantScope,
        events: &[AccessEvent],
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome>;

    /// The customers holding those of `accounts` that the scope's own tenant has (others are
    /// simply absent from the answer), in no particular order.
    async fn account_holders(
        &self,
        scope: &TenantScope,
        accounts: &[String],
    ) -> StoreResult<Vec<AccountHolder>>;

    /// The summary of `account`'s events in the scope's own tenant (zeros when it has none).
    async fn access_summary(
        &self,
        scope: &TenantScope,
        account: &str,
    ) -> StoreResult<AccessSummary>;

    /// The newest `limit` events of `account` in the scope's own tenant, newest first, with the
    /// addresses opened.
    async fn access_events(
        &self,
        scope: &TenantScope,
        account: &str,
        limit: u32,
    ) -> StoreResult<Vec<AccessEvent>>;

    /// The distinct placed countries of the events of `accounts` in `tenant` (which the scope
    /// must see: `NotFound` otherwise), in code order.
    async fn access_countries(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        accounts: &[String],
    ) -> StoreResult<Vec<CountryCode>>;

    /// Deletes, in every tenant the scope sees, all events of the accounts whose last access is
    /// before `last_access_before`, in one transaction with one `access.purge` audit event per
    /// tenant that lost events.
    async fn purge_access_events(
        &self,
        scope: &TenantScope,
        last_access_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeOutcome>;
}

/// The first occurrence of each id, in order: what a backend inserts. Later repeats are
/// duplicates by [`outcome`].
pub fn first_occurrences(events: &[AccessEvent]) -> Vec<&AccessEvent> {
    crate::usage::first_occurrences(events, |e| e.id.as_str())
}

/// Accepted and duplicate ids of a batch, in batch order, from the ids the insert returned.
pub fn outcome(events: &[AccessEvent], inserted: HashSet<String>) -> InsertOutcome {
    InsertOutcome::from_returned(events.iter().map(|e| e.id.as_str()), inserted)
}

/// The one audit event of a batch, like usage batches: subject named by the digest of the
/// accepted ids, after-digest over the ids, so the chain proves which events arrived.
pub fn batch_event(accepted: &[String]) -> NewAuditEvent {
    let digest = state_digest(&accepted);
    NewAuditEvent::new(
        ACCESS_INGEST,
        ACCESS_BATCH_SUBJECT,
        digest,
        None::<&()>,
        Some(&accepted),
    )
}

/// The audit event of one tenant's purge: which accounts lost how many events, before when.
pub fn purge_event(
    last_access_before: DateTime<Utc>,
    accounts: &[String],
    events: u64,
) -> NewAuditEvent {
    let state = serde_json::json!({
        "last_access_before": last_access_before,
        "accounts": accounts,
        "events": events,
    });
    NewAuditEvent::new(
        ACCESS_PURGE,
        ACCESS_LOG_SUBJECT,
        last_access_before.to_rfc3339(),
        None::<&()>,
        Some(&state),
    )
}

fn ip_aad(tenant: TenantId, id: &str) -> Aad<'_> {
    Aad {
        tenant,
        table: ACCESS_EVENTS_TABLE,
        row: id,
        column: "ip",
    }
}

/// The sealed IP columns of one event: `ip_ct` (ciphertext bound to tenant, table, event id and
/// column) and `ip_bidx` (blind index of the address in its canonical text form).
#[derive(Debug, Clone)]
pub struct SealedIp {
    pub ciphertext: Vec<u8>,
    pub blind_index: [u8; 32],
}

impl SealedIp {
    pub fn seal(ring: &KeyRing, tenant: TenantId, event: &AccessEvent) -> StoreResult<Self> {
        let text = event.ip.to_string();
        Ok(Self {
            ciphertext: ring.encrypt_str(&text, ip_aad(tenant, &event.id))?,
            blind_index: ring.blind_index_bytes(IP_INDEX_KIND, &text),
        })
    }

    /// The blind index in the hexadecimal text other sealed columns' indexes use.
    pub fn blind_index_hex(&self) -> String {
        hex::encode(self.blind_index)
    }

    pub fn open(
        ring: &KeyRing,
        tenant: TenantId,
        id: &str,
        ciphertext: &[u8],
    ) -> StoreResult<IpAddress> {
        let text = ring.decrypt_str(ciphertext, ip_aad(tenant, id))?;
        IpAddress::parse(&text).map_err(|_| {
            StoreError::Corrupt(format!("access event {id}: sealed ip is not an address"))
        })
    }
}

/// The action column back into its type.
pub fn parse_action(text: &str) -> StoreResult<AccessAction> {
    text.parse()
        .map_err(|e| StoreError::Corrupt(format!("column action: {e}")))
}

/// The country column back into its type.
pub fn parse_country(text: Option<&str>) -> StoreResult<Option<CountryCode>> {
    text.map(|t| {
        CountryCode::parse(t).map_err(|e| StoreError::Corrupt(format!("column country: {e}")))
    })
    .transpose()
}

/// A list of country columns back into their type.
pub fn parse_countries(texts: &[String]) -> StoreResult<Vec<CountryCode>> {
    texts
        .iter()
        .map(|t| {
            CountryCode::parse(t).map_err(|e| StoreError::Corrupt(format!("column country: {e}")))
        })
        .collect()
}

/// A count column (never negative) as `u64`.
pub fn to_count(column: &str, value: i64) -> StoreResult<u64> {
    u64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("column {column}: {value} is negative")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> AccessEvent {
        AccessEvent {
            id: id.to_owned(),
            account: "a".to_owned(),
            ip: IpAddress::parse("102.89.34.10").unwrap(),
            at: Utc::now(),
            action: AccessAction::Login,
            country: CountryCode::parse("NG").ok(),
        }
    }

    #[test]
    fn repeats_inside_a_batch_are_duplicates_in_batch_order() {
        let batch = [event("a"), event("b"), event("a"), event("c")];
        let firsts: Vec<&str> = first_occurrences(&batch)
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(firsts, ["a", "b", "c"]);
        let inserted = ["a", "c"].iter().map(|s| (*s).to_owned()).collect();
        let out = outcome(&batch, inserted);
        assert_eq!(out.accepted, ["a", "c"]);
        assert_eq!(out.duplicate, ["b", "a"]);
    }

    #[test]
    fn actions_parse_from_their_names_only() {
        for action in AccessAction::ALL {
            assert_eq!(action.as_str().parse::<AccessAction>(), Ok(action));
        }
        let err = "Login".parse::<AccessAction>().unwrap_err();
        assert!(err.contains("login, logout"), "{err}");
    }

    #[test]
    fn a_sealed_ip_opens_only_for_its_event() {
        let (ring, _) =
            KeyRing::bootstrap(&crate::crypto::MasterKey::generate(), Utc::now()).unwrap();
        let tenant = TenantId::new();
        let e = event("ev-1");
        let sealed = SealedIp::seal(&ring, tenant, &e).unwrap();
        assert!(!sealed.ciphertext.windows(5).any(|w| w == b"102.8"));
        assert_eq!(
            SealedIp::open(&ring, tenant, "ev-1", &sealed.ciphertext).ok(),
            Some(e.ip)
        );
        assert!(SealedIp::open(&ring, tenant, "ev-2", &sealed.ciphertext).is_err());
        assert_eq!(
            sealed.blind_index_hex(),
            ring.blind_index(IP_INDEX_KIND, "102.89.34.10")
        );
    }
}
