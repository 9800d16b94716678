//! The key ring: bootstrap, reopening, master-key rotation, data-key rotation.

use cloudkyc_domain::{Role, TenantId};

use super::ContractDatabase;
use super::support::{key, open, setup, t0};
use crate::StoreError;
use crate::crypto::{Aad, MasterKey};

fn aad(tenant: TenantId) -> Aad<'static> {
    Aad {
        tenant,
        table: "contract",
        row: "row-1",
        column: "name",
    }
}

pub async fn the_store_names_its_backend_and_answers_ping(db: &dyn ContractDatabase) {
    let store = open(db, &MasterKey::generate()).await;
    assert!(
        ["sqlite", "postgres"].contains(&store.backend()),
        "{}",
        store.backend()
    );
    store.ping().await.expect("ping");
    assert!(format!("{store:?}").len() > 2);
}

pub async fn reopening_keeps_keys_and_data(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let created = key(&s.store, &s.operator, s.provider.id, Role::Admin, "k").await;
    let ciphertext = s
        .store
        .key_ring()
        .encrypt_str("Amara Okafor", aad(s.provider.id))
        .expect("encrypt");
    let index = s.store.key_ring().blind_index("email", "amara@example.org");

    let reopened = open(db, &s.master).await;
    assert_eq!(
        reopened.provider().await.expect("provider"),
        Some(s.provider.clone())
    );
    assert!(
        reopened
            .authenticate(created.secret.expose(), t0())
            .await
            .expect("store")
            .is_ok()
    );
    let ring = reopened.key_ring();
    assert_eq!(
        ring.decrypt_str(&ciphertext, aad(s.provider.id))
            .expect("decrypt"),
        "Amara Okafor"
    );
    assert_eq!(ring.blind_index("email", "amara@example.org"), index);
    assert_eq!(ring.active_key_id(), s.store.key_ring().active_key_id());
}

pub async fn the_wrong_master_key_fails_on_open(db: &dyn ContractDatabase) {
    let _s = setup(db).await;
    let err = db
        .open(&MasterKey::generate())
        .await
        .expect_err("wrong master key");
    assert!(matches!(err, StoreError::KeyRing(_)), "{err}");
    assert!(err.to_string().contains("master key"), "{err}");
}

pub async fn a_rotated_master_key_opens_and_the_old_one_does_not(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let ciphertext = s
        .store
        .key_ring()
        .encrypt_str("kept", aad(s.provider.id))
        .expect("encrypt");
    let new = MasterKey::generate();
    s.store.rotate_master_key(&new, t0()).await.expect("rotate");

    let err = db
        .open(&s.master)
        .await
        .expect_err("the old key no longer opens");
    assert!(matches!(err, StoreError::KeyRing(_)), "{err}");
    let reopened = open(db, &new).await;
    assert_eq!(
        reopened
            .key_ring()
            .decrypt_str(&ciphertext, aad(s.provider.id))
            .expect("decrypt"),
        "kept"
    );

    // The running store keeps working, and wraps what it adds under the new key.
    let added = s.store.add_data_key(t0()).await.expect("add");
    let after_add = open(db, &new).await;
    assert_eq!(after_add.key_ring().active_key_id(), added);
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&crate::backend::actions::MASTER_KEY_ROTATE),
        "{actions:?}"
    );
    assert!(s.store.verify_audit().await.expect("verify").intact());
}

pub async fn a_new_data_key_encrypts_and_old_ciphertexts_still_open(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = s.store.key_ring().active_key_id();
    let old = s
        .store
        .key_ring()
        .encrypt_str("old", aad(s.provider.id))
        .expect("encrypt");
    let added = s.store.add_data_key(t0()).await.expect("add");
    assert!(added > before);
    assert_eq!(
        s.store.key_ring().active_key_id(),
        before,
        "this process keeps its ring until reopened"
    );

    let reopened = open(db, &s.master).await;
    let ring = reopened.key_ring();
    assert_eq!(ring.active_key_id(), added);
    let new = ring
        .encrypt_str("new", aad(s.provider.id))
        .expect("encrypt");
    assert_eq!(
        new.get(1..5),
        Some(&added.to_be_bytes()[..]),
        "the new key id is in the ciphertext"
    );
    assert_eq!(
        ring.decrypt_str(&old, aad(s.provider.id))
            .expect("old opens"),
        "old"
    );
    assert!(
        s.store
            .key_ring()
            .decrypt_str(&new, aad(s.provider.id))
            .is_err(),
        "the old ring lacks the new key"
    );
    let again = s.store.add_data_key(t0()).await.expect("add again");
    assert_eq!(
        again,
        added + 1,
        "ids come from the database, not the process's ring"
    );
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == crate::backend::actions::DATA_KEY_ADD)
            .count(),
        2
    );
}
