//! The contract every backend passes, written once.
//!
//! A backend's integration-test binary supplies a function that makes a fresh, empty database
//! (or `None` when the backend cannot be tested here, after saying why on stderr) and expands
//! [`contract_suite!`](crate::contract_suite), which turns every check below into its own
//! `#[tokio::test]`:
//!
//! ```ignore
//! async fn fresh_database() -> Option<MyTestDatabase> { … }
//! cloudkyc_store::contract_suite!(fresh_database);
//! ```
//!
//! The checks talk to the store only through the traits, except where a property is about what
//! the database holds (secrets stored only as hashes): there [`ContractDatabase::raw_contains`]
//! searches the stored bytes.

pub mod access;
pub mod audit;
pub mod case_listing;
pub mod cases;
pub mod console_users;
pub mod customer_migration;
pub mod customer_schedule;
pub mod customer_updates;
pub mod customers;
pub mod documents;
pub mod jobs;
pub mod keyring;
pub mod keys;
pub mod lists;
pub mod measures;
pub mod ownership;
pub mod report_figures;
pub mod resellers;
pub mod retention;
pub mod screening_dispositions;
mod support;
pub mod tenants;
pub mod usage;
pub mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;

use crate::crypto::MasterKey;
use crate::{Store, StoreResult};

/// One empty database made for one test, which the test may open several times (as several
/// processes would).
#[async_trait]
pub trait ContractDatabase: Send + Sync {
    /// Opens the database with `master`, applying migrations and opening the key ring.
    async fn open(&self, master: &MasterKey) -> StoreResult<Arc<dyn Store>>;
    /// Whether `needle` occurs anywhere in what the database stored, as text or as bytes.
    async fn raw_contains(&self, needle: &str) -> bool;
}

