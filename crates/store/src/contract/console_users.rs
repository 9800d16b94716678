//! Console users and sessions: unique emails, scoped creation and listing, the lockout count
//! kept atomically, sessions found by their token hash and revoked, an admin's disable, enable
//! and unlock, and every change audited.

use chrono::Duration;
use cloudkyc_domain::Role;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::audit::truncate_to_micros;
use crate::console_users::{AccessChange, Lockout, NewConsoleUser};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const TOKEN_HASH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn new_user(tenant: cloudkyc_domain::TenantId, email: &str) -> NewConsoleUser {
    NewConsoleUser {
        tenant,
        email: email.to_owned(),
        role: Role::Officer,
        password_hash: HASH.to_owned(),
    }
}

async fn actions(s: &super::support::Setup, tenant: cloudkyc_domain::TenantId) -> Vec<String> {
    s.store
        .audit_events(&s.operator, tenant, 0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub async fn users_are_created_once_per_email_and_scoped(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let ada = s
        .store
        .create_console_user(&whole, new_user(s.provider.id, "ada@example.org"), t0())
        .await
        .expect("created");
    assert_eq!((ada.failed_attempts, ada.locked_until), (0, None));
    let taken = s
        .store
        .create_console_user(&whole, new_user(a.id, "ada@example.org"), t0())
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    s.store
        .create_console_user(&whole, new_user(a.id, "bo@example.org"), t0())
        .await
        .expect("reseller user");
    // A reseller's scope neither sees the provider's users nor creates users there.
    let scope_a = scope_of(&s.store, a.id).await;
    let seen: Vec<String> = s
        .store
        .console_users(&scope_a)
        .await
        .expect("list")
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert_eq!(seen, vec!["bo@example.org".to_owned()]);
    let outside = s
        .store
        .create_console_user(&scope_a, new_user(s.provider.id, "cy@example.org"), t0())
        .await;
    assert!(
        matches!(outside, Err(StoreError::NotFound { .. })),
        "{outside:?}"
    );
    assert_eq!(s.store.console_users(&whole).await.expect("list").len(), 2);
    let found = s
        .store
        .console_user_for_sign_in("ada@example.org")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.user, ada);
    assert_eq!(found.password_hash, HASH);
    assert!(
        s.store
            .console_user_for_sign_in("nobody@example.org")
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        actions(&s, s.provider.id)
            .await
            .contains(&"console_user.create".to_owned())
    );
}

pub async fn failures_lock_the_user_and_a_session_resets_the_count(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let ada = s
        .store
        .create_console_user(
            &s.operator,
            new_user(s.provider.id, "ada@example.org"),
            t0(),
        )
        .await
        .expect("created");
    let lockout = Lockout {
        lock_after: 3,
        lock_until: t0() + Duration::minutes(15),
    };
    let first = s
        .store
        .record_console_sign_in_failure(ada.id, lockout, t0())
        .await
        .expect("fail");
    assert_eq!(first.failed_attempts, 1);
    s.store
        .record_console_sign_in_failure(ada.id, lockout, t0())
        .await
        .expect("fail");
    let locked = s
        .store
        .record_console_sign_in_failure(ada.id, lockout, t0())
        .await
        .expect("fail");
    assert_eq!(
        locked.locked_until,
        Some(truncate_to_micros(t0() + Duration::minutes(15)))
    );
    assert!(locked.is_locked(t0()) && !locked.is_locked(t0() + Duration::minutes(16)));
    assert_eq!(
        locked.failed_attempts, 0,
        "the count starts again after a lockout"
    );
    let failure = s
        .store
        .record_console_sign_in_failure(ada.id, lockout, t0())
        .await
        .expect("fail");
    assert_eq!(failure.failed_attempts, 1);
    let session = s
        .store
        .open_console_session(ada.id, TOKEN_HASH, t0() + Duration::hours(12), t0())
        .await
        .expect("session");
    assert_eq!(session.tenant, s.provider.id);
    let (found, user) = s
        .store
        .console_session(TOKEN_HASH)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found, session);
    assert_eq!(
        user.failed_attempts, 0,
        "a successful sign-in resets the count"
    );
    let a = actions(&s, s.provider.id).await;
    for action in [
        "console.sign_in_failed",
        "console.lockout",
        "console.sign_in",
    ] {
        assert!(
            a.contains(&action.to_owned()),
            "{action} missing from {a:?}"
        );
    }
}

