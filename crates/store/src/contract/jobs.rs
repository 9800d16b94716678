//! The job queue: dedupe, one claim per job, leases, retries, dead jobs, counts.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::JobId;

use super::ContractDatabase;
use super::support::{setup, t0};
use crate::StoreError;
use crate::jobs::{JobCounts, NewJob};

fn job(kind: &str, run_at: DateTime<Utc>, dedupe_key: Option<&str>) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: serde_json::json!({ "kind": kind, "n": [1, 2, 3] }),
        run_at,
        dedupe_key: dedupe_key.map(str::to_owned),
        queued_key: None,
    }
}

fn lease() -> Duration {
    Duration::minutes(5)
}

pub async fn enqueue_dedupes_waiting_jobs(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let scope = &s.operator;
    let first = s
        .store
        .enqueue(scope, job("rescreen", t0(), Some("v1")), t0())
        .await
        .expect("enqueue");
    assert!(first.is_some());
    assert_eq!(
        s.store
            .enqueue(scope, job("rescreen", t0(), Some("v1")), t0())
            .await
            .expect("dup"),
        None
    );
    assert!(
        s.store
            .enqueue(scope, job("rescreen", t0(), Some("v2")), t0())
            .await
            .expect("other key")
            .is_some()
    );
    assert!(
        s.store
            .enqueue(scope, job("other", t0(), Some("v1")), t0())
            .await
            .expect("other kind")
            .is_some()
    );
    assert!(
        s.store
            .enqueue(scope, job("plain", t0(), None), t0())
            .await
            .expect("no key")
            .is_some()
    );
    assert!(
        s.store
            .enqueue(scope, job("plain", t0(), None), t0())
            .await
            .expect("no key")
            .is_some()
    );
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            queued: 5,
            ..JobCounts::default()
        }
    );

    // Still deduped while it runs; free again once done.
    let claimed = s
        .store
        .claim_job(&["rescreen"], t0(), lease())
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(Some(claimed.id), first);
    assert_eq!(
        s.store
            .enqueue(scope, job("rescreen", t0(), Some("v1")), t0())
            .await
            .expect("dup"),
        None
    );
    s.store
        .complete_job(claimed.id, t0())
        .await
        .expect("complete");
    assert!(
        s.store
            .enqueue(scope, job("rescreen", t0(), Some("v1")), t0())
            .await
            .expect("again")
            .is_some()
    );
}

pub async fn many_jobs_are_enqueued_together_and_deduped(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let scope = &s.operator;
    assert_eq!(
        s.store.enqueue_many(scope, &[], t0()).await.expect("none"),
        Vec::new()
    );
    s.store
        .enqueue(scope, job("assess", t0(), Some("g1")), t0())
        .await
        .expect("enqueue")
        .expect("queued");
    let jobs = [
        job("assess", t0(), Some("g1")),
        job("assess", t0(), Some("g2")),
        job("assess", t0(), Some("g2")),
        job("assess", t0(), None),
    ];
    let ids = s
        .store
        .enqueue_many(scope, &jobs, t0())
        .await
        .expect("enqueue many");
    let queued: Vec<bool> = ids.iter().map(Option::is_some).collect();
    assert_eq!(
        queued,
        [false, true, false, true],
        "a waiting key, a new one, its repeat in the same batch, and a job without a key"
    );
    assert_eq!(s.store.job_counts().await.expect("counts").queued, 3);
    let claimed = s
        .store
        .claim_job(&["assess"], t0(), lease())
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(
        claimed.tenant, s.provider.id,
        "queued for the scope's tenant"
    );
}

/// Past the thousand jobs a backend may write with one statement: a key repeated across that
/// boundary is still queued once, and every other job is.
pub async fn a_large_batch_of_jobs_is_deduped_across_statements(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let jobs: Vec<NewJob> = (0..1_500)
        .map(|i| {
            let key = if i == 1_200 { 10 } else { i };
            NewJob {
                queued_key: Some(format!("group-{key}")),
                ..job("assess", t0(), None)
            }
        })
        .collect();
    let ids = s
        .store
        .enqueue_many(&s.operator, &jobs, t0())
        .await
        .expect("enqueue many");
    assert_eq!(ids.len(), 1_500);
    assert!(
        ids[10].is_some() && ids[1_200].is_none(),
        "the repeat is not queued"
    );
    assert_eq!(ids.iter().filter(|id| id.is_some()).count(), 1_499);
    assert_eq!(s.store.job_counts().await.expect("counts").queued, 1_499);
}

