//! The storage conformance suite: the same checks against every backend. A backend is done when
//! this file passes for it. PostgreSQL must be reachable; if it is not, its half FAILS.

use std::sync::Arc;

use gatehouse_core::model::{
    AppRole, AppRoleAssignment, Application, ClientSecret, PermissionScope, ServicePrincipal, Tenant,
};
use gatehouse_core::{Store, StoreError};
use gatehouse_keys::{Algorithm, Kek, KeyRecord};

#[path = "conformance/sessions.rs"]
mod sessions;
use sessions::*;
#[path = "conformance/auth_codes.rs"]
mod auth_codes;
use auth_codes::*;
#[path = "conformance/authorized_apps.rs"]
mod authorized_apps;
use authorized_apps::*;
#[path = "conformance/sign_in_log.rs"]
mod sign_in_log;
use sign_in_log::*;
#[path = "conformance/maintenance.rs"]
mod maintenance;
use maintenance::*;
#[path = "conformance/unit_of_work.rs"]
mod unit_of_work;
use unit_of_work::*;
#[path = "conformance/changes.rs"]
mod changes;
use changes::*;
#[path = "conformance/arm.rs"]
mod arm;
use arm::*;
#[path = "conformance/certificates.rs"]
mod certificates;
use certificates::*;
#[path = "conformance/groups.rs"]
mod groups;
use groups::*;
#[path = "conformance/audit.rs"]
mod audit;
use audit::*;
#[path = "conformance/pats.rs"]
mod pats;
use pats::*;
#[path = "conformance/iotc.rs"]
mod iotc;
use iotc::*;
#[path = "conformance/keys.rs"]
mod keys;
use keys::*;
#[path = "conformance/pre_authorized.rs"]
mod pre_authorized;
use pre_authorized::*;
#[path = "conformance/formats.rs"]
mod formats;
use formats::*;

/// Keeps a backend's resources (temporary folder, scratch database) alive for one test.
#[allow(dead_code)]
enum Holder {
    Dir(tempfile::TempDir),
    Pg(gatehouse_testkit::pg::ScratchDb),
}

/// A fresh store, and a way to open the same data again (as another process would).
struct Fixture {
    store: Arc<dyn Store>,
    reopen_url: String,
    _holder: Holder,
}

impl Fixture {
    async fn reopen(&self) -> Arc<dyn Store> {
        gatehouse_store::open(&self.reopen_url)
            .await
            .expect("reopen")
            .with_actor(tester())
    }
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    Fixture {
        store: gatehouse_store::open(&url).await.unwrap().with_actor(tester()),
        reopen_url: url,
        _holder: Holder::Dir(dir),
    }
}

async fn postgres() -> Fixture {
    let db = gatehouse_testkit::pg::ScratchDb::create().await;
    let url = db.url.clone();
    Fixture {
        store: gatehouse_store::open(&url).await.unwrap().with_actor(tester()),
        reopen_url: url,
        _holder: Holder::Pg(db),
    }
}

fn tenant(name: &str) -> Tenant {
    Tenant {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        display_name: name.into(),
        signing_alg: Algorithm::RS256,
        token_lifetime_seconds: 3600,
        created_at: 1,
    }
}

fn app(tenant: &Tenant, name: &str, uris: &[&str]) -> (Application, ServicePrincipal) {
    let app_id = uuid::Uuid::new_v4().to_string();
    (
        Application {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id.clone(),
            app_id: app_id.clone(),
            display_name: name.into(),
            identifier_uris: uris.iter().map(|s| s.to_string()).collect(),
            app_roles: vec![AppRole {
                id: uuid::Uuid::new_v4().to_string(),
                value: "Read".into(),
                display_name: "Read".into(),
            }],
            oauth2_permission_scopes: vec![PermissionScope {
                id: uuid::Uuid::new_v4().to_string(),
                value: "code_manage".into(),
                implies: vec!["code_write".into()],
            }],
            public_client: false,
            redirect_uris: vec!["http://localhost/cb".into()],
            created_at: 2,
        },
        ServicePrincipal {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: tenant.id.clone(),
            app_id,
            display_name: name.into(),
            account_enabled: true,
            created_at: 2,
        },
    )
}

fn secret(app: &Application, byte: u8) -> ClientSecret {
    ClientSecret {
        key_id: uuid::Uuid::new_v4().to_string(),
        application_id: app.id.clone(),
        display_name: "s".into(),
        hint: "abc".into(),
        secret_hash: [byte; 32],
        start: 10,
        end: 20,
    }
}

