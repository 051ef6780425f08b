//! The client verbs (`gatehouse login`, `account`, `logout`) against the real binary: a service
//! principal's login with subscription discovery on the ARM door, a user's device-code login
//! driven through the device page, az's output shapes, the token cache and its silent refresh,
//! and the private config folder.

mod client_helpers;
mod common;
mod device_helpers;

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use client_helpers::*;
use common::*;
use device_helpers::*;
use serde_json::{json, Value};

#[tokio::test]
async fn service_principal_login_lists_the_first_subscription_as_az_prints_accounts() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let subscription = s.first_start.clone().unwrap().subscription_id;
    let c = Client::new();
    let printed = c.login_sp(&s, &app, &secret);
    let accounts = printed.as_array().unwrap();
    assert_eq!(accounts.len(), 1, "{printed}");
    let a = &accounts[0];
    assert_eq!(
        keys(a),
        [
            "cloudName",
            "homeTenantId",
            "id",
            "isDefault",
            "managedByTenants",
            "name",
            "state",
            "tenantId",
            "user"
        ]
    );
    assert_eq!(a["id"], subscription.as_str());
    assert_eq!(a["name"], "Default subscription");
    assert_eq!((&a["tenantId"], &a["homeTenantId"]), (&json!(tenant), &json!(tenant)));
    assert_eq!((&a["isDefault"], &a["state"]), (&json!(true), &json!("Enabled")));
    assert_eq!(a["user"], json!({"name": app, "type": "servicePrincipal"}));
    assert_eq!(a["cloudName"], "Gatehouse");

    // account list and show read what login stored (the server could be gone).
    assert_eq!(c.json(&["account", "list"]), printed);
    let shown = c.json(&["account", "show"]);
    assert_eq!(
        shown["environmentName"], "Gatehouse",
        "az's show prints environmentName"
    );
    assert_eq!(shown["id"], subscription.as_str());
    let tsv = c.stdout(&["account", "list", "--output", "tsv"]);
    let cells: Vec<&str> = tsv.trim_end_matches('\n').split('\t').collect();
    assert_eq!(
        cells,
        [
            "Gatehouse",
            tenant.as_str(),
            subscription.as_str(),
            "True",
            "0",
            "Default subscription",
            "Enabled",
            tenant.as_str(),
            ""
        ],
        "knack's TSV: values by sorted key"
    );
    let table = c.stdout(&["-o", "table", "account", "list"]);
    assert!(
        table.contains("Default subscription") && table.contains("isDefault"),
        "{table}"
    );

    // The folder and its files are private; the secret is only in the token cache.
    assert_eq!(mode(&c.config), 0o700);
    assert_eq!(mode(&c.file("profile.json")), 0o600);
    assert_eq!(mode(&c.file("tokens.json")), 0o600);
    let names: Vec<String> = std::fs::read_dir(&c.config)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary or lock file is left: {names:?}");
    assert!(!std::fs::read_to_string(c.file("profile.json"))
        .unwrap()
        .contains(&secret));
    assert_eq!(c.tokens()["identities"][0]["clientSecret"], secret.as_str());
}

