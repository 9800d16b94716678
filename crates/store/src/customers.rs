//! Customers as the store keeps them.
//!
//! The store does not interpret personal data: the application hands it the validated customer
//! as a JSON document, which is sealed whole into `personal_ct` (AES-256-GCM, associated data
//! tenant/`customers`/row/column), and the normalised values it must be found by (email, E.164
//! phone, document number) as [`Lookup`]s, stored only as keyed blind indexes in their own table.
//! The plaintext columns hold decisions, never personal data; the decision reasons are sealed
//! too, because a reason may quote a country or a document the customer gave.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::crypto::{Aad, KeyRing};
use crate::{StoreError, StoreResult, TenantScope};

/// The audit action and subject of a customer creation.
pub const CUSTOMER_CREATE: &str = "customer.create";
pub const CUSTOMER_SUBJECT: &str = "customer";

/// The table whose rows the sealed columns are bound to.
pub const CUSTOMERS_TABLE: &str = "customers";

/// A customer (UUID v7, so ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(Uuid);

impl CustomerId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }
}

impl Default for CustomerId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CustomerId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// The `cip_status` of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CipStatus {
    Pending,
    Verified,
    Failed,
    NotRequired,
}

/// The `account_access` of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAccess {
    None,
    Restricted,
    Full,
    Closed,
}

/// What a customer can be found by. The value is normalised by the caller (lower-cased email,
/// E.164 phone, upper-cased document number without separators) before it is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupKind {
    Email,
    Phone,
    Document,
}

impl LookupKind {
    /// The blind-index space, so an email and a phone with equal text never collide.
    pub fn index_kind(self) -> &'static str {
        match self {
            Self::Email => "customer.email",
            Self::Phone => "customer.phone",
            Self::Document => "customer.document",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lookup {
    pub kind: LookupKind,
    pub value: String,
}

impl Lookup {
    pub fn new(kind: LookupKind, value: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.into(),
        }
    }

    pub fn blind_index(&self, ring: &KeyRing) -> String {
        ring.blind_index(self.kind.index_kind(), &self.value)
    }
}

/// The CIP decision about a customer, with the pack that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDecision {
    pub person_status: PersonStatus,
    pub cip_status: CipStatus,
    pub account_access: AccountAccess,
    pub risk_tier: RiskTier,
    pub policy_id: String,
    pub policy_version: String,
    pub reasons: Vec<String>,
}

/// A customer to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCustomer {
    pub tenant: TenantId,
    /// The client's idempotency key: a second create with the same key in the same tenant
    /// returns the first customer. Stored only as a blind index.
    pub idempotency_key: Option<String>,
    pub kind: CustomerKind,
    pub decision: CustomerDecision,
    /// The validated customer; sealed whole.
    pub personal: serde_json::Value,
    pub lookups: Vec<Lookup>,
    /// The provider's account ids, unique per tenant.
    pub accounts: Vec<String>,
}

/// A stored customer, opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub kind: CustomerKind,
    pub decision: CustomerDecision,
    pub personal: serde_json::Value,
    pub accounts: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to a create: the customer and whether it was stored by an earlier call.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedCustomer {
    pub customer: Customer,
    pub replayed: bool,
}

#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Stores the customer, its lookups, its accounts and one `customer.create` audit event in
    /// one transaction. `new.tenant` must be visible to the scope; an account id already used
    /// in the tenant is a `Conflict`.
    async fn create_customer(
        &self,
        scope: &TenantScope,
        new: NewCustomer,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCustomer>;
    /// Stores a batch of customers in one transaction, as if `create_customer` were called for
    /// each in order, with one audit event per created customer (each chained) and one update
    /// of each chain head. One customer's refusal (`Conflict` for a taken account id, `NotFound`
    /// for a tenant outside the scope) or replay (a known idempotency key, also one used earlier
    /// in the batch) neither fails nor changes the others. The outer error means nothing was
    /// written; the inner results answer each customer in order. At most
    /// [`crate::customer_batch::MAX_BATCH`] customers.
    async fn create_customers(
        &self,
        scope: &TenantScope,
        news: Vec<NewCustomer>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StoreResult<CreatedCustomer>>>;
    /// A customer of a tenant visible to the scope; `NotFound` otherwise.
    async fn customer(&self, scope: &TenantScope, id: CustomerId) -> StoreResult<Customer>;
    /// Customers of every tenant visible to the scope, newest first, those older than `after`.
    /// Customers purged under records retention are left out: nothing of them is left to show
    /// (`RetentionStore::customer_retention` still answers for them).
    async fn customers(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<Customer>>;
    /// Customers visible to the scope found by a normalised email, phone or document number.
    async fn find_customers(
        &self,
        scope: &TenantScope,
        lookup: &Lookup,
    ) -> StoreResult<Vec<Customer>>;
    /// The customer holding the provider's account `external_id` in `tenant`.
    async fn customer_by_account(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        external_id: &str,
    ) -> StoreResult<Customer>;
    /// Applies `change` to a customer visible to the scope in one transaction (decision,
    /// sealed documents, lookups, accounts, evidence, one audit event, jobs); `Conflict` when
    /// its `updated_at` is no longer `change.expected_updated_at`. See
    /// [`crate::customer_updates`].
    async fn update_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        change: crate::customer_updates::CustomerChange,
        now: DateTime<Utc>,
    ) -> StoreResult<Customer>;
}

/// The sealed and plaintext column values of a customer row, built the same for both backends.
#[derive(Debug)]
pub struct CustomerColumns {
    pub kind: &'static str,
    pub person_status: String,
    pub cip_status: String,
    pub account_access: String,
    pub risk_tier: String,
    pub reasons_ct: Vec<u8>,
    pub personal_ct: Vec<u8>,
    pub idempotency_bidx: Option<String>,
}

fn aad<'a>(tenant: TenantId, row: &'a str, column: &'static str) -> Aad<'a> {
    Aad {
        tenant,
        table: CUSTOMERS_TABLE,
        row,
        column,
    }
}

/// The text a unit enum serialises to (`"not_required"`).
pub fn enum_text<T: Serialize>(value: &T) -> StoreResult<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => Ok(text),
        _ => Err(StoreError::Corrupt(
            "a status did not serialise to text".into(),
        )),
    }
}

