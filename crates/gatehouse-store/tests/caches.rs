//! The core's caches over each real backend: a change-feed entry drops exactly what it names
//! (a change in one tenant costs the others nothing), negative entries go when the object
//! appears, a load that read before a change never stays cached after it, and a follower that
//! fell behind the retained window drops everything once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use gatehouse_core::issuance::directory::{ChangeFollower, Directory, Followed};
use gatehouse_core::issuance::keyring::KeyRing;
use gatehouse_core::model::{AppRole, AppRoleAssignment, Application, ClientSecret, ServicePrincipal, Tenant};
use gatehouse_core::store::{AppStore, StoreResult};
use gatehouse_core::{Error, Store};
use gatehouse_keys::{Algorithm, Kek, KeyRecord};
use tokio::sync::{oneshot, Mutex};

#[allow(dead_code)]
enum Holder {
    Dir(tempfile::TempDir),
    Pg(gatehouse_testkit::pg::ScratchDb),
}

struct Fixture {
    store: Arc<dyn Store>,
    url: String,
    _holder: Holder,
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
    Fixture {
        store: gatehouse_store::open(&url).await.unwrap().with_actor(tester()),
        url,
        _holder: Holder::Dir(dir),
    }
}

async fn postgres() -> Fixture {
    let db = gatehouse_testkit::pg::ScratchDb::create().await;
    let url = db.url.clone();
    Fixture {
        store: gatehouse_store::open(&url).await.unwrap().with_actor(tester()),
        url,
        _holder: Holder::Pg(db),
    }
}

/// Reads through to the store, counting them; `list_secrets` can be held after it read.
struct Counting {
    inner: Arc<dyn Store>,
    reads: AtomicUsize,
    hold: Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
}