async fn with_tenant(store: &dyn Store, name: &str) -> Tenant {
    let t = tenant(name);
    let (kek, _) = Kek::generate().unwrap();
    let keys: Vec<KeyRecord> = Algorithm::all()
        .iter()
        .map(|a| KeyRecord::generate(&kek, &t.id, *a, 5).unwrap().0)
        .collect();
    store.create_tenant(&t, &keys).await.unwrap();
    t
}

async fn tenants_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "alpha").await;
    assert_eq!(s.tenant_by_id(&t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(s.tenant_by_name("alpha").await.unwrap(), Some(t.clone()));
    assert_eq!(s.tenant_by_name("beta").await.unwrap(), None);
    assert!(matches!(
        s.create_tenant(&tenant("alpha"), &[]).await,
        Err(StoreError::Conflict(_))
    ));
    with_tenant(s, "beta").await;
    let names: Vec<String> = s.list_tenants().await.unwrap().into_iter().map(|t| t.name).collect();
    assert_eq!(names, vec!["alpha", "beta"]);
    let keys = s.keys_for_tenant(&t.id).await.unwrap();
    assert_eq!(keys.len(), 2, "a tenant is created with its keys in one transaction");
}

async fn keys_keep_sealed_bytes(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "k").await;
    let (kek, _) = Kek::generate().unwrap();
    let (mut rec, signer) = KeyRecord::generate(&kek, &t.id, Algorithm::ES256, 99).unwrap();
    rec.generation = 1;
    s.add_key(&rec).await.unwrap();
    let back = s
        .keys_for_tenant(&t.id)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == rec.kid)
        .unwrap();
    assert_eq!(back.sealed_private, rec.sealed_private);
    assert_eq!(
        back.load(&kek).unwrap().public_jwk(),
        gatehouse_keys::LocalSigner::public_jwk(&signer)
    );
    assert!(matches!(s.add_key(&rec).await, Err(StoreError::Conflict(_))));
}