/// A queued key dedupes only waiting jobs: once the job runs, the same key is queued again (the
/// work that arrived meanwhile is not dropped), and while that one waits, a third is not.
pub async fn a_queued_key_dedupes_only_jobs_that_have_not_started(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let scope = &s.operator;
    let keyed = || NewJob {
        queued_key: Some("group-1".into()),
        ..job("assess", t0(), None)
    };
    let first = s.store.enqueue(scope, keyed(), t0()).await.expect("first");
    assert!(first.is_some());
    assert_eq!(
        s.store.enqueue(scope, keyed(), t0()).await.expect("dup"),
        None,
        "a second job while the first waits"
    );
    let other = NewJob {
        queued_key: Some("group-2".into()),
        ..job("assess", t0(), None)
    };
    assert!(
        s.store
            .enqueue(scope, other, t0())
            .await
            .expect("other")
            .is_some()
    );
    let claimed = s
        .store
        .claim_job(&["assess"], t0(), lease())
        .await
        .expect("claim")
        .expect("a job");
    assert_eq!(Some(claimed.id), first);
    let again = s
        .store
        .enqueue_many(scope, &[keyed(), keyed()], t0())
        .await
        .expect("while it runs");
    assert!(again[0].is_some(), "queued again while the first runs");
    assert_eq!(again[1], None, "but only once");
    assert_eq!(s.store.job_counts().await.expect("counts").queued, 2);
}

pub async fn a_job_is_claimed_once_in_order(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let later = s
        .store
        .enqueue(
            &s.operator,
            job("k", t0() - Duration::seconds(1), None),
            t0(),
        )
        .await
        .expect("e");
    let earlier = s
        .store
        .enqueue(
            &s.operator,
            job("k", t0() - Duration::seconds(2), None),
            t0(),
        )
        .await
        .expect("e");
    let first = s
        .store
        .claim_job(&[], t0(), lease())
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(Some(first.id), earlier, "the oldest due job first");
    assert_eq!(first.tenant, s.provider.id);
    assert_eq!(first.kind, "k");
    assert_eq!(
        first.payload,
        serde_json::json!({ "kind": "k", "n": [1, 2, 3] })
    );
    assert_eq!(
        first.run_at,
        crate::audit::truncate_to_micros(t0() - Duration::seconds(2))
    );
    assert_eq!(first.attempts, 0);
    let second = s
        .store
        .claim_job(&[], t0(), lease())
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(Some(second.id), later);
    assert_eq!(
        s.store.claim_job(&[], t0(), lease()).await.expect("claim"),
        None
    );
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            running: 2,
            ..JobCounts::default()
        }
    );
    s.store
        .complete_job(first.id, t0())
        .await
        .expect("complete");
    s.store
        .complete_job(second.id, t0())
        .await
        .expect("complete");
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            done: 2,
            ..JobCounts::default()
        }
    );
    let much_later = t0() + Duration::days(1);
    assert_eq!(
        s.store
            .claim_job(&[], much_later, lease())
            .await
            .expect("claim"),
        None,
        "done jobs stay done"
    );
}

pub async fn future_jobs_and_other_kinds_wait(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let future = t0() + Duration::hours(1);
    s.store
        .enqueue(&s.operator, job("deadline", future, None), t0())
        .await
        .expect("e");
    s.store
        .enqueue(&s.operator, job("report", t0(), None), t0())
        .await
        .expect("e");
    assert_eq!(
        s.store
            .claim_job(&["deadline"], t0(), lease())
            .await
            .expect("claim"),
        None,
        "not due yet"
    );
    assert_eq!(
        s.store
            .claim_job(&["nothing", "else"], future, lease())
            .await
            .expect("claim"),
        None,
        "no such kind"
    );
    let due = s
        .store
        .claim_job(&["deadline"], future, lease())
        .await
        .expect("claim")
        .expect("due now");
    assert_eq!(due.kind, "deadline");
    let other = s
        .store
        .claim_job(&["report", "deadline"], future, lease())
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(other.kind, "report");
}

