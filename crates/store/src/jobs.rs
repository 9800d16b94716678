//! The table-backed job queue's types. Backends claim jobs so that each runs once even with
//! several server processes (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).

use chrono::{DateTime, Utc};
use cloudkyc_domain::{JobId, TenantId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    /// When set, a second job with the same kind and key is not enqueued while the first is
    /// still waiting or running (for example one re-screening per list version).
    pub dedupe_key: Option<String>,
    /// When set, a second job with the same kind and key is not enqueued while the first is
    /// still queued; once it runs, an identical job may be queued again. For work that must
    /// see what arrived while the previous run was busy (an owner group's assessment): any
    /// number of processes may queue it, and no arrival is left unprocessed.
    pub queued_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    pub tenant: TenantId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    /// How many times it was claimed before, this claim excluded.
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }
}

/// Queue depth by state, for `/metrics` and `/readyz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub queued: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
}
