//! After a retention purge, the tables it touched are vacuumed, so the dead row versions that
//! still held the shredded ciphertext are removed instead of waiting for autovacuum.

use cloudkyc_store::contract::retention::a_purge_shreds_personal_data_and_keeps_the_chain;
use cloudkyc_store::retention::PURGED_TABLES;
use sqlx::Row;

use crate::PgDatabase;

#[tokio::test]
async fn a_purge_is_followed_by_a_vacuum_of_the_tables_it_touched() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    // The contract's purge (which reclaims the space after purging), on this database.
    a_purge_shreds_personal_data_and_keeps_the_chain(&db).await;

    let mut raw = db.raw().await;
    let rows = sqlx::query(
        "SELECT relname::text AS name, vacuum_count, last_vacuum IS NOT NULL AS vacuumed \
           FROM pg_stat_user_tables WHERE relname = ANY($1)",
    )
    .bind(PURGED_TABLES.to_vec())
    .fetch_all(&mut raw)
    .await
    .expect("table statistics");
    assert_eq!(rows.len(), PURGED_TABLES.len(), "every table is there");
    for row in rows {
        let name: String = row.get("name");
        let vacuumed: bool = row.get("vacuumed");
        let count: i64 = row.get("vacuum_count");
        // Autovacuum is counted apart (`autovacuum_count`): this is the purge's own VACUUM.
        assert!(vacuumed && count >= 1, "{name} was not vacuumed");
    }
}