pub async fn sessions_are_touched_and_closed_once(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let ada = s
        .store
        .create_console_user(
            &s.operator,
            new_user(s.provider.id, "ada@example.org"),
            t0(),
        )
        .await
        .expect("created");
    let session = s
        .store
        .open_console_session(ada.id, TOKEN_HASH, t0() + Duration::hours(12), t0())
        .await
        .expect("session");
    s.store
        .touch_console_session(session.id, t0() + Duration::minutes(5))
        .await
        .expect("touch");
    let (touched, _) = s
        .store
        .console_session(TOKEN_HASH)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        touched.last_seen_at,
        truncate_to_micros(t0() + Duration::minutes(5))
    );
    s.store
        .close_console_session(session.id, t0() + Duration::minutes(6))
        .await
        .expect("close");
    s.store
        .close_console_session(session.id, t0() + Duration::minutes(7))
        .await
        .expect("again");
    let (closed, _) = s
        .store
        .console_session(TOKEN_HASH)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        closed.revoked_at,
        Some(truncate_to_micros(t0() + Duration::minutes(6)))
    );
    let outs = actions(&s, s.provider.id)
        .await
        .into_iter()
        .filter(|a| a == "console.sign_out")
        .count();
    assert_eq!(outs, 1, "closing twice is audited once");
    assert!(
        s.store
            .console_session(&"b".repeat(64))
            .await
            .expect("lookup")
            .is_none()
    );
}

pub async fn access_changes_are_scoped_audited_and_end_sessions(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let ada = s
        .store
        .create_console_user(&whole, new_user(s.provider.id, "ada@example.org"), t0())
        .await
        .expect("created");
    let session = s
        .store
        .open_console_session(ada.id, TOKEN_HASH, t0() + Duration::hours(12), t0())
        .await
        .expect("session");
    // Another tenant's scope cannot touch the provider's user.
    let scope_a = scope_of(&s.store, a.id).await;
    let outside = s
        .store
        .change_console_user_access(&scope_a, ada.id, AccessChange::Disable, t0())
        .await;
    assert!(
        matches!(outside, Err(StoreError::NotFound { .. })),
        "{outside:?}"
    );
    let later = t0() + Duration::minutes(1);
    let disabled = s
        .store
        .change_console_user_access(&whole, ada.id, AccessChange::Disable, later)
        .await
        .expect("disable");
    assert_eq!(disabled.disabled_at, Some(truncate_to_micros(later)));
    let (revoked, user) = s
        .store
        .console_session(TOKEN_HASH)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(revoked.id, session.id);
    assert_eq!(
        revoked.revoked_at,
        Some(truncate_to_micros(later)),
        "disabling ends the user's sessions"
    );
    assert_eq!(user, disabled);
    let twice = s
        .store
        .change_console_user_access(&whole, ada.id, AccessChange::Disable, later)
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let enabled = s
        .store
        .change_console_user_access(&whole, ada.id, AccessChange::Enable, later)
        .await
        .expect("enable");
    assert_eq!(enabled.disabled_at, None);
    // Unlocking: refused while nothing is locked, then clears a lockout.
    let not_locked = s
        .store
        .change_console_user_access(&whole, ada.id, AccessChange::Unlock, later)
        .await;
    assert!(
        matches!(not_locked, Err(StoreError::Conflict(_))),
        "{not_locked:?}"
    );
    let lockout = Lockout {
        lock_after: 1,
        lock_until: later + Duration::minutes(15),
    };
    let locked = s
        .store
        .record_console_sign_in_failure(ada.id, lockout, later)
        .await
        .expect("fail");
    assert!(locked.is_locked(later));
    let unlocked = s
        .store
        .change_console_user_access(&whole, ada.id, AccessChange::Unlock, later)
        .await
        .expect("unlock");
    assert!(!unlocked.is_locked(later));
    let stored = s
        .store
        .console_user_for_sign_in("ada@example.org")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(stored.user, unlocked, "the change is stored");
    let a = actions(&s, s.provider.id).await;
    for action in [
        "console_user.disable",
        "console_user.enable",
        "console_user.unlock",
    ] {
        assert_eq!(
            a.iter().filter(|x| *x == action).count(),
            1,
            "{action} in {a:?}"
        );
    }
}