/// Expands to one `#[tokio::test]` per contract check, grouped in modules named after the
/// check's module. `$database` names an `async fn() -> Option<impl ContractDatabase>` visible
/// where the macro is invoked.
#[macro_export]
macro_rules! contract_suite {
    ($database:path) => {
        $crate::contract_suite!(@expand $database;
            tenants {
                the_provider_is_created_once,
                concurrent_ensure_provider_makes_one_provider,
                children_form_a_subtree,
                a_child_sees_neither_its_parent_nor_its_siblings,
                an_ancestor_sees_its_descendants,
                a_provider_cannot_be_created_below_another_tenant,
            }
            keys {
                keys_are_created_listed_and_revoked,
                a_presented_key_becomes_its_scope,
                bad_keys_are_refused_for_the_right_reason,
                expiry_is_checked_at_the_given_time,
                another_tenants_key_is_not_found,
                secrets_are_stored_only_as_hashes,
            }
            audit {
                every_write_appends_one_event,
                events_record_the_acting_key,
                events_are_read_per_tenant_in_pages,
                chains_verify_across_many_writes,
                refused_writes_append_nothing,
            }
            jobs {
                enqueue_dedupes_waiting_jobs,
                many_jobs_are_enqueued_together_and_deduped,
                a_large_batch_of_jobs_is_deduped_across_statements,
                a_queued_key_dedupes_only_jobs_that_have_not_started,
                a_job_is_claimed_once_in_order,
                future_jobs_and_other_kinds_wait,
                an_expired_lease_is_claimed_again,
                failed_jobs_retry_then_die,
                finishing_an_unknown_or_finished_job_is_refused,
                concurrent_claimers_never_share_a_job,
            }
            customers {
                customers_are_created_once_per_idempotency_key_with_one_event,
                customers_are_scoped_to_the_tenant_subtree,
                customers_are_listed_newest_first_in_pages,
                customers_are_found_by_blind_index_and_account,
                personal_data_is_never_stored_in_plaintext,
                batches_replay_keys_within_and_across_batches,
                a_refused_customer_leaves_the_rest_of_its_batch_alone,
                concurrent_batches_chain_one_event_per_customer,
            }
            customer_migration {
                a_customer_moves_whole_and_opens_under_the_parent,
                a_collision_in_the_target_refuses_the_move_and_writes_nothing,
                only_an_ancestor_in_scope_is_a_target,
            }
            customer_schedule {
                customers_are_due_by_tier_cutoff_and_pending_age,
                changes_move_the_schedule,
            }
            customer_updates {
                a_change_replaces_the_decision_with_one_event_and_its_jobs,
                a_stale_change_is_refused_and_writes_nothing,
                changes_are_scoped_and_accounts_stay_unique,
                a_four_eyes_request_is_decided_by_another_actor,
                vendor_event_ids_are_recorded_once,
            }
            keyring {
                the_store_names_its_backend_and_answers_ping,
                reopening_keeps_keys_and_data,
                the_wrong_master_key_fails_on_open,
                a_rotated_master_key_opens_and_the_old_one_does_not,
                a_new_data_key_encrypts_and_old_ciphertexts_still_open,
            }
            access {
                access_batches_are_idempotent_with_one_audit_event,
                a_batch_larger_than_one_statement_commits_whole,
                summaries_count_addresses_countries_and_times,
                tenants_do_not_share_access_events,
                account_holders_are_the_tenants_customers,
                jobs_are_enqueued_with_the_batch,
                purges_remove_stale_accounts_with_an_audit_event,
                addresses_are_never_stored_in_plaintext,
            }
            usage {
                usage_batches_are_idempotent_on_the_record_id,
                one_audit_event_per_batch_with_the_accepted_ids,
                tenants_do_not_share_records,
                changes_past_a_cursor_are_read_without_named_writes,
            }
            documents {
                documents_are_stored_once_per_hash_with_their_events,
                documents_are_scoped_to_the_customers_tenant,
                document_bytes_are_never_stored_in_plaintext,
            }
            lists {
                snapshots_are_stored_once_per_hash_and_one_is_in_force,
                failed_attempts_keep_the_snapshot_in_force,
                only_the_provider_writes_lists_and_everyone_reads_them,
            }
            console_users {
                users_are_created_once_per_email_and_scoped,
                failures_lock_the_user_and_a_session_resets_the_count,
                sessions_are_touched_and_closed_once,
                access_changes_are_scoped_audited_and_end_sessions,
            }
            screening_dispositions {
                dispositions_are_recorded_replaced_and_audited,
                dispositions_are_scoped_to_the_customers_tenant,
            }
            ownership {
                structures_are_replaced_whole_with_versions_and_events,
                structures_are_scoped_to_the_customers_tenant,
                structures_are_never_stored_in_plaintext,
                structures_are_paged_by_customer_within_scope,
                a_structure_is_written_with_its_customer_change_or_not_at_all,
            }
            retention {
                customers_expire_by_closure_and_last_access,
                a_held_customer_is_never_purged,
                a_purge_shreds_personal_data_and_keeps_the_chain,
            }
            report_figures {
                figures_are_counted_per_status_within_scope_and_period,
                reports_are_kept_with_their_digest_and_disclosures_are_logged,
            }
            measures {
                measures_are_created_read_and_changed_with_events,
                actions_are_kept_once_per_customer_and_lifted,
            }
            resellers {
                resellers_are_registered_with_their_tenant_and_events,
                resellers_are_visible_only_to_the_registering_subtree,
                changes_are_audited_guarded_and_sealed,
                the_legal_entity_link_is_stored_with_its_event,
            }
            cases {
                cases_are_opened_once_per_dedupe_key_with_events,
                transitions_are_saved_whole_and_stale_ones_refused,
                case_text_and_attachments_are_sealed,
            }
            case_listing {
                cases_are_scoped_filtered_and_counted,
                concurrent_raises_and_transitions_make_one_change,
            }
            webhooks {
                webhooks_are_created_listed_and_deleted_with_events,
                deliveries_fan_out_to_the_tenant_and_its_ancestors_once,
            }
        );
    };
    (@expand $database:path; $($module:ident { $($check:ident),* $(,)? })*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use super::*;
                $(
                    #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $check() {
                        if let Some(database) = $database().await {
                            $crate::contract::$module::$check(&database).await;
                        }
                    }
                )*
            }
        )*
    };
}
