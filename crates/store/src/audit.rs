//! The audit chain: one hash chain of events per tenant.
//!
//! ## Canonical encoding (version 1)
//! The hash of an event is `SHA-256("cloudkyc-audit-v1" ‖ field₁ ‖ … ‖ field₁₀)` where each field
//! is its UTF-8 bytes preceded by their length as a 4-byte big-endian integer, in this order:
//! tenant id (hyphenated UUID), sequence number (decimal), time (RFC 3339, UTC, microseconds,
//! `Z`), actor, action, subject kind, subject id, digest of the state before (lowercase hex or
//! empty), digest of the state after (lowercase hex or empty), hash of the previous event
//! (lowercase hex; 64 zeros for the first event). Length prefixes make the encoding unambiguous:
//! no two different events encode to the same bytes.
//!
//! Events hold digests of states, never the states themselves, so purging personal data for
//! retention leaves every chain verifiable.

use chrono::{DateTime, SecondsFormat, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A state change about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub before_digest: Option<String>,
    pub after_digest: Option<String>,
}

impl NewAuditEvent {
    /// An event whose before/after digests are taken from serialisable states.
    pub fn new(
        action: &str,
        subject_kind: &str,
        subject_id: impl ToString,
        before: Option<&impl Serialize>,
        after: Option<&impl Serialize>,
    ) -> Self {
        Self {
            action: action.to_owned(),
            subject_kind: subject_kind.to_owned(),
            subject_id: subject_id.to_string(),
            before_digest: before.map(state_digest),
            after_digest: after.map(state_digest),
        }
    }
}

/// SHA-256 over the canonical JSON of a state (object keys sorted, no white space).
pub fn state_digest(state: &impl Serialize) -> String {
    // serde_json's `Value` keeps object keys in a BTreeMap, so serialising through it sorts them.
    let canonical = serde_json::to_value(state)
        .and_then(|v| serde_json::to_vec(&v))
        .unwrap_or_default();
    hex::encode(Sha256::digest(&canonical))
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub tenant: TenantId,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub before_digest: Option<String>,
    pub after_digest: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Builds the next entry of a chain whose head is `(prev_seq, prev_hash)`.
    pub fn next(
        tenant: TenantId,
        head: Option<(i64, String)>,
        at: DateTime<Utc>,
        actor: String,
        event: NewAuditEvent,
    ) -> Self {
        let (seq, prev_hash) = match head {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let mut entry = AuditEntry {
            tenant,
            seq,
            // Stored at microsecond precision by both databases; hash what will be read back.
            at: truncate_to_micros(at),
            actor,
            action: event.action,
            subject_kind: event.subject_kind,
            subject_id: event.subject_id,
            before_digest: event.before_digest,
            after_digest: event.after_digest,
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    pub fn compute_hash(&self) -> String {
        let seq = self.seq.to_string();
        let at = self.at.to_rfc3339_opts(SecondsFormat::Micros, true);
        let tenant = self.tenant.to_string();
        let fields: [&str; 10] = [
            &tenant,
            &seq,
            &at,
            &self.actor,
            &self.action,
            &self.subject_kind,
            &self.subject_id,
            self.before_digest.as_deref().unwrap_or(""),
            self.after_digest.as_deref().unwrap_or(""),
            &self.prev_hash,
        ];
        let mut hasher = Sha256::new();
        hasher.update(b"cloudkyc-audit-v1");
        for field in fields {
            let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
            hasher.update(len.to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hex::encode(hasher.finalize())
    }
}

pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// The first place where a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    pub seq: i64,
    pub reason: String,
}

/// The verdict on one tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub tenant: TenantId,
    pub entries: u64,
    pub head_hash: String,
    pub first_break: Option<ChainBreak>,
}

/// The verdict on every chain in a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub chains: Vec<ChainReport>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.chains.iter().all(|c| c.first_break.is_none())
    }
    pub fn first_break(&self) -> Option<(&TenantId, &ChainBreak)> {
        self.chains
            .iter()
            .find_map(|c| c.first_break.as_ref().map(|b| (&c.tenant, b)))
    }
}

/// Walks one tenant's entries in stored order, so that backends can stream rows through it
/// without holding a whole chain in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    tenant: TenantId,
    entries: u64,
    expected_seq: i64,
    prev_hash: String,
    first_break: Option<ChainBreak>,
}

impl ChainVerifier {
    pub fn new(tenant: TenantId) -> Self {
        Self {
            tenant,
            entries: 0,
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            first_break: None,
        }
    }

    /// Feeds the next entry, in ascending `seq` order as the database returns it.
    pub fn push(&mut self, entry: &AuditEntry) {
        self.entries += 1;
        if self.first_break.is_none() {
            self.first_break = self.check(entry);
        }
        self.expected_seq = entry.seq + 1;
        self.prev_hash.clone_from(&entry.hash);
    }