#[tokio::test]
async fn get_access_token_prints_azs_fields_in_json_and_tsv_from_the_cache() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let subscription = s.first_start.clone().unwrap().subscription_id;
    let mut c = Client::new();
    c.login_sp(&s, &app, &secret);

    let t = c.json(&["account", "get-access-token"]);
    assert_eq!(
        keys(&t),
        [
            "accessToken",
            "expiresOn",
            "expires_on",
            "subscription",
            "tenant",
            "tokenType"
        ]
    );
    assert_eq!(
        (&t["subscription"], &t["tenant"]),
        (&json!(subscription), &json!(tenant))
    );
    assert_eq!(t["tokenType"], "Bearer");
    let expires_on = t["expires_on"].as_i64().expect("expires_on is an epoch integer");
    assert!((now() + 3000..=now() + 3700).contains(&expires_on), "{expires_on}");
    assert_eq!(
        t["expiresOn"],
        utc_text(expires_on),
        "expiresOn in local time (TZ=UTC here)"
    );
    let token = t["accessToken"].as_str().unwrap();
    let claims = verify(&s, &tenant, token, ARM).await;
    assert_eq!((&claims["aud"], &claims["tid"]), (&json!(ARM), &json!(tenant)));
    assert_eq!(claims["azp"], app.as_str());
    let groups = s
        .client()
        .get(format!(
            "{}/subscriptions/{subscription}/resourcegroups?api-version=2021-04-01",
            s.base_url
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.status(), 200, "the token works on the ARM door");
    assert_eq!(
        token,
        c.tokens()["identities"][0]["accessTokens"][0]["accessToken"],
        "the token login got for ARM is the cached one"
    );

    // TSV: one line, az's fields in sorted-key order; the same cached token.
    let tsv = c.stdout(&["account", "get-access-token", "--output", "tsv"]);
    let cells: Vec<&str> = tsv.trim_end_matches('\n').split('\t').collect();
    let expires_text = utc_text(expires_on);
    let expires_epoch = expires_on.to_string();
    assert_eq!(
        cells,
        [
            token,
            expires_text.as_str(),
            expires_epoch.as_str(),
            subscription.as_str(),
            tenant.as_str(),
            "Bearer"
        ]
    );
    assert_eq!(tsv.lines().count(), 1);

    // Another time zone shifts expiresOn, not expires_on.
    c.tz = "GHT-2";
    let shifted = c.json(&["account", "get-access-token"]);
    assert_eq!(shifted["expires_on"], expires_on);
    assert_eq!(shifted["expiresOn"], utc_text(expires_on + 7200));
    c.tz = "UTC";

    // A lock left by a process that is gone (a pid above Linux's pid_max) does not block.
    let lock = c.file(".lock");
    std::fs::write(&lock, "4194305").unwrap();
    std::fs::set_permissions(&lock, std::fs::Permissions::from_mode(0o600)).unwrap();
    let started = std::time::Instant::now();
    c.json(&["account", "get-access-token"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(!lock.exists());

    // Another resource: its own token, cached beside the first.
    let dc = c.json(&[
        "account",
        "get-access-token",
        "--resource",
        "https://apps.azureiotcentral.com",
    ]);
    let claims = verify(
        &s,
        &tenant,
        dc["accessToken"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;
    assert_eq!(claims["tid"], tenant.as_str());
    assert_eq!(c.tokens()["identities"][0]["accessTokens"].as_array().unwrap().len(), 2);
    let scoped = c.json(&[
        "account",
        "get-access-token",
        "--scope",
        "https://apps.azureiotcentral.com/.default",
    ]);
    assert_eq!(
        scoped["accessToken"], dc["accessToken"],
        "--scope R/.default is --resource R"
    );

    // --query FIELD, --tenant (no subscription field, as az).
    let only = c.stdout(&["account", "get-access-token", "--query", "accessToken", "-o", "tsv"]);
    assert_eq!(only, format!("{token}\n"));
    let by_tenant = c.json(&["account", "get-access-token", "--tenant", &tenant]);
    assert_eq!(
        keys(&by_tenant),
        ["accessToken", "expiresOn", "expires_on", "tenant", "tokenType"]
    );
    let by_name = c.json(&["account", "get-access-token", "--tenant", "default"]);
    assert_eq!(
        by_name["tenant"],
        tenant.as_str(),
        "the tenant's name given to login works too"
    );
    let e = c.fails(&["account", "get-access-token", "--tenant", "other"]);
    assert!(e.contains("gatehouse login --tenant other"), "{e}");

    // An expired cached token: the service principal signs in again by itself.
    let mut cache = c.tokens();
    for t in cache["identities"][0]["accessTokens"].as_array_mut().unwrap() {
        t["expiresOn"] = json!(now() + 60);
    }
    c.set_tokens(&cache);
    let fresh = c.json(&["account", "get-access-token"]);
    assert_ne!(
        fresh["accessToken"], t["accessToken"],
        "under five minutes left counts as expired"
    );
    verify(&s, &tenant, fresh["accessToken"].as_str().unwrap(), ARM).await;
    assert_eq!(mode(&c.file("tokens.json")), 0o600, "rewritten files stay private");
}

#[tokio::test]
async fn account_set_and_show_choose_among_subscriptions() {
    let s = start();
    let (tenant, app, secret) = first(&s);
    let first_sub = s.first_start.clone().unwrap().subscription_id;
    let second = s.admin(&["subscription", "create", "--name", "Second", "--owner", &app]);
    let second_id = second["subscriptionId"]
        .as_str()
        .or(second["id"].as_str())
        .unwrap()
        .trim_start_matches("/subscriptions/")
        .to_owned();
    let c = Client::new();
    let printed = c.login_sp(&s, &app, &secret);
    assert_eq!(printed.as_array().unwrap().len(), 2, "{printed}");
    let defaults = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["isDefault"] == true)
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(defaults(&printed).len(), 1);

    c.stdout(&["account", "set", "--subscription", "second"]);
    let shown = c.json(&["account", "show"]);
    assert_eq!((&shown["id"], &shown["name"]), (&json!(second_id), &json!("Second")));
    assert_eq!(defaults(&c.json(&["account", "list"])), vec![second_id.clone()]);
    let t = c.json(&["account", "get-access-token"]);
    assert_eq!(t["subscription"], second_id.as_str());
    let t = c.json(&["account", "get-access-token", "--subscription", &first_sub]);
    assert_eq!((&t["subscription"], &t["tenant"]), (&json!(first_sub), &json!(tenant)));

    c.stdout(&["account", "set", "-s", &first_sub]);
    assert_eq!(c.json(&["account", "show"])["id"], first_sub.as_str());
    assert_eq!(
        c.json(&["account", "show", "--subscription", "Second"])["id"],
        second_id.as_str()
    );
    let e = c.fails(&["account", "set", "--subscription", "nope"]);
    assert!(
        e.contains("'nope' was not found") && e.contains("gatehouse account list"),
        "{e}"
    );

    // A second login keeps the chosen default.
    c.login_sp(&s, &app, &secret);
    assert_eq!(c.json(&["account", "show"])["id"], first_sub.as_str());
    assert_eq!(c.json(&["account", "list"]).as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_declined_device_sign_in_says_so_and_stores_nothing() {
    let s = start();
    user(&s, "ada@contoso.com");
    let c = Client::new();
    let (out, err) = device_login_run(&s, &c, "ada@contoso.com", false).await;
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("declined") && err.contains("gatehouse login --tenant default --use-device-code"),
        "{err}"
    );
    assert!(!c.file("tokens.json").exists());
}

#[tokio::test]
async fn a_user_signs_in_with_a_device_code_and_is_refreshed_silently() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let ada = user(&s, "ada@contoso.com");
    let sub = s.admin(&[
        "subscription",
        "create",
        "--name",
        "Ada's",
        "--owner",
        "ada@contoso.com",
    ]);
    let sub_id = sub["subscriptionId"]
        .as_str()
        .or(sub["id"].as_str())
        .unwrap()
        .to_owned();
    let c = Client::new();
    let printed = device_login_cli(&s, &c, "ada@contoso.com").await;
    let accounts = printed.as_array().unwrap();
    assert_eq!(accounts.len(), 1, "ada sees only the subscription she owns: {printed}");
    assert_eq!(accounts[0]["id"], sub_id.trim_start_matches("/subscriptions/"));
    assert_eq!(accounts[0]["user"], json!({"name": "ada@contoso.com", "type": "user"}));
    assert_eq!(accounts[0]["tenantId"], tenant.as_str());

    let t = c.json(&["account", "get-access-token"]);
    let claims = verify(&s, &tenant, t["accessToken"].as_str().unwrap(), ARM).await;
    assert_eq!((&claims["oid"], &claims["tid"]), (&ada["id"], &json!(tenant)));
    assert_eq!((&claims["idtyp"], &claims["azp"]), (&json!("user"), &json!(AZURE_CLI)));
    let first_refresh = c.tokens()["identities"][0]["refreshToken"].as_str().unwrap().to_owned();

    // The cached token is made expired: the refresh token gets a new one, and its successor is kept.
    let mut cache = c.tokens();
    cache["identities"][0]["accessTokens"][0]["expiresOn"] = json!(now() - 10);
    c.set_tokens(&cache);
    let fresh = c.json(&["account", "get-access-token"]);
    assert_ne!(fresh["accessToken"], t["accessToken"]);
    let claims = verify(&s, &tenant, fresh["accessToken"].as_str().unwrap(), ARM).await;
    assert_eq!(claims["oid"], ada["id"]);
    let rotated = c.tokens()["identities"][0]["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(rotated, first_refresh, "the rotated refresh token is stored");

    // Parallel callers with an expired cache: one refreshes under the lock, the others take its
    // token from the cache, so the refresh token is never presented twice (which would revoke
    // the family).
    let mut cache = c.tokens();
    cache["identities"][0]["accessTokens"][0]["expiresOn"] = json!(now() - 10);
    c.set_tokens(&cache);
    let children: Vec<_> = (0..4)
        .map(|_| {
            c.cmd(&["account", "get-access-token", "--query", "accessToken", "-o", "tsv"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let got: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    assert!(got.windows(2).all(|w| w[0] == w[1]), "one refresh, shared: {got:?}");
    assert_ne!(got[0].trim(), fresh["accessToken"]);
    assert_ne!(
        c.tokens()["identities"][0]["refreshToken"],
        rotated.as_str(),
        "rotated once more"
    );
    c.json(&[
        "account",
        "get-access-token",
        "--resource",
        "https://apps.azureiotcentral.com",
    ]);
    let (st, _, b) = post_form(
        &s,
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", AZURE_CLI),
            ("refresh_token", &first_refresh),
        ],
    )
    .await;
    assert_eq!(
        (st, b["error"].as_str()),
        (400, Some("invalid_grant")),
        "the old one is spent: {b}"
    );
    // (Presenting the spent token revoked the family: the stored one no longer refreshes either.)
    let mut cache = c.tokens();
    cache["identities"][0]["accessTokens"] = json!([]);
    c.set_tokens(&cache);
    let e = c.fails(&["account", "get-access-token"]);
    assert!(
        e.contains("gatehouse login --tenant") && e.contains("--use-device-code"),
        "{e}"
    );

    // A fresh login, then another resource through the refresh token.
    device_login_cli(&s, &c, "ada@contoso.com").await;
    let dc = c.json(&[
        "account",
        "get-access-token",
        "--resource",
        "https://apps.azureiotcentral.com",
    ]);
    let claims = verify(
        &s,
        &tenant,
        dc["accessToken"].as_str().unwrap(),
        "https://apps.azureiotcentral.com",
    )
    .await;
    assert_eq!(claims["oid"], ada["id"]);

    // logout forgets the account and its tokens.
    c.stdout(&["logout"]);
    let e = c.fails(&["account", "show"]);
    assert!(e.contains("gatehouse login"), "{e}");
    assert_eq!(c.tokens()["identities"], json!([]));
}

#[tokio::test]
async fn an_identity_without_subscriptions_gets_a_tenant_level_account() {
    let s = start();
    let (tenant, _, _) = first(&s);
    let sp = s.admin(&["sp", "create-for-rbac", "-n", "lonely"]);
    let c = Client::new();
    let printed = c.login_sp(&s, sp["appId"].as_str().unwrap(), sp["password"].as_str().unwrap());
    let a = &printed[0];
    assert_eq!(printed.as_array().unwrap().len(), 1);
    assert_eq!(
        keys(a),
        ["cloudName", "id", "isDefault", "name", "state", "tenantId", "user"]
    );
    assert_eq!((&a["id"], &a["tenantId"]), (&json!(tenant), &json!(tenant)));
    assert_eq!(a["name"], "N/A(tenant level account)");
    let t = c.json(&["account", "get-access-token"]);
    assert_eq!(
        t["subscription"],
        tenant.as_str(),
        "az prints the tenant as a tenant-level account's subscription"
    );
}

#[tokio::test]
async fn a_wrong_secret_says_what_to_do_and_stores_nothing() {
    let s = start();
    let (_, app, _) = first(&s);
    let c = Client::new();
    let ca = s.ca_file();
    let e = c.fails(&[
        "login",
        "--service-principal",
        "-u",
        &app,
        "-p",
        "not-the-secret",
        "--server",
        &s.base_url,
        "--ca-file",
        ca.to_str().unwrap(),
    ]);
    assert!(e.contains("AADSTS7000215"), "{e}");
    assert!(e.contains(&format!("gatehouse app credential add --app {app}")), "{e}");
    assert!(!c.file("tokens.json").exists() && !c.file("profile.json").exists());
    let e = c.fails(&["login", "--service-principal", "-u", &app, "--server", &s.base_url]);
    assert!(e.contains("GATEHOUSE_CLIENT_SECRET"), "no secret: {e}");
    let e = c.fails(&["login", "-u", &app, "-p", "x", "--server", &s.base_url]);
    assert!(e.contains("--service-principal"), "{e}");
}

#[test]
fn before_login_the_verbs_say_to_log_in() {
    let c = Client::new();
    for verb in [
        &["account", "show"][..],
        &["account", "get-access-token"],
        &["logout"],
        &["account", "set", "-s", "x"],
    ] {
        let e = c.fails(verb);
        assert!(e.contains("gatehouse login"), "{verb:?}: {e}");
    }
    let out = c.run(&["account", "list"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    assert!(String::from_utf8_lossy(&out.stderr).contains("gatehouse login"));
}

#[test]
fn an_unreachable_or_untrusted_server_is_named_with_the_flag_to_check() {
    let c = Client::new();
    let e = c.fails(&[
        "login",
        "--service-principal",
        "-u",
        "a",
        "-p",
        "b",
        "--server",
        "https://127.0.0.1:1",
    ]);
    assert!(e.contains("https://127.0.0.1:1") && e.contains("--server"), "{e}");
    let e = c.fails(&[
        "login",
        "--service-principal",
        "-u",
        "a",
        "-p",
        "b",
        "--server",
        "http://127.0.0.1:8443",
    ]);
    assert!(e.contains("https://"), "{e}");
}

#[tokio::test]
async fn a_server_certificate_outside_the_ca_file_is_refused() {
    let s = start();
    let (_, app, secret) = first(&s);
    let c = Client::new();
    let other = tempfile::tempdir().unwrap();
    // The data folder's CA is the default trust; without it (and --ca-file) the system's roots
    // do not know the local CA.
    let data_dir = s.data_dir.to_str().unwrap().to_owned();
    let out = c
        .cmd(&[
            "login",
            "--service-principal",
            "-u",
            &app,
            "--server",
            &s.base_url,
            "--data-dir",
            &data_dir,
        ])
        .env("GATEHOUSE_CLIENT_SECRET", &secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = c
        .cmd(&[
            "login",
            "--service-principal",
            "-u",
            &app,
            "--server",
            &s.base_url,
            "--data-dir",
            other.path().to_str().unwrap(),
        ])
        .env("GATEHOUSE_CLIENT_SECRET", &secret)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(e.contains("--ca-file"), "{e}");
    assert_eq!(e.lines().count(), 1, "one line saying what to do, no verifier log: {e}");
}

#[test]
fn a_config_folder_open_to_others_is_refused_with_its_chmod() {
    let c = Client::new();
    std::fs::create_dir_all(&c.config).unwrap();
    std::fs::write(c.file("profile.json"), r#"{"subscriptions":[]}"#).unwrap();
    std::fs::set_permissions(c.file("profile.json"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&c.config, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = c.fails(&["account", "list"]);
    let dir = c.config.display().to_string();
    assert!(
        e.contains(&format!("chmod 700 {dir} && chmod 600 {dir}/profile.json")),
        "{e}"
    );
    assert!(e.contains("GATEHOUSE_ALLOW_INSECURE_PERMISSIONS"), "{e}");
    let out = c
        .cmd(&["account", "list"])
        .env("GATEHOUSE_ALLOW_INSECURE_PERMISSIONS", "true")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn every_client_verb_has_help_with_an_example() {
    let c = Client::new();
    for verb in [
        &["login"][..],
        &["logout"],
        &["account", "list"],
        &["account", "set"],
        &["account", "show"],
        &["account", "get-access-token"],
    ] {
        let mut args = verb.to_vec();
        args.push("--help");
        let text = c.stdout(&args);
        assert!(text.contains("Example"), "{verb:?} --help has no example:\n{text}");
    }
}
