//! The Azure Resource Manager door in-process (`oneshot`): tokens come from the token endpoint
//! of the same router (client credentials for ARM), and every request is authorized against
//! role assignments. Covers: subscriptions seen only with a role, Reader lists but cannot
//! write, Owner creates/gets/HEADs/deletes groups (202 + Location + Retry-After, then 200),
//! assignments (409 `RoleAssignmentExists`, filters, delete), role definitions by name, custom
//! roles, another tenant's token (401 `InvalidAuthenticationTokenTenant`), a Graph token
//! (401), `api-version` rules, case-insensitive paths, paging, and bad input in ARM's shape.

mod pages;

use axum::http::{header, Request, StatusCode};
use gatehouse_core::admin::rbac::NewAssignment;
use gatehouse_core::admin::tenants::NewTenant;
use gatehouse_core::model::{RbacScope, Subscription, Tenant};
use gatehouse_core::rbac::builtin;
use gatehouse_keys::Algorithm;
use pages::{send_with, Answer, Fixture};
use serde_json::{json, Value};

const ARM: &str = "https://management.azure.com/.default";
const V_RG: &str = "api-version=2024-11-01";
const V_RA: &str = "api-version=2022-04-01";
const V_RD: &str = "api-version=2022-05-01-preview";

struct Principal {
    client_id: String,
    secret: String,
    object_id: String,
}

async fn principal(f: &Fixture, tenant: &Tenant, name: &str) -> Principal {
    let (app, sp, secret) = pages::confidential_app(f, tenant, name).await;
    Principal {
        client_id: app.app_id,
        secret,
        object_id: sp.id,
    }
}

async fn token(f: &Fixture, tenant: &str, p: &Principal, scope: &str) -> String {
    pages::client_token(f, tenant, &p.client_id, &p.secret, scope).await
}

async fn assign(f: &Fixture, tenant: &Tenant, scope: RbacScope, role: &str, who: &str) {
    f.admin
        .create_role_assignment(
            tenant,
            NewAssignment {
                id: uuid::Uuid::new_v4().to_string(),
                scope,
                role_definition_id: role.into(),
                principal_id: who.into(),
                principal_type: None,
                description: None,
                created_by: None,
            },
        )
        .await
        .unwrap();
}

async fn call(f: &Fixture, method: &str, uri: &str, bearer: &str, body: Option<Value>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    if !bearer.is_empty() {
        req = req.header(header::AUTHORIZATION, format!("Bearer {bearer}"));
    }
    let text = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            v.to_string()
        }
        None => String::new(),
    };
    send_with(&f.router, req, &text).await
}

fn body(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", a.body))
}