impl Counting {
    fn new(inner: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            reads: AtomicUsize::new(0),
            hold: Mutex::new(None),
        })
    }
    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
    fn read(&self) {
        self.reads.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl AppStore for Counting {
    async fn create_application(&self, app: &Application, sp: &ServicePrincipal) -> StoreResult<()> {
        self.inner.create_application(app, sp).await
    }
    async fn application_by_app_id(&self, tenant_id: &str, app_id: &str) -> StoreResult<Option<Application>> {
        self.read();
        self.inner.application_by_app_id(tenant_id, app_id).await
    }
    async fn application_by_id(&self, id: &str) -> StoreResult<Option<Application>> {
        self.read();
        self.inner.application_by_id(id).await
    }
    async fn application_by_identifier_uri(&self, tenant_id: &str, uri: &str) -> StoreResult<Option<Application>> {
        self.read();
        self.inner.application_by_identifier_uri(tenant_id, uri).await
    }
    async fn list_applications(&self, tenant_id: &str) -> StoreResult<Vec<Application>> {
        self.inner.list_applications(tenant_id).await
    }
    async fn update_application(&self, app: &Application) -> StoreResult<()> {
        self.inner.update_application(app).await
    }
    async fn delete_application(&self, tenant_id: &str, app_id: &str) -> StoreResult<bool> {
        self.inner.delete_application(tenant_id, app_id).await
    }
    async fn service_principal_by_app_id(
        &self,
        tenant_id: &str,
        app_id: &str,
    ) -> StoreResult<Option<ServicePrincipal>> {
        self.read();
        self.inner.service_principal_by_app_id(tenant_id, app_id).await
    }
    async fn service_principal_by_id(&self, tenant_id: &str, id: &str) -> StoreResult<Option<ServicePrincipal>> {
        self.read();
        self.inner.service_principal_by_id(tenant_id, id).await
    }
    async fn list_service_principals(&self, tenant_id: &str) -> StoreResult<Vec<ServicePrincipal>> {
        self.inner.list_service_principals(tenant_id).await
    }
    async fn create_service_principal(&self, sp: &ServicePrincipal) -> StoreResult<()> {
        self.inner.create_service_principal(sp).await
    }
    async fn delete_service_principal(&self, tenant_id: &str, id: &str) -> StoreResult<bool> {
        self.inner.delete_service_principal(tenant_id, id).await
    }
    async fn add_secret(&self, tenant_id: &str, secret: &ClientSecret) -> StoreResult<()> {
        self.inner.add_secret(tenant_id, secret).await
    }
    async fn list_secrets(&self, application_id: &str) -> StoreResult<Vec<ClientSecret>> {
        self.read();
        let read = self.inner.list_secrets(application_id).await;
        if let Some((loaded, resume)) = self.hold.lock().await.take() {
            let _ = loaded.send(());
            let _ = resume.await;
        }
        read
    }
    async fn remove_secret(&self, tenant_id: &str, application_id: &str, key_id: &str) -> StoreResult<bool> {
        self.inner.remove_secret(tenant_id, application_id, key_id).await
    }
    async fn add_role_assignment(&self, a: &AppRoleAssignment) -> StoreResult<()> {
        self.inner.add_role_assignment(a).await
    }
    async fn role_assignments(&self, principal_id: &str, resource_id: &str) -> StoreResult<Vec<AppRoleAssignment>> {
        self.read();
        self.inner.role_assignments(principal_id, resource_id).await
    }
    async fn remove_role_assignment(&self, tenant_id: &str, id: &str) -> StoreResult<bool> {
        self.inner.remove_role_assignment(tenant_id, id).await
    }
}

fn guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn tenant(s: &dyn Store, name: &str) -> Tenant {
    let t = Tenant {
        id: guid(),
        name: name.into(),
        display_name: name.into(),
        signing_alg: Algorithm::ES256,
        token_lifetime_seconds: 3600,
        created_at: 1,
    };
    let (kek, _) = Kek::generate().unwrap();
    let keys: Vec<KeyRecord> = Algorithm::all()
        .iter()
        .map(|a| KeyRecord::generate(&kek, &t.id, *a, 5).unwrap().0)
        .collect();
    s.create_tenant(&t, &keys).await.unwrap();
    t
}

fn app(t: &Tenant, uris: &[&str], roles: &[&str]) -> (Application, ServicePrincipal) {
    let app_id = guid();
    let app = Application {
        id: guid(),
        tenant_id: t.id.clone(),
        app_id: app_id.clone(),
        display_name: "app".into(),
        identifier_uris: uris.iter().map(|u| u.to_string()).collect(),
        app_roles: roles
            .iter()
            .map(|r| AppRole {
                id: guid(),
                value: r.to_string(),
                display_name: r.to_string(),
            })
            .collect(),
        oauth2_permission_scopes: vec![],
        public_client: false,
        redirect_uris: vec![],
        created_at: 2,
    };
    let sp = ServicePrincipal {
        id: guid(),
        tenant_id: t.id.clone(),
        app_id,
        display_name: "app".into(),
        account_enabled: true,
        created_at: 2,
    };
    (app, sp)
}

async fn client(s: &dyn Store, t: &Tenant) -> Application {
    let (a, sp) = app(t, &[], &[]);
    s.create_application(&a, &sp).await.unwrap();
    s.add_secret(&t.id, &secret(&a, 1)).await.unwrap();
    a
}

fn secret(a: &Application, byte: u8) -> ClientSecret {
    ClientSecret {
        key_id: guid(),
        application_id: a.id.clone(),
        display_name: "s".into(),
        hint: "abc".into(),
        secret_hash: [byte; 32],
        start: 1,
        end: i64::MAX,
    }
}

/// A directory reading through a counter, and a follower already past its first poll.
async fn directory(f: &Fixture) -> (Directory, Arc<Counting>, ChangeFollower) {
    let counting = Counting::new(f.store.clone());
    let dir = Directory::with_reads(f.store.clone(), f.store.clone(), counting.clone());
    let mut follower = ChangeFollower::new(f.store.clone());
    assert_eq!(follower.poll(|_| {}, || {}).await.unwrap(), Followed::DroppedAll);
    (dir, counting, follower)
}

async fn follow(follower: &mut ChangeFollower, dir: &Directory) -> Followed {
    follower.poll(|c| dir.apply(c), || dir.invalidate()).await.unwrap()
}

async fn a_change_in_one_tenant_costs_the_other_tenants_nothing(f: Fixture) {
    let s = f.store.as_ref();
    let (ta, tb) = (tenant(s, "a").await, tenant(s, "b").await);
    let (a1, a2, b1) = (client(s, &ta).await, client(s, &ta).await, client(s, &tb).await);
    let (dir, counting, mut follower) = directory(&f).await;
    for (t, a) in [(&ta, &a1), (&ta, &a2), (&tb, &b1)] {
        dir.client(t, &a.app_id).await.unwrap();
    }
    s.add_secret(&ta.id, &secret(&a1, 2)).await.unwrap();
    client(s, &ta).await; // a new app in tenant a
    assert!(matches!(follow(&mut follower, &dir).await, Followed::Applied(n) if n >= 3));
    assert!(!dir.holds_client(&ta.id, &a1.app_id), "the changed client is dropped");
    assert!(
        dir.holds_client(&ta.id, &a2.app_id),
        "its neighbour in the same tenant is kept"
    );
    assert!(dir.holds_client(&tb.id, &b1.app_id), "the other tenant is untouched");
    let before = counting.reads();
    dir.client(&ta, &a2.app_id).await.unwrap();
    dir.client(&tb, &b1.app_id).await.unwrap();
    assert_eq!(counting.reads(), before, "served from the cache");
    assert_eq!(
        dir.client(&ta, &a1.app_id).await.unwrap().secrets.len(),
        2,
        "reloaded with the new secret"
    );
    assert!(counting.reads() > before);
}

async fn a_negative_entry_goes_when_the_object_appears(f: Fixture) {
    let s = f.store.as_ref();
    let t = tenant(s, "neg").await;
    let (dir, counting, mut follower) = directory(&f).await;
    let (a, sp) = app(&t, &[], &[]);
    assert!(matches!(
        dir.client(&t, &a.app_id).await,
        Err(Error::ClientNotFound { .. })
    ));
    let reads = counting.reads();
    assert!(dir.client(&t, &a.app_id).await.is_err());
    assert_eq!(counting.reads(), reads, "the absence is cached");
    assert!(matches!(dir.tenant("later").await, Err(Error::TenantNotFound(_))));
    s.create_application(&a, &sp).await.unwrap();
    let later = tenant(s, "later").await;
    follow(&mut follower, &dir).await;
    // The cached entry keeps no object id of the application; the principal's id and the
    // client id name the same registration.
    let found = dir.client(&t, &a.app_id).await.unwrap();
    assert_eq!(
        (found.app.app_id.as_str(), found.sp.id.as_str()),
        (a.app_id.as_str(), sp.id.as_str())
    );
    assert_eq!(dir.tenant("later").await.unwrap().id, later.id);
}

async fn resources_and_roles_follow_their_application(f: Fixture) {
    let s = f.store.as_ref();
    let t = tenant(s, "res").await;
    let (api, api_sp) = app(&t, &["api://orders"], &["Read"]);
    s.create_application(&api, &api_sp).await.unwrap();
    let c = client(s, &t).await;
    let c_sp = s.service_principal_by_app_id(&t.id, &c.app_id).await.unwrap().unwrap();
    let (dir, _, mut follower) = directory(&f).await;
    let r = dir.resource(&t, "api://orders/").await.unwrap();
    assert_eq!(r.object_id.as_deref(), Some(api.id.as_str()));
    assert!(dir.resource(&t, "api://new").await.is_err());
    assert!(dir.roles(&c_sp.id, &r).await.unwrap().is_empty());

    let ra = AppRoleAssignment {
        id: guid(),
        tenant_id: t.id.clone(),
        principal_id: c_sp.id.clone(),
        resource_id: api.id.clone(),
        app_role_id: api.app_roles[0].id.clone(),
        created_at: 3,
    };
    s.add_role_assignment(&ra).await.unwrap();
    follow(&mut follower, &dir).await;
    assert_eq!(*dir.roles(&c_sp.id, &r).await.unwrap(), vec!["Read".to_owned()]);

    let mut moved = api.clone();
    moved.identifier_uris = vec!["api://new".into()];
    moved.app_roles[0].value = "Reader".into();
    s.update_application(&moved).await.unwrap();
    follow(&mut follower, &dir).await;
    assert!(
        dir.resource(&t, "api://orders").await.is_err(),
        "the old URI names nothing now"
    );
    let r = dir.resource(&t, "api://new").await.unwrap();
    assert_eq!(
        *dir.roles(&c_sp.id, &r).await.unwrap(),
        vec!["Reader".to_owned()],
        "renamed role value"
    );
}

async fn signing_key_changes_reload_only_that_tenants_keys(f: Fixture) {
    let s = f.store.as_ref();
    let kek = Arc::new(Kek::generate().unwrap().0);
    let (t1, t2) = (keyed_tenant(s, &kek, "k1").await, keyed_tenant(s, &kek, "k2").await);
    let ring = KeyRing::new(f.store.clone(), kek.clone(), "https://127.0.0.1:1".into());
    let mut follower = ChangeFollower::new(f.store.clone());
    follower.poll(|_| {}, || {}).await.unwrap();
    let (k1, k2) = (ring.for_tenant(&t1).await.unwrap(), ring.for_tenant(&t2).await.unwrap());
    let (mut added, _) = KeyRecord::generate(&kek, &t1.id, Algorithm::ES256, 99).unwrap();
    added.generation = 1;
    s.add_key(&added).await.unwrap();
    client(s, &t2).await; // a directory change in the other tenant
    follower.poll(|c| ring.apply(c), || ring.invalidate()).await.unwrap();
    let k1_again = ring.for_tenant(&t1).await.unwrap();
    assert!(!Arc::ptr_eq(&k1, &k1_again), "reloaded");
    assert!(String::from_utf8_lossy(&k1_again.jwks_json).contains(&added.kid));
    assert!(
        Arc::ptr_eq(&k2, &ring.for_tenant(&t2).await.unwrap()),
        "the other tenant's keys are kept"
    );
}

async fn keyed_tenant(s: &dyn Store, kek: &Kek, name: &str) -> Tenant {
    let t = Tenant {
        id: guid(),
        name: name.into(),
        display_name: name.into(),
        signing_alg: Algorithm::ES256,
        token_lifetime_seconds: 3600,
        created_at: 1,
    };
    let keys: Vec<KeyRecord> = Algorithm::all()
        .iter()
        .map(|a| KeyRecord::generate(kek, &t.id, *a, 5).unwrap().0)
        .collect();
    s.create_tenant(&t, &keys).await.unwrap();
    t
}

async fn a_load_that_read_before_a_change_does_not_stay_cached(f: Fixture) {
    let s = f.store.clone();
    let t = tenant(s.as_ref(), "race").await;
    let a = client(s.as_ref(), &t).await;
    let (dir, counting, mut follower) = directory(&f).await;
    let dir = Arc::new(dir);
    let (loaded_tx, loaded_rx) = oneshot::channel();
    let (resume_tx, resume_rx) = oneshot::channel();
    *counting.hold.lock().await = Some((loaded_tx, resume_rx));
    let (d, tt, id) = (dir.clone(), t.clone(), a.app_id.clone());
    let load = tokio::spawn(async move { d.client(&tt, &id).await.unwrap().secrets.len() });
    loaded_rx.await.unwrap(); // the load has read one secret and is held before it inserts
    s.add_secret(&t.id, &secret(&a, 2)).await.unwrap();
    follow(&mut follower, &dir).await; // the invalidation lands while the load is held
    resume_tx.send(()).unwrap();
    assert_eq!(load.await.unwrap(), 1, "the racing caller got what it read");
    assert_eq!(
        dir.client(&t, &a.app_id).await.unwrap().secrets.len(),
        2,
        "but it was not cached"
    );
}

/// The transitive groups (the `groups` claim) and the Graph `roles` follow their changes.
async fn groups_and_graph_roles_follow_their_changes(f: Fixture) {
    use gatehouse_core::model::{Group, GroupMember, MemberKind};
    let s = f.store.as_ref();
    let t = tenant(s, "grp").await;
    let c = client(s, &t).await;
    let sp = s.service_principal_by_app_id(&t.id, &c.app_id).await.unwrap().unwrap();
    let group = |name: &str| Group {
        id: guid(),
        tenant_id: t.id.clone(),
        display_name: name.into(),
        mail_nickname: name.into(),
        description: None,
        security_enabled: true,
        mail_enabled: false,
        created_at: 1,
    };
    let (inner, outer) = (group("inner"), group("outer"));
    s.create_group(&inner).await.unwrap();
    s.create_group(&outer).await.unwrap();
    let (dir, _, mut follower) = directory(&f).await;
    assert!(dir.groups(&t.id, &sp.id).await.unwrap().is_empty(), "no groups, cached");
    let graph = gatehouse_core::issuance::resources::graph();
    assert!(dir.roles(&sp.id, &graph).await.unwrap().is_empty());

    let member = |g: &Group, id: &str, kind| GroupMember {
        group_id: g.id.clone(),
        member_id: id.into(),
        kind,
        created_at: 2,
    };
    s.add_member(&t.id, &member(&inner, &sp.id, MemberKind::ServicePrincipal))
        .await
        .unwrap();
    s.add_member(&t.id, &member(&outer, &inner.id, MemberKind::Group))
        .await
        .unwrap();
    s.grant_directory_role(&t.id, &sp.id, "Directory.Read.All", 3)
        .await
        .unwrap();
    follow(&mut follower, &dir).await;
    let mut want = vec![inner.id.clone(), outer.id.clone()];
    want.sort();
    assert_eq!(*dir.groups(&t.id, &sp.id).await.unwrap(), want);
    assert_eq!(
        *dir.roles(&sp.id, &graph).await.unwrap(),
        vec!["Directory.Read.All".to_owned()]
    );

    // A change to the outer group alone reaches the member of the inner one.
    s.remove_member(&t.id, &outer.id, &inner.id).await.unwrap();
    s.revoke_directory_role(&t.id, &sp.id, "Directory.Read.All")
        .await
        .unwrap();
    follow(&mut follower, &dir).await;
    assert_eq!(*dir.groups(&t.id, &sp.id).await.unwrap(), vec![inner.id.clone()]);
    assert!(dir.roles(&sp.id, &graph).await.unwrap().is_empty());
}

async fn a_follower_that_fell_behind_drops_everything_once(f: Fixture) {
    let s = f.store.as_ref();
    let (ta, tb) = (tenant(s, "fa").await, tenant(s, "fb").await);
    let a = client(s, &ta).await;
    let (dir, _, mut follower) = directory(&f).await;
    dir.client(&ta, &a.app_id).await.unwrap();
    let small = gatehouse_store::open_with(&f.url, gatehouse_store::StoreOptions { changes_retained: 2 })
        .await
        .unwrap()
        .with_actor(tester());
    for _ in 0..3 {
        client(small.as_ref(), &tb).await;
    }
    assert_eq!(follow(&mut follower, &dir).await, Followed::DroppedAll);
    assert!(!dir.holds_client(&ta.id, &a.app_id), "everything went, once");
    assert_eq!(follow(&mut follower, &dir).await, Followed::Nothing);
    client(s, &tb).await;
    assert!(
        matches!(follow(&mut follower, &dir).await, Followed::Applied(_)),
        "then it follows again"
    );
}

/// The RBAC cache: a subscription's assignments are read once, then follow the feed; another
/// process's new assignment is seen after one poll, and one in another subscription leaves
/// the cached entry alone (same `Arc`).
async fn rbac_decisions_follow_assignments_made_elsewhere(f: Fixture) {
    use gatehouse_core::model::{PrincipalType, RbacScope, RoleAssignment, Subscription};
    use gatehouse_core::rbac::{builtin, Principal, Rbac};

    let s = f.store.as_ref();
    let t = tenant(s, "rbac-follow").await;
    let app = client(s, &t).await;
    let sp = s
        .service_principal_by_app_id(&t.id, &app.app_id)
        .await
        .unwrap()
        .unwrap();
    let sub = |name: &str| Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: t.id.clone(),
        display_name: name.into(),
        created_at: 1,
    };
    let (one, two) = (sub("one"), sub("two"));
    s.create_subscription(&one).await.unwrap();
    s.create_subscription(&two).await.unwrap();
    let rbac = Rbac::new(f.store.clone());
    let mut follower = ChangeFollower::new(f.store.clone());
    follower.poll(|_| {}, || {}).await.unwrap();
    let who = Principal {
        tenant_id: t.id.clone(),
        object_id: sp.id.clone(),
        groups: vec![],
    };
    let scope = RbacScope::subscription(&one.id);
    let before = rbac.subscription(&one.id).await.unwrap().unwrap();
    let action = builtin::action::GROUP_WRITE;
    assert!(!rbac.allows(&before, &who, action, &scope).await.unwrap());

    let grant = |sub: &Subscription| RoleAssignment {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: t.id.clone(),
        scope: RbacScope::subscription(&sub.id),
        role_definition_id: builtin::CONTRIBUTOR.into(),
        principal_id: sp.id.clone(),
        principal_type: PrincipalType::ServicePrincipal,
        description: None,
        created_by: None,
        created_at: 2,
    };
    // Another process grants in the other subscription: this one's entry stays.
    gatehouse_store::open(&f.url)
        .await
        .unwrap()
        .with_actor(tester())
        .create_rbac_assignment(&grant(&two))
        .await
        .unwrap();
    follower.poll(|c| rbac.apply(c), || rbac.invalidate()).await.unwrap();
    let same = rbac.subscription(&one.id).await.unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&before, &same),
        "a change in another subscription costs this one nothing"
    );

    // ... and in this one: seen after one poll.
    gatehouse_store::open(&f.url)
        .await
        .unwrap()
        .with_actor(tester())
        .create_rbac_assignment(&grant(&one))
        .await
        .unwrap();
    let stale = rbac.subscription(&one.id).await.unwrap().unwrap();
    assert!(
        Arc::ptr_eq(&before, &stale),
        "served from the cache until the feed says otherwise"
    );
    follower.poll(|c| rbac.apply(c), || rbac.invalidate()).await.unwrap();
    let after = rbac.subscription(&one.id).await.unwrap().unwrap();
    assert!(rbac.allows(&after, &who, action, &scope).await.unwrap());
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
            case!(a_change_in_one_tenant_costs_the_other_tenants_nothing);
            case!(rbac_decisions_follow_assignments_made_elsewhere);
            case!(a_negative_entry_goes_when_the_object_appears);
            case!(resources_and_roles_follow_their_application);
            case!(groups_and_graph_roles_follow_their_changes);
            case!(signing_key_changes_reload_only_that_tenants_keys);
            case!(a_load_that_read_before_a_change_does_not_stay_cached);
            case!(a_follower_that_fell_behind_drops_everything_once);
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