    fn check(&self, entry: &AuditEntry) -> Option<ChainBreak> {
        let broken = |reason: String| {
            Some(ChainBreak {
                seq: entry.seq,
                reason,
            })
        };
        if entry.tenant != self.tenant {
            return broken(format!("entry belongs to tenant {}", entry.tenant));
        }
        if entry.seq != self.expected_seq {
            return broken(format!(
                "expected sequence number {}, found {} (entries removed or reordered)",
                self.expected_seq, entry.seq
            ));
        }
        if entry.prev_hash != self.prev_hash {
            return broken("previous-hash link does not match the entry before it".into());
        }
        if entry.compute_hash() != entry.hash {
            return broken("content does not match its hash (entry altered)".into());
        }
        None
    }

    /// Ends the walk. `head` is the chain head the store recorded alongside the events: a missing
    /// tail shows up as a head the walk never reached.
    pub fn finish(mut self, head: Option<(i64, String)>) -> ChainReport {
        if self.first_break.is_none() {
            let last_seq = self.expected_seq - 1;
            match head {
                Some((seq, hash)) if seq != last_seq || hash != self.prev_hash => {
                    self.first_break = Some(ChainBreak {
                        seq: last_seq + 1,
                        reason: format!(
                            "recorded head is entry {seq}, but the chain ends at entry {last_seq} (entries removed or altered)"
                        ),
                    });
                }
                None if self.entries > 0 => {
                    self.first_break = Some(ChainBreak {
                        seq: 1,
                        reason: "events exist but no chain head is recorded".into(),
                    });
                }
                _ => {}
            }
        }
        ChainReport {
            tenant: self.tenant,
            entries: self.entries,
            head_hash: self.prev_hash,
            first_break: self.first_break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(tenant: TenantId, n: usize) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let head = out.last().map(|e| (e.seq, e.hash.clone()));
            let event = NewAuditEvent::new("test.write", "thing", i, None::<&()>, Some(&i));
            out.push(AuditEntry::next(
                tenant,
                head,
                Utc::now(),
                "operator".into(),
                event,
            ));
        }
        out
    }

    fn verify(
        tenant: TenantId,
        entries: &[AuditEntry],
        head: Option<(i64, String)>,
    ) -> ChainReport {
        let mut v = ChainVerifier::new(tenant);
        entries.iter().for_each(|e| v.push(e));
        v.finish(head)
    }

    fn head(entries: &[AuditEntry]) -> Option<(i64, String)> {
        entries.last().map(|e| (e.seq, e.hash.clone()))
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let t = TenantId::new();
        let c = chain(t, 5);
        assert_eq!(verify(t, &c, head(&c)).first_break, None);
    }

    #[test]
    fn an_altered_entry_is_named() {
        let t = TenantId::new();
        let mut c = chain(t, 5);
        let h = head(&c);
        c[2].action = "something.else".into();
        assert_eq!(verify(t, &c, h).first_break.unwrap().seq, 3);
    }

    #[test]
    fn a_removed_entry_is_named() {
        let t = TenantId::new();
        let mut c = chain(t, 5);
        let h = head(&c);
        c.remove(1);
        assert_eq!(verify(t, &c, h).first_break.unwrap().seq, 3);
    }

    #[test]
    fn reordered_entries_are_named() {
        let t = TenantId::new();
        let mut c = chain(t, 5);
        let h = head(&c);
        c.swap(1, 2);
        assert_eq!(verify(t, &c, h).first_break.unwrap().seq, 3);
    }

    #[test]
    fn a_removed_tail_is_caught_by_the_head() {
        let t = TenantId::new();
        let mut c = chain(t, 5);
        let h = head(&c);
        c.pop();
        assert_eq!(verify(t, &c, h).first_break.unwrap().seq, 5);
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let t = TenantId::new();
        let a = NewAuditEvent {
            action: "ab".into(),
            subject_kind: "c".into(),
            subject_id: String::new(),
            before_digest: None,
            after_digest: None,
        };
        let b = NewAuditEvent {
            action: "a".into(),
            subject_kind: "bc".into(),
            ..a.clone()
        };
        let at = Utc::now();
        let ea = AuditEntry::next(t, None, at, "x".into(), a);
        let eb = AuditEntry::next(t, None, at, "x".into(), b);
        assert_ne!(ea.hash, eb.hash);
    }

    #[test]
    fn state_digest_ignores_key_order() {
        let a = serde_json::json!({"a": 1, "b": 2});
        let b: serde_json::Value = serde_json::from_str(r#"{"b":2,"a":1}"#).unwrap();
        assert_eq!(state_digest(&a), state_digest(&b));
    }
}