async fn applications_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "apps").await;
    let (a, sp) = app(&t, "orders", &["api://orders", "https://orders.example/"]);
    s.create_application(&a, &sp).await.unwrap();
    assert_eq!(
        s.application_by_app_id(&t.id, &a.app_id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(s.application_by_id(&a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        s.application_by_identifier_uri(&t.id, "https://orders.example/")
            .await
            .unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        s.application_by_identifier_uri(&t.id, "api://other").await.unwrap(),
        None
    );
    assert_eq!(
        s.service_principal_by_app_id(&t.id, &a.app_id).await.unwrap(),
        Some(sp.clone())
    );
    assert_eq!(s.list_applications(&t.id).await.unwrap(), vec![a.clone()]);

    let mut changed = a.clone();
    changed.identifier_uris = vec!["api://renamed".into()];
    changed.display_name = "renamed".into();
    s.update_application(&changed).await.unwrap();
    assert_eq!(
        s.application_by_identifier_uri(&t.id, "api://orders").await.unwrap(),
        None
    );
    assert_eq!(
        s.application_by_identifier_uri(&t.id, "api://renamed").await.unwrap(),
        Some(changed)
    );
}

async fn identifier_uris_are_unique_per_tenant(f: Fixture) {
    let s = f.store.as_ref();
    let t1 = with_tenant(s, "one").await;
    let t2 = with_tenant(s, "two").await;
    let (a, sp) = app(&t1, "a", &["api://same"]);
    s.create_application(&a, &sp).await.unwrap();
    let (b, spb) = app(&t1, "b", &["api://same"]);
    assert!(matches!(
        s.create_application(&b, &spb).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.application_by_app_id(&t1.id, &b.app_id).await.unwrap(),
        None,
        "a failed create leaves nothing behind"
    );
    let (c, spc) = app(&t2, "c", &["api://same"]);
    s.create_application(&c, &spc).await.unwrap();
}

async fn secrets_and_delete_cascade(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "sec").await;
    let (a, sp) = app(&t, "worker", &["api://worker"]);
    s.create_application(&a, &sp).await.unwrap();
    let s1 = secret(&a, 1);
    let s2 = secret(&a, 2);
    s.add_secret(&t.id, &s1).await.unwrap();
    s.add_secret(&t.id, &s2).await.unwrap();
    let listed = s.list_secrets(&a.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed.contains(&s1) && listed.contains(&s2),
        "hashes come back byte for byte"
    );
    assert!(s.remove_secret(&t.id, &a.id, &s1.key_id).await.unwrap());
    assert!(!s.remove_secret(&t.id, &a.id, &s1.key_id).await.unwrap());
    assert_eq!(s.list_secrets(&a.id).await.unwrap(), vec![s2]);

    let ra = AppRoleAssignment {
        id: "r1".into(),
        tenant_id: t.id.clone(),
        principal_id: sp.id.clone(),
        resource_id: a.id.clone(),
        app_role_id: a.app_roles[0].id.clone(),
        created_at: 3,
    };
    s.add_role_assignment(&ra).await.unwrap();
    assert!(s.delete_application(&t.id, &a.app_id).await.unwrap());
    assert!(!s.delete_application(&t.id, &a.app_id).await.unwrap());
    assert_eq!(s.application_by_app_id(&t.id, &a.app_id).await.unwrap(), None);
    assert_eq!(s.service_principal_by_app_id(&t.id, &a.app_id).await.unwrap(), None);
    assert!(s.list_secrets(&a.id).await.unwrap().is_empty());
    assert!(s.role_assignments(&sp.id, &a.id).await.unwrap().is_empty());
    assert_eq!(
        s.application_by_identifier_uri(&t.id, "api://worker").await.unwrap(),
        None
    );
}

async fn role_assignments_round_trip(f: Fixture) {
    let s = f.store.as_ref();
    let t = with_tenant(s, "roles").await;
    let (api, api_sp) = app(&t, "api", &["api://api"]);
    let (client, client_sp) = app(&t, "client", &[]);
    s.create_application(&api, &api_sp).await.unwrap();
    s.create_application(&client, &client_sp).await.unwrap();
    let ra = AppRoleAssignment {
        id: "ra".into(),
        tenant_id: t.id.clone(),
        principal_id: client_sp.id.clone(),
        resource_id: api.id.clone(),
        app_role_id: api.app_roles[0].id.clone(),
        created_at: 4,
    };
    s.add_role_assignment(&ra).await.unwrap();
    let dup = AppRoleAssignment {
        id: "ra2".into(),
        ..ra.clone()
    };
    assert!(matches!(
        s.add_role_assignment(&dup).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.role_assignments(&client_sp.id, &api.id).await.unwrap(),
        vec![ra.clone()]
    );
    assert!(s.remove_role_assignment(&t.id, "ra").await.unwrap());
    assert!(s.role_assignments(&client_sp.id, &api.id).await.unwrap().is_empty());
}

async fn every_write_bumps_the_change_sequence(f: Fixture) {
    let s = f.store.as_ref();
    let mut last = s.change_seq().await.unwrap();
    let mut bumped = |now: i64, what: &str| {
        assert!(now > last, "{what} must bump the change sequence ({now} after {last})");
        last = now;
    };
    let t = with_tenant(s, "chg").await;
    bumped(s.change_seq().await.unwrap(), "create_tenant");
    let (a, sp) = app(&t, "x", &["api://x"]);
    s.create_application(&a, &sp).await.unwrap();
    bumped(s.change_seq().await.unwrap(), "create_application");
    let sec = secret(&a, 7);
    s.add_secret(&t.id, &sec).await.unwrap();
    bumped(s.change_seq().await.unwrap(), "add_secret");
    s.remove_secret(&t.id, &a.id, &sec.key_id).await.unwrap();
    bumped(s.change_seq().await.unwrap(), "remove_secret");
    s.update_application(&a).await.unwrap();
    bumped(s.change_seq().await.unwrap(), "update_application");
    s.delete_application(&t.id, &a.app_id).await.unwrap();
    bumped(s.change_seq().await.unwrap(), "delete_application");
    s.list_tenants().await.unwrap();
    assert_eq!(s.change_seq().await.unwrap(), last, "reads do not bump");
    let other = f.reopen().await;
    assert_eq!(
        other.change_seq().await.unwrap(),
        last,
        "another process sees the same sequence"
    );
}

async fn throttle_counts_windows_and_locks(f: Fixture) {
    let s = f.store.as_ref();
    assert_eq!(s.record_failure("k", 100, 500, 3).await.unwrap(), 1);
    assert_eq!(s.record_failure("k", 100, 500, 3).await.unwrap(), 2);
    assert!(s.locked_keys(150).await.unwrap().is_empty());
    assert_eq!(s.record_failure("k", 100, 500, 3).await.unwrap(), 3);
    assert_eq!(s.locked_keys(150).await.unwrap(), vec![("k".to_owned(), 500)]);
    assert!(s.locked_keys(500).await.unwrap().is_empty(), "a lock ends");
    assert_eq!(
        s.record_failure("k", 160, 600, 3).await.unwrap(),
        1,
        "a new window starts over"
    );
}

async fn concurrent_failures_all_count(f: Fixture) {
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = f.store.clone();
        tasks.push(tokio::spawn(async move {
            s.record_failure("c", 1000, 2000, 1000).await.unwrap()
        }));
    }
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap());
    }
    counts.sort();
    assert_eq!(
        counts,
        (1..=20).collect::<Vec<i64>>(),
        "every concurrent failure is counted once"
    );
}