/// The unit enum stored as `text` in `column`.
pub fn parse_enum<T: DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(format!("column {column}: unknown value {text:?}")))
}

/// The blind index of an idempotency key, so a client's key is never stored as given.
pub fn idempotency_index(ring: &KeyRing, key: &str) -> String {
    ring.blind_index("customer.idempotency", key)
}

impl CustomerColumns {
    pub fn seal(ring: &KeyRing, id: CustomerId, new: &NewCustomer) -> StoreResult<Self> {
        let decision = crate::customer_updates::DecisionColumns::seal(
            ring,
            new.tenant,
            id,
            &new.decision,
            &new.personal,
        )?;
        Ok(Self {
            kind: new.kind.as_str(),
            person_status: decision.person_status,
            cip_status: decision.cip_status,
            account_access: decision.account_access,
            risk_tier: decision.risk_tier,
            reasons_ct: decision.reasons_ct,
            personal_ct: decision.personal_ct,
            idempotency_bidx: new
                .idempotency_key
                .as_deref()
                .map(|key| idempotency_index(ring, key)),
        })
    }
}

/// A customer row as read back, before opening.
#[derive(Debug)]
pub struct CustomerRow {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub kind: String,
    pub person_status: String,
    pub cip_status: String,
    pub account_access: String,
    pub risk_tier: String,
    pub policy_id: String,
    pub policy_version: String,
    pub reasons_ct: Vec<u8>,
    pub personal_ct: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CustomerRow {
    pub fn open(self, ring: &KeyRing, accounts: Vec<String>) -> StoreResult<Customer> {
        // Emptied by a records-retention purge (see `crate::retention`): nothing left to open.
        if self.personal_ct.is_empty() {
            return Err(crate::retention::purged(self.id));
        }
        let row = self.id.to_string();
        let reasons = ring.decrypt(&self.reasons_ct, aad(self.tenant, &row, "reasons"))?;
        let personal = ring.decrypt(&self.personal_ct, aad(self.tenant, &row, "personal"))?;
        Ok(Customer {
            id: self.id,
            tenant: self.tenant,
            kind: parse_enum("kind", &self.kind)?,
            decision: CustomerDecision {
                person_status: parse_enum("person_status", &self.person_status)?,
                cip_status: parse_enum("cip_status", &self.cip_status)?,
                account_access: parse_enum("account_access", &self.account_access)?,
                risk_tier: parse_enum("risk_tier", &self.risk_tier)?,
                policy_id: self.policy_id,
                policy_version: self.policy_version,
                reasons: serde_json::from_slice(&reasons)
                    .map_err(|e| StoreError::Corrupt(format!("reasons: {e}")))?,
            },
            personal: serde_json::from_slice(&personal)
                .map_err(|e| StoreError::Corrupt(format!("personal: {e}")))?,
            accounts,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_column_text() {
        assert_eq!(
            enum_text(&CipStatus::NotRequired).ok().as_deref(),
            Some("not_required")
        );
        assert_eq!(
            parse_enum::<AccountAccess>("a", "restricted").ok(),
            Some(AccountAccess::Restricted)
        );
        assert_eq!(
            parse_enum::<PersonStatus>("p", "foreign").ok(),
            Some(PersonStatus::Foreign)
        );
        assert!(parse_enum::<CipStatus>("cip_status", "maybe").is_err());
    }
}