pub async fn an_expired_lease_is_claimed_again(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let id = s
        .store
        .enqueue(&s.operator, job("k", t0(), None), t0())
        .await
        .expect("e")
        .expect("id");
    let first = s
        .store
        .claim_job(&[], t0(), lease())
        .await
        .expect("claim")
        .expect("job");
    assert_eq!(first.id, id);
    let during = t0() + Duration::minutes(4);
    assert_eq!(
        s.store
            .claim_job(&[], during, lease())
            .await
            .expect("claim"),
        None,
        "leased"
    );
    let after = t0() + Duration::minutes(6);
    let again = s
        .store
        .claim_job(&[], after, lease())
        .await
        .expect("claim")
        .expect("reclaimed");
    assert_eq!(again.id, id);
    assert_eq!(again.attempts, 1, "claimed once before");
    s.store.complete_job(id, after).await.expect("complete");
}

pub async fn failed_jobs_retry_then_die(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let id = s
        .store
        .enqueue(&s.operator, job("flaky", t0(), None), t0())
        .await
        .expect("e")
        .expect("id");
    let claimed = s
        .store
        .claim_job(&[], t0(), lease())
        .await
        .expect("claim")
        .expect("job");
    let retry_at = t0() + Duration::minutes(10);
    s.store
        .fail_job(claimed.id, "upstream timed out", Some(retry_at), t0())
        .await
        .expect("fail");
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            queued: 1,
            ..JobCounts::default()
        }
    );
    assert_eq!(
        s.store
            .claim_job(&[], t0() + Duration::minutes(9), lease())
            .await
            .expect("claim"),
        None,
        "waits"
    );
    let retried = s
        .store
        .claim_job(&[], retry_at, lease())
        .await
        .expect("claim")
        .expect("retried");
    assert_eq!(retried.id, id);
    assert_eq!(retried.attempts, 1);
    assert_eq!(retried.run_at, crate::audit::truncate_to_micros(retry_at));
    s.store
        .fail_job(id, "still down", None, retry_at)
        .await
        .expect("fail");
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            dead: 1,
            ..JobCounts::default()
        }
    );
    assert_eq!(
        s.store
            .claim_job(&[], t0() + Duration::days(30), lease())
            .await
            .expect("claim"),
        None,
        "dead stays dead"
    );
}

pub async fn finishing_an_unknown_or_finished_job_is_refused(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let unknown = JobId::new();
    assert!(matches!(
        s.store.complete_job(unknown, t0()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store.fail_job(unknown, "x", None, t0()).await,
        Err(StoreError::NotFound { .. })
    ));
    let id = s
        .store
        .enqueue(&s.operator, job("k", t0(), None), t0())
        .await
        .expect("e")
        .expect("id");
    assert!(
        matches!(
            s.store.complete_job(id, t0()).await,
            Err(StoreError::Conflict(_))
        ),
        "never claimed"
    );
    s.store
        .claim_job(&[], t0(), lease())
        .await
        .expect("claim")
        .expect("job");
    s.store.complete_job(id, t0()).await.expect("complete");
    assert!(
        matches!(
            s.store.complete_job(id, t0()).await,
            Err(StoreError::Conflict(_))
        ),
        "already done"
    );
    assert!(matches!(
        s.store.fail_job(id, "late", None, t0()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            done: 1,
            ..JobCounts::default()
        }
    );
}

pub async fn concurrent_claimers_never_share_a_job(db: &dyn ContractDatabase) {
    const JOBS: usize = 60;
    let s = setup(db).await;
    let mut enqueued = HashSet::new();
    for i in 0..JOBS {
        let at = t0() - Duration::seconds(i64::try_from(i).unwrap_or(0));
        let id = s
            .store
            .enqueue(&s.operator, job("k", at, None), t0())
            .await
            .expect("e")
            .expect("id");
        enqueued.insert(id);
    }
    let claimers = (0..4).map(|_| {
        let store = s.store.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = store.claim_job(&["k"], t0(), lease()).await.expect("claim") {
                mine.push(job.id);
            }
            mine
        })
    });
    let mut claimed = Vec::new();
    for claimer in claimers {
        claimed.extend(claimer.await.expect("task"));
    }
    let distinct: HashSet<JobId> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), JOBS, "every job claimed exactly once");
    assert_eq!(distinct, enqueued);
    assert_eq!(
        s.store.job_counts().await.expect("counts"),
        JobCounts {
            running: JOBS as u64,
            ..JobCounts::default()
        }
    );
}