async fn settings_first_writer_wins(f: Fixture) {
    let s = f.store.as_ref();
    assert_eq!(s.setting("a").await.unwrap(), None);
    assert_eq!(s.init_setting("a", "1").await.unwrap(), "1");
    assert_eq!(s.init_setting("a", "2").await.unwrap(), "1");
    assert_eq!(f.reopen().await.setting("a").await.unwrap(), Some("1".into()));
}

async fn data_survives_reopen(f: Fixture) {
    let t = with_tenant(f.store.as_ref(), "durable").await;
    let (a, sp) = app(&t, "d", &[]);
    f.store.create_application(&a, &sp).await.unwrap();
    f.store.add_secret(&t.id, &secret(&a, 9)).await.unwrap();
    let again = f.reopen().await;
    assert_eq!(again.tenant_by_name("durable").await.unwrap(), Some(t));
    assert_eq!(again.list_secrets(&a.id).await.unwrap().len(), 1);
}

async fn revocation_feed_is_ordered_and_expires(f: Fixture) {
    use gatehouse_core::model::RevocationKind;
    let s = f.store.as_ref();
    let caches = s.change_seq().await.unwrap();
    let a = s.revoke("t1", RevocationKind::Uti, "u1", 1000).await.unwrap();
    let b = s.revoke("t1", RevocationKind::Sid, "s1", 50).await.unwrap();
    let c = s.revoke("t2", RevocationKind::Uti, "u2", 1000).await.unwrap();
    assert!(0 < a && a < b && b < c, "sequence numbers grow");
    assert_eq!(
        s.change_seq().await.unwrap(),
        caches,
        "a revocation does not make replicas drop their caches"
    );
    let all = s.revocations_since("t1", 0, 10, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
        vec!["u1", "s1"]
    );
    assert_eq!(all[1].kind, RevocationKind::Sid);
    let after_a = s.revocations_since("t1", a, 10, 100).await.unwrap();
    assert_eq!(after_a.len(), 1);
    assert_eq!(after_a[0].seq, b);
    assert_eq!(
        s.revocations_since("t1", 0, 60, 100).await.unwrap().len(),
        1,
        "expired entries are not served"
    );
    assert_eq!(
        s.revocations_since("t1", 0, 10, 1).await.unwrap().len(),
        1,
        "limit applies"
    );
}

async fn revocation_lookup_matches_kind_value_and_tenant(f: Fixture) {
    use gatehouse_core::model::RevocationKind;
    let s = f.store.as_ref();
    s.revoke("t1", RevocationKind::Sid, "family", 1000).await.unwrap();
    s.revoke("t1", RevocationKind::Uti, "token", 1000).await.unwrap();
    assert!(s.is_revoked("t1", Some("family"), None).await.unwrap());
    assert!(s.is_revoked("t1", None, Some("token")).await.unwrap());
    assert!(s.is_revoked("t1", Some("other"), Some("token")).await.unwrap());
    assert!(
        !s.is_revoked("t1", Some("token"), Some("family")).await.unwrap(),
        "kinds do not mix"
    );
    assert!(
        !s.is_revoked("t2", Some("family"), Some("token")).await.unwrap(),
        "tenants do not mix"
    );
    assert!(!s.is_revoked("t1", None, None).await.unwrap());
}