/// An ARM error: `{"error":{"code","message"}}` and nothing else, with the status.
fn arm_error(a: &Answer, status: StatusCode, code: &str) -> String {
    assert_eq!(a.status, status, "{}", a.body);
    let v = body(a);
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    assert_eq!(v["error"].as_object().unwrap().len(), 2, "code and message only: {v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    v["error"]["message"].as_str().unwrap().to_owned()
}

/// contoso with a subscription and three principals: an Owner, a Reader, and one with no role.
struct World {
    f: Fixture,
    sub: Subscription,
    owner: String,
    reader: String,
    nobody: String,
    nobody_id: String,
    contributor: Principal,
}

async fn world() -> World {
    let f = Fixture::new().await;
    let t = f.tenant.clone();
    let sub = f.admin.create_subscription(&t, "Production", None).await.unwrap();
    let owner = principal(&f, &t, "owner").await;
    let reader = principal(&f, &t, "reader").await;
    let nobody = principal(&f, &t, "nobody").await;
    let contributor = principal(&f, &t, "contributor").await;
    assign(
        &f,
        &t,
        RbacScope::subscription(&sub.id),
        builtin::OWNER,
        &owner.object_id,
    )
    .await;
    assign(
        &f,
        &t,
        RbacScope::subscription(&sub.id),
        builtin::READER,
        &reader.object_id,
    )
    .await;
    World {
        owner: token(&f, "contoso", &owner, ARM).await,
        reader: token(&f, "contoso", &reader, ARM).await,
        nobody: token(&f, "contoso", &nobody, ARM).await,
        nobody_id: nobody.object_id,
        contributor,
        sub,
        f,
    }
}

#[tokio::test]
async fn subscriptions_are_listed_only_for_principals_with_a_role() {
    let w = world().await;
    let list = call(&w.f, "GET", "/subscriptions?api-version=2022-12-01", &w.reader, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let v = body(&list);
    assert_eq!(v["value"].as_array().unwrap().len(), 1, "{v}");
    let s = &v["value"][0];
    assert_eq!(s["subscriptionId"], w.sub.id.as_str());
    assert_eq!(s["id"], format!("/subscriptions/{}", w.sub.id));
    assert_eq!(s["tenantId"], w.f.tenant.id.as_str());
    assert_eq!(s["state"], "Enabled");
    assert_eq!(s["displayName"], "Production");

    let none = call(&w.f, "GET", "/subscriptions?api-version=2022-12-01", &w.nobody, None).await;
    assert_eq!(body(&none)["value"], json!([]), "no role, no subscription");
    let one = call(
        &w.f,
        "GET",
        &format!("/subscriptions/{}?api-version=2022-12-01", w.sub.id),
        &w.nobody,
        None,
    )
    .await;
    arm_error(&one, StatusCode::FORBIDDEN, "AuthorizationFailed");

    let tenants = call(&w.f, "GET", "/tenants?api-version=2022-12-01", &w.nobody, None).await;
    assert_eq!(body(&tenants)["value"][0]["tenantId"], w.f.tenant.id.as_str());
}

#[tokio::test]
async fn an_owner_manages_groups_and_a_reader_lists_but_cannot_write() {
    let w = world().await;
    let base = format!("/subscriptions/{}/resourcegroups", w.sub.id);
    let put = call(
        &w.f,
        "PUT",
        &format!("{base}/Web-Prod?{V_RG}"),
        &w.owner,
        Some(json!({"location": "West Europe", "tags": {"env": "prod"}})),
    )
    .await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let v = body(&put);
    assert_eq!(v["id"], format!("/subscriptions/{}/resourceGroups/Web-Prod", w.sub.id));
    assert_eq!(v["name"], "Web-Prod");
    assert_eq!(v["location"], "westeurope");
    assert_eq!(v["tags"], json!({"env": "prod"}));
    assert_eq!(v["properties"]["provisioningState"], "Succeeded");
    // Again, with what a GET returned (read-only fields included): an update, 200.
    let again = call(
        &w.f,
        "PUT",
        &format!("{base}/web-prod?{V_RG}"),
        &w.owner,
        Some(v.clone()),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(body(&again)["name"], "Web-Prod", "the name keeps its first case");

    // The reader lists and reads (paths and keywords in any case), and cannot write.
    let list = call(
        &w.f,
        "GET",
        &format!("/SUBSCRIPTIONS/{}/resourceGroups?{V_RG}", w.sub.id),
        &w.reader,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(body(&list)["value"][0]["name"], "Web-Prod");
    let denied = call(
        &w.f,
        "PUT",
        &format!("{base}/other?{V_RG}"),
        &w.reader,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    let msg = arm_error(&denied, StatusCode::FORBIDDEN, "AuthorizationFailed");
    assert!(
        msg.contains("does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/write' over scope")
            && msg.contains(&format!("/subscriptions/{}/resourceGroups/other", w.sub.id)),
        "{msg}"
    );
    let denied = call(&w.f, "DELETE", &format!("{base}/Web-Prod?{V_RG}"), &w.reader, None).await;
    arm_error(&denied, StatusCode::FORBIDDEN, "AuthorizationFailed");
    // No role at all: 403, not a list.
    let nobody = call(&w.f, "GET", &format!("{base}?{V_RG}"), &w.nobody, None).await;
    arm_error(&nobody, StatusCode::FORBIDDEN, "AuthorizationFailed");

    // HEAD: 204 / 404 without a body.
    let head = call(&w.f, "HEAD", &format!("{base}/WEB-PROD?{V_RG}"), &w.reader, None).await;
    assert_eq!(head.status, StatusCode::NO_CONTENT);
    let head = call(&w.f, "HEAD", &format!("{base}/missing?{V_RG}"), &w.reader, None).await;
    assert_eq!(head.status, StatusCode::NOT_FOUND);
    assert!(head.body.is_empty());
    let missing = call(&w.f, "GET", &format!("{base}/missing?{V_RG}"), &w.reader, None).await;
    let msg = arm_error(&missing, StatusCode::NOT_FOUND, "ResourceGroupNotFound");
    assert_eq!(msg, "Resource group 'missing' could not be found.");

    // PATCH changes tags; delete is 202 with Location and Retry-After, and its operation is done.
    let patch = call(
        &w.f,
        "PATCH",
        &format!("{base}/Web-Prod?{V_RG}"),
        &w.owner,
        Some(json!({"tags": {"team": "a"}})),
    )
    .await;
    assert_eq!(body(&patch)["tags"], json!({"team": "a"}), "{}", patch.body);
    let del = call(&w.f, "DELETE", &format!("{base}/Web-Prod?{V_RG}"), &w.owner, None).await;
    assert_eq!(del.status, StatusCode::ACCEPTED, "{}", del.body);
    let retry: u64 = del.header("retry-after").parse().unwrap();
    assert!(retry > 0);
    let location = del.header("location").to_owned();
    let path = location
        .strip_prefix("https://127.0.0.1:8443")
        .expect("an absolute Location on this server");
    let op = call(&w.f, "GET", path, &w.owner, None).await;
    assert_eq!(op.status, StatusCode::OK, "{}", op.body);
    let gone = call(&w.f, "GET", &format!("{base}/Web-Prod?{V_RG}"), &w.owner, None).await;
    arm_error(&gone, StatusCode::NOT_FOUND, "ResourceGroupNotFound");
    let del = call(&w.f, "DELETE", &format!("{base}/Web-Prod?{V_RG}"), &w.owner, None).await;
    arm_error(&del, StatusCode::NOT_FOUND, "ResourceGroupNotFound");
}

/// Follows `nextLink` from `first` (a path) as the reader: the group names in order, and how many
/// pages there were.
async fn walk_pages(w: &World, first: &str) -> (Vec<String>, usize) {
    let (mut names, mut pages) = (Vec::new(), 0);
    let mut next = Some(format!("https://127.0.0.1:8443{first}"));
    while let Some(url) = next {
        let path = url
            .strip_prefix("https://127.0.0.1:8443")
            .expect("an absolute nextLink on this server");
        let a = call(&w.f, "GET", path, &w.reader, None).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let v = body(&a);
        names.extend(
            v["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["name"].as_str().unwrap().to_owned()),
        );
        next = v["nextLink"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages < 10, "paging must end: {v}");
    }
    (names, pages)
}

#[tokio::test]
async fn resource_groups_page_with_an_absolute_next_link() {
    let w = world().await;
    let base = format!("/subscriptions/{}/resourcegroups", w.sub.id);
    for i in 0..5 {
        let tags = if i % 2 == 1 {
            json!({"team": "a"})
        } else {
            json!({"team": "b"})
        };
        let a = call(
            &w.f,
            "PUT",
            &format!("{base}/rg-{i}?{V_RG}"),
            &w.owner,
            Some(json!({"location": "westeurope", "tags": tags})),
        )
        .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    }
    let (names, pages) = walk_pages(&w, &format!("{base}?{V_RG}&%24top=2")).await;
    assert_eq!(names, ["rg-0", "rg-1", "rg-2", "rg-3", "rg-4"]);
    assert_eq!(pages, 3);

    // `az group list --tag team=a`: the filter holds across pages.
    let (names, _) = walk_pages(
        &w,
        &format!("{base}?{V_RG}&%24top=1&%24filter=tagName%20eq%20%27team%27%20and%20tagValue%20eq%20%27a%27"),
    )
    .await;
    assert_eq!(names, ["rg-1", "rg-3"]);
    let a = call(
        &w.f,
        "GET",
        &format!("{base}?{V_RG}&%24filter=location%20eq%20%27x%27"),
        &w.reader,
        None,
    )
    .await;
    arm_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn role_assignments_grant_reach_groups_and_refuse_duplicates() {
    let w = world().await;
    let sub = &w.sub.id;
    let scope = format!("/subscriptions/{sub}");
    let contributor_def = format!(
        "{scope}/providers/Microsoft.Authorization/roleDefinitions/{}",
        builtin::CONTRIBUTOR
    );
    // Role definitions by name, as `az role assignment create --role Contributor` looks it up.
    let defs = call(
        &w.f,
        "GET",
        &format!("{scope}/providers/Microsoft.Authorization/roleDefinitions?%24filter=roleName%20eq%20%27Contributor%27&{V_RD}"),
        &w.reader,
        None,
    )
    .await;
    let v = body(&defs);
    assert_eq!(v["value"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["value"][0]["id"], contributor_def.as_str());
    assert_eq!(v["value"][0]["properties"]["type"], "BuiltInRole");

    let id = uuid::Uuid::new_v4().to_string();
    let uri = format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{id}?{V_RA}");
    let put_body = json!({"properties": {"roleDefinitionId": contributor_def, "principalId": w.contributor.object_id, "principalType": "ServicePrincipal"}});
    // A reader cannot grant access.
    let denied = call(&w.f, "PUT", &uri, &w.reader, Some(put_body.clone())).await;
    arm_error(&denied, StatusCode::FORBIDDEN, "AuthorizationFailed");
    let put = call(&w.f, "PUT", &uri, &w.owner, Some(put_body.clone())).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let v = body(&put);
    assert_eq!(
        v["id"],
        format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{id}")
    );
    assert_eq!(v["properties"]["scope"], scope.as_str());
    assert_eq!(v["properties"]["principalType"], "ServicePrincipal");
    // The same assignment again is not an error; the same grant under another name is 409.
    let again = call(&w.f, "PUT", &uri, &w.owner, Some(put_body.clone())).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let other = format!(
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{}?{V_RA}",
        uuid::Uuid::new_v4()
    );
    let dup = call(&w.f, "PUT", &other, &w.owner, Some(put_body)).await;
    arm_error(&dup, StatusCode::CONFLICT, "RoleAssignmentExists");

    // The contributor now writes groups (inherited from the subscription) but cannot grant.
    let ctoken = token(&w.f, "contoso", &w.contributor, ARM).await;
    let rg = call(
        &w.f,
        "PUT",
        &format!("{scope}/resourceGroups/team?{V_RG}"),
        &ctoken,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    assert_eq!(rg.status, StatusCode::CREATED, "{}", rg.body);
    let grant = json!({"properties": {"roleDefinitionId": contributor_def, "principalId": w.nobody_id}});
    let denied = call(&w.f, "PUT", &other, &ctoken, Some(grant.clone())).await;
    let msg = arm_error(&denied, StatusCode::FORBIDDEN, "AuthorizationFailed");
    assert!(msg.contains("Microsoft.Authorization/roleAssignments/write"), "{msg}");

    // An assignment at the group's scope reaches that group only.
    let rg_scope = format!("{scope}/resourceGroups/team");
    let rg_assignment = format!(
        "{rg_scope}/providers/Microsoft.Authorization/roleAssignments/{}?{V_RA}",
        uuid::Uuid::new_v4()
    );
    let put = call(&w.f, "PUT", &rg_assignment, &w.owner, Some(grant)).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let nobody = call(&w.f, "GET", &format!("{rg_scope}?{V_RG}"), &w.nobody, None).await;
    assert_eq!(nobody.status, StatusCode::OK, "{}", nobody.body);
    let other_rg = call(
        &w.f,
        "PUT",
        &format!("{scope}/resourceGroups/elsewhere?{V_RG}"),
        &w.nobody,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    arm_error(&other_rg, StatusCode::FORBIDDEN, "AuthorizationFailed");
    // The subscription is now listed for them, and a group list shows only their group.
    let list = call(&w.f, "GET", &format!("{scope}/resourcegroups?{V_RG}"), &w.nobody, None).await;
    assert_eq!(body(&list)["value"].as_array().unwrap().len(), 1, "{}", list.body);

    // Filters: atScope() at the subscription leaves out the group's assignment.
    let list =
        |filter: &str| format!("{scope}/providers/Microsoft.Authorization/roleAssignments?%24filter={filter}&{V_RA}");
    let at = body(&call(&w.f, "GET", &list("atScope()"), &w.reader, None).await);
    assert_eq!(
        at["value"].as_array().unwrap().len(),
        3,
        "owner, reader, contributor: {at}"
    );
    let mine = body(
        &call(
            &w.f,
            "GET",
            &list(&format!("principalId%20eq%20%27{}%27", w.nobody_id)),
            &w.reader,
            None,
        )
        .await,
    );
    assert_eq!(mine["value"].as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine["value"][0]["properties"]["scope"], rg_scope.as_str());

    // Delete: 200 with what was removed, then 204.
    let del = call(&w.f, "DELETE", &uri, &w.owner, None).await;
    assert_eq!(del.status, StatusCode::OK, "{}", del.body);
    assert_eq!(body(&del)["name"], id.as_str());
    let del = call(&w.f, "DELETE", &uri, &w.owner, None).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let rg = call(
        &w.f,
        "PUT",
        &format!("{scope}/resourceGroups/team2?{V_RG}"),
        &ctoken,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    arm_error(&rg, StatusCode::FORBIDDEN, "AuthorizationFailed");
}

#[tokio::test]
async fn unknown_principals_and_roles_are_refused_in_arm_terms() {
    let w = world().await;
    let scope = format!("/subscriptions/{}", w.sub.id);
    let uri = format!(
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{}?{V_RA}",
        uuid::Uuid::new_v4()
    );
    let ghost = uuid::Uuid::new_v4().to_string();
    let a = call(&w.f, "PUT", &uri, &w.owner, Some(json!({"properties": {"roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{}", builtin::READER), "principalId": ghost}}))).await;
    arm_error(&a, StatusCode::BAD_REQUEST, "PrincipalNotFound");
    let a = call(&w.f, "PUT", &uri, &w.owner, Some(json!({"properties": {"roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{ghost}"), "principalId": w.nobody_id}}))).await;
    arm_error(&a, StatusCode::BAD_REQUEST, "RoleDefinitionDoesNotExist");
    let a = call(&w.f, "PUT", &uri, &w.owner, Some(json!({"properties": {"roleDefinitionId": builtin::READER, "principalId": w.nobody_id, "principalType": "User"}}))).await;
    arm_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn custom_roles_are_defined_assigned_and_enforced() {
    let w = world().await;
    let scope = format!("/subscriptions/{}", w.sub.id);
    let role_id = uuid::Uuid::new_v4().to_string();
    let def = json!({"properties": {
        "roleName": "Group Reader Writer",
        "description": "reads and writes groups, never deletes",
        "type": "CustomRole",
        "permissions": [{"actions": ["Microsoft.Resources/subscriptions/resourceGroups/*"], "notActions": ["*/delete"]}],
        "assignableScopes": [scope],
    }});
    let uri = format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_id}?{V_RD}");
    let put = call(&w.f, "PUT", &uri, &w.owner, Some(def.clone())).await;
    assert_eq!(put.status, StatusCode::CREATED, "{}", put.body);
    let found = call(&w.f, "GET", &format!("{scope}/providers/Microsoft.Authorization/roleDefinitions?%24filter=roleName%20eq%20%27group%20reader%20writer%27&{V_RD}"), &w.reader, None).await;
    assert_eq!(
        body(&found)["value"][0]["properties"]["type"],
        "CustomRole",
        "{}",
        found.body
    );
    // A custom role may not take a built-in role's name.
    let mut clash = def.clone();
    clash["properties"]["roleName"] = json!("Owner");
    let a = call(
        &w.f,
        "PUT",
        &format!(
            "{scope}/providers/Microsoft.Authorization/roleDefinitions/{}?{V_RD}",
            uuid::Uuid::new_v4()
        ),
        &w.owner,
        Some(clash),
    )
    .await;
    arm_error(&a, StatusCode::CONFLICT, "RoleDefinitionWithSameNameExists");

    let grant = format!(
        "{scope}/providers/Microsoft.Authorization/roleAssignments/{}?{V_RA}",
        uuid::Uuid::new_v4()
    );
    let a = call(&w.f, "PUT", &grant, &w.owner, Some(json!({"properties": {"roleDefinitionId": format!("{scope}/providers/Microsoft.Authorization/roleDefinitions/{role_id}"), "principalId": w.nobody_id}}))).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let rg = call(
        &w.f,
        "PUT",
        &format!("{scope}/resourceGroups/custom?{V_RG}"),
        &w.nobody,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    assert_eq!(rg.status, StatusCode::CREATED, "{}", rg.body);
    let del = call(
        &w.f,
        "DELETE",
        &format!("{scope}/resourceGroups/custom?{V_RG}"),
        &w.nobody,
        None,
    )
    .await;
    arm_error(&del, StatusCode::FORBIDDEN, "AuthorizationFailed");
    // In use: cannot be deleted.
    let a = call(&w.f, "DELETE", &uri, &w.owner, None).await;
    arm_error(&a, StatusCode::CONFLICT, "RoleDefinitionHasAssignments");
}

#[tokio::test]
async fn tokens_of_another_tenant_or_for_another_api_are_refused() {
    let w = world().await;
    let fabrikam =
        w.f.admin
            .create_tenant(NewTenant {
                name: "fabrikam".into(),
                display_name: None,
                signing_alg: Algorithm::ES256,
                token_lifetime_seconds: None,
            })
            .await
            .unwrap();
    let outsider = principal(&w.f, &fabrikam, "outsider").await;
    let foreign = token(&w.f, "fabrikam", &outsider, ARM).await;
    let base = format!("/subscriptions/{}", w.sub.id);
    let kept = call(
        &w.f,
        "PUT",
        &format!("{base}/resourcegroups/kept?{V_RG}"),
        &w.owner,
        Some(json!({"location": "westeurope"})),
    )
    .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.body);
    let assignments = |who: &str| format!("{who}/providers/Microsoft.Authorization/roleAssignments");
    let definitions = format!("{base}/providers/Microsoft.Authorization/roleDefinitions");
    let before = body(&call(&w.f, "GET", &format!("{}?{V_RA}", assignments(&base)), &w.owner, None).await);
    let an_id = uuid::Uuid::new_v4();
    let grant = json!({"properties": {"roleDefinitionId": format!("{definitions}/{}", builtin::OWNER), "principalId": w.nobody_id}});
    // Every route family of the door, read and write, with a valid token of another tenant.
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("{base}?api-version=2022-12-01"), None),
        ("GET", format!("{base}/resourcegroups?{V_RG}"), None),
        ("GET", format!("{base}/resourcegroups/kept?{V_RG}"), None),
        (
            "PUT",
            format!("{base}/resourcegroups/x?{V_RG}"),
            Some(json!({"location": "westeurope"})),
        ),
        (
            "PATCH",
            format!("{base}/resourcegroups/kept?{V_RG}"),
            Some(json!({"tags": {"owned": "no"}})),
        ),
        ("DELETE", format!("{base}/resourcegroups/kept?{V_RG}"), None),
        ("GET", format!("{base}/operationresults/rgdelete-a2VwdA?{V_RG}"), None),
        ("GET", format!("{}?{V_RA}", assignments(&base)), None),
        (
            "GET",
            format!("{}?{V_RA}", assignments(&format!("{base}/resourceGroups/kept"))),
            None,
        ),
        ("PUT", format!("{}/{an_id}?{V_RA}", assignments(&base)), Some(grant)),
        ("GET", format!("{}/{an_id}?{V_RA}", assignments(&base)), None),
        ("DELETE", format!("{}/{an_id}?{V_RA}", assignments(&base)), None),
        ("GET", format!("{definitions}?{V_RD}"), None),
        ("GET", format!("{definitions}/{}?{V_RD}", builtin::READER), None),
        (
            "PUT",
            format!("{definitions}/{an_id}?{V_RD}"),
            Some(
                json!({"properties": {"roleName": "x", "permissions": [{"actions": ["*"]}], "assignableScopes": [base.clone()]}}),
            ),
        ),
        ("DELETE", format!("{definitions}/{an_id}?{V_RD}"), None),
    ];
    for (method, uri, sent) in routes {
        let a = call(&w.f, method, &uri, &foreign, sent).await;
        let msg = arm_error(&a, StatusCode::UNAUTHORIZED, "InvalidAuthenticationTokenTenant");
        assert!(msg.contains(&w.f.tenant.id), "{method} {uri}: {msg}");
    }
    let head = call(
        &w.f,
        "HEAD",
        &format!("{base}/resourcegroups/kept?{V_RG}"),
        &foreign,
        None,
    )
    .await;
    assert_eq!(head.status, StatusCode::UNAUTHORIZED);
    // Nothing changed.
    let still = call(
        &w.f,
        "GET",
        &format!("{base}/resourcegroups/kept?{V_RG}"),
        &w.owner,
        None,
    )
    .await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.body);
    assert!(body(&still).get("tags").is_none(), "{}", still.body);
    let after = body(&call(&w.f, "GET", &format!("{}?{V_RA}", assignments(&base)), &w.owner, None).await);
    assert_eq!(before, after);
    let list = call(&w.f, "GET", "/subscriptions?api-version=2022-12-01", &foreign, None).await;
    assert_eq!(
        body(&list)["value"],
        json!([]),
        "another tenant's subscriptions are not listed"
    );

    // A Graph token is not an ARM token; no token at all is AuthenticationFailed.
    let owner_graph = {
        let p = principal(&w.f, &w.f.tenant, "graph-caller").await;
        token(&w.f, "contoso", &p, "https://graph.microsoft.com/.default").await
    };
    let a = call(
        &w.f,
        "GET",
        &format!("{base}/resourcegroups?{V_RG}"),
        &owner_graph,
        None,
    )
    .await;
    arm_error(&a, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken");
    let a = call(&w.f, "GET", &format!("{base}/resourcegroups?{V_RG}"), "", None).await;
    arm_error(&a, StatusCode::UNAUTHORIZED, "AuthenticationFailed");
    assert!(a.headers.contains_key(header::WWW_AUTHENTICATE));
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let w = world().await;
    let base = format!("/subscriptions/{}/resourcegroups", w.sub.id);
    let a = call(&w.f, "GET", &base, &w.owner, None).await;
    let msg = arm_error(&a, StatusCode::BAD_REQUEST, "MissingApiVersionParameter");
    assert!(msg.contains("api-version"), "{msg}");
    let a = call(&w.f, "GET", &format!("{base}?api-version=1999-01-01"), &w.owner, None).await;
    let msg = arm_error(&a, StatusCode::BAD_REQUEST, "InvalidApiVersionParameter");
    assert!(
        msg.contains("2017-05-10"),
        "the message lists the supported versions: {msg}"
    );
    // Seed 001's Postman call.
    let a = call(&w.f, "GET", &format!("{base}?api-version=2017-05-10"), &w.owner, None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

#[tokio::test]
async fn bad_input_gets_arm_errors_and_never_a_500() {
    let w = world().await;
    let base = format!("/subscriptions/{}/resourcegroups", w.sub.id);
    let send = |uri: String, ct: &'static str, text: String| {
        let router = w.f.router.clone();
        let token = w.owner.clone();
        async move {
            let req = Request::put(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, ct);
            send_with(&router, req, &text).await
        }
    };
    let ok_uri = format!("{base}/fine?{V_RG}");
    let a = send(ok_uri.clone(), "application/json", "{\"location\":".into()).await;
    arm_error(&a, StatusCode::BAD_REQUEST, "InvalidRequestContent");
    let a = send(
        ok_uri.clone(),
        "application/json",
        json!({"location": "westeurope", "colour": "red"}).to_string(),
    )
    .await;
    let msg = arm_error(&a, StatusCode::BAD_REQUEST, "InvalidRequestContent");
    assert!(msg.contains("colour"), "{msg}");
    let a = send(ok_uri.clone(), "application/json", json!({"tags": {}}).to_string()).await;
    arm_error(&a, StatusCode::BAD_REQUEST, "LocationRequired");
    let a = send(
        ok_uri.clone(),
        "text/plain",
        json!({"location": "westeurope"}).to_string(),
    )
    .await;
    arm_error(&a, StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType");
    let huge = json!({"location": "westeurope", "tags": {"x": "y".repeat(70_000)}}).to_string();
    let a = send(ok_uri.clone(), "application/json", huge).await;
    arm_error(&a, StatusCode::PAYLOAD_TOO_LARGE, "RequestContentTooLarge");
    for bad in ["ends.", "has%20space", "sla%2Fsh", &"x".repeat(91), "semi%3Bcolon"] {
        let a = send(
            format!("{base}/{bad}?{V_RG}"),
            "application/json",
            json!({"location": "westeurope"}).to_string(),
        )
        .await;
        assert!(a.status.is_client_error(), "{bad}: {} {}", a.status, a.body);
        let code = body(&a)["error"]["code"].as_str().unwrap().to_owned();
        assert!(
            code == "InvalidResourceGroup" || code == "InvalidResourceType",
            "{bad}: {code}"
        );
    }
    let a = send(
        format!("{base}/fine?{V_RG}"),
        "application/json",
        json!({"location": "west europe!"}).to_string(),
    )
    .await;
    arm_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = send(
        format!("/subscriptions/not-a-guid/resourcegroups/x?{V_RG}"),
        "application/json",
        "{}".into(),
    )
    .await;
    arm_error(&a, StatusCode::BAD_REQUEST, "BadRequest");
    let a = call(&w.f, "POST", &format!("{base}/fine?{V_RG}"), &w.owner, None).await;
    arm_error(&a, StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    // Nothing was stored by any of these.
    let list = call(&w.f, "GET", &format!("{base}?{V_RG}"), &w.owner, None).await;
    assert_eq!(body(&list)["value"], json!([]));
}

#[tokio::test]
async fn metadata_endpoints_describe_this_server_for_az_cloud_register() {
    let f = Fixture::new().await;
    let a = f.get("//metadata/endpoints?api-version=2022-09-01", "").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let v = body(&a);
    assert_eq!(v["authentication"]["loginEndpoint"], "https://127.0.0.1:8443");
    assert_eq!(
        v["authentication"]["audiences"][0],
        "https://management.core.windows.net/"
    );
    assert_eq!(v["resourceManager"], "https://127.0.0.1:8443/");
    assert_eq!(v["microsoftGraphResourceId"], "https://127.0.0.1:8443/graph/");
    assert!(v["suffixes"].is_object() && v["name"].is_string());
}