async fn concurrent_revocations_get_distinct_ordered_numbers(f: Fixture) {
    use gatehouse_core::model::RevocationKind;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = f.store.clone();
        tasks.push(tokio::spawn(async move {
            s.revoke("t", RevocationKind::Uti, &format!("u{i}"), 1000)
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 16);
    let listed: Vec<i64> = f
        .store
        .revocations_since("t", 0, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(listed, seqs);
}

macro_rules! suite {
    ($backend:ident) => {
        mod $backend {
            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        super::$name(super::$backend().await).await;
                    }
                };
            }
            case!(tenants_round_trip);
            case!(keys_keep_sealed_bytes);
            case!(applications_round_trip);
            case!(identifier_uris_are_unique_per_tenant);
            case!(secrets_and_delete_cascade);
            case!(role_assignments_round_trip);
            case!(every_write_bumps_the_change_sequence);
            case!(throttle_counts_windows_and_locks);
            case!(concurrent_failures_all_count);
            case!(settings_first_writer_wins);
            case!(data_survives_reopen);
            case!(revocation_feed_is_ordered_and_expires);
            case!(revocation_lookup_matches_kind_value_and_tenant);
            case!(purge_removes_only_what_expired_before_the_cutoff);
            case!(revoking_tenant_consent_signs_every_user_out_of_the_client);
            case!(concurrent_revocations_get_distinct_ordered_numbers);
            case!(users_round_trip);
            case!(device_codes_move_once);
            case!(refresh_tokens_rotate_once);
            case!(parallel_refreshes_of_one_token_succeed_at_most_once);
            case!(a_family_access_token_is_superseded_per_resource);
            case!(concurrent_supersedes_publish_every_replaced_token);
            case!(auth_codes_are_redeemed_once_with_their_family);
            case!(sessions_and_consents_round_trip);
            case!(authorized_apps_list_and_revoke);
            case!(sessions_are_deleted_once);
            case!(sign_in_log_round_trip);
            case!(a_failed_unit_of_work_leaves_nothing_behind);
            case!(a_unit_of_work_dropped_while_it_begins_leaves_the_pool_usable);
            case!(concurrent_units_of_work_commit_in_order);
            case!(many_concurrent_units_of_work_agree_on_one_order);
            case!(every_cache_write_names_what_it_changed);
            case!(the_change_feed_keeps_a_bounded_window);
            case!(certificates_round_trip_beside_secrets);
            case!(token_formats_round_trip_audited_and_follow_their_api);
            case!(reference_tokens_are_found_by_hash_and_purged_when_expired);
            case!(an_assertion_id_is_used_once_per_tenant);
            case!(subscriptions_and_groups_round_trip);
            case!(rbac_assignments_are_unique_per_scope_and_follow_deletes);
            case!(custom_roles_round_trip_with_unique_names);
            case!(groups_and_transitive_membership);
            case!(directory_roles_round_trip);
            case!(service_principals_on_their_own);
            case!(every_change_is_audited_with_its_actor);
            case!(a_change_without_an_actor_does_not_happen);
            case!(a_failed_change_leaves_no_audit_entry);
            case!(sign_in_results_are_audited_as_the_person_who_tried);
            case!(audit_queries_filter_by_tenant_actor_action_and_time);
            case!(the_audit_table_refuses_updates_and_deletes);
            case!(verify_names_an_edited_entry);
            case!(verify_names_a_deleted_entry);
            case!(verify_finds_deleted_newest_entries);
            case!(verify_names_reordered_entries);
            case!(verify_names_an_inserted_entry);
            case!(pats_round_trip_page_and_filter);
            case!(pat_use_is_recorded_at_most_once_per_interval);
            case!(pats_and_entitlements_die_with_their_user);
            case!(organizations_form_a_tree_and_report_their_use);
            case!(api_tokens_round_trip_and_die_with_their_revocation);
            case!(iotc_users_are_found_by_principal_and_replaced_by_id);
            case!(iotc_custom_roles_round_trip_and_refuse_delete_while_held);
            case!(iotc_deletes_never_race_a_write_that_starts_using_what_they_delete);
            case!(a_rotation_adds_one_successor_and_schedules_the_old_keys_retirement);
            case!(two_processes_rotating_at_once_add_one_key);
            case!(pre_authorizations_round_trip_per_tenant_and_are_audited);
        }
    };
}

suite!(sqlite);
suite!(postgres);

/// The actor the suite's changes are audited as.
pub fn tester() -> gatehouse_core::model::Actor {
    gatehouse_core::model::Actor::new(
        gatehouse_core::model::ActorKind::Operator,
        "tester",
        "tester@conformance",
    )
}
