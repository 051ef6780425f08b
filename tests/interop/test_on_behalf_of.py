"""On-behalf-of and RFC 8693 token exchange against the real binary: msal's
`ConfidentialClientApplication.acquire_token_on_behalf_of`, azure-identity's
`OnBehalfOfCredential`, and token exchange with plain `requests` POSTs. Refused when the middle
API is not entitled, when consent is withdrawn, and across tenants."""

from __future__ import annotations

import secrets
import time

import msal
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import OnBehalfOfCredential

from auth_code_person import sign_in
from device_person import PASSWORD
from ghutil import assert_entra_error, verify_jwt

REDIRECT = "http://localhost:8765/callback"
OBO = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


class Cast:
    """A user, the next API (orders), the middle API that calls it and the SPA in front."""

    def __init__(self, server, tenant_id: str, tenant: str | None = None):
        self.server = server
        self.tenant_id = tenant_id
        tag = secrets.token_hex(4)
        where = ["--tenant", tenant] if tenant else []
        self.upn = f"obo-{tag}@contoso.com"
        self.user = server.admin_json("user", "create", *where, "--user-principal-name", self.upn,
                                      "--display-name", "Obo User", "--password", PASSWORD)
        self.orders = f"api://orders-{tag}"
        server.admin_json("api", "create", *where, "--name", f"orders-{tag}", "--identifier-uri", self.orders,
                          "--scope", "Orders.Read", "--scope", "Orders.Write")
        self.middle_uri = f"api://middle-{tag}"
        self.middle = server.admin_json("api", "create", *where, "--name", f"middle-{tag}",
                                        "--identifier-uri", self.middle_uri, "--scope", "access")["appId"]
        self.middle_secret = server.admin_json("app", "credential", "add", *where,
                                               "--app", self.middle)["secretText"]
        self.spa = server.admin_json("app", "create", *where, "--name", f"spa-{tag}", "--public",
                                     "--redirect-uri", REDIRECT)["appId"]
        self.where = where

    def authority(self) -> str:
        return f"{self.server.base}/{self.tenant_id}"

    def user_token(self) -> str:
        """The user's access token for the middle API, through the SPA (msal, auth code + PKCE)."""
        app = msal.PublicClientApplication(self.spa, authority=self.authority(), instance_discovery=False)
        flow = app.initiate_auth_code_flow([f"{self.middle_uri}/access"], redirect_uri=REDIRECT,
                                           login_hint=self.upn)
        response = sign_in(flow["auth_uri"], self.upn, ca=str(self.server.ca))
        result = app.acquire_token_by_auth_code_flow(flow, response)
        assert "access_token" in result, result
        return result["access_token"]

    def consent(self, *scopes: str) -> None:
        self.server.admin("app", "consent", "grant", *self.where, "--app", self.middle, "--api", self.orders,
                          *[a for s in scopes for a in ("--scope", s)])

    def middle_app(self) -> msal.ConfidentialClientApplication:
        return msal.ConfidentialClientApplication(self.middle, client_credential=self.middle_secret,
                                                  authority=self.authority(), instance_discovery=False)


def _wait_until_known(cast: Cast) -> None:
    """A running server sees admin changes within a second: wait until the middle API's secret works."""
    deadline = time.monotonic() + 5
    while True:
        r = requests.post(cast.server.url(f"/{cast.tenant_id}/oauth2/v2.0/token"),
                          data={"grant_type": "client_credentials", "client_id": cast.middle,
                                "client_secret": cast.middle_secret, "scope": f"{cast.middle_uri}/.default"},
                          verify=str(cast.server.ca), timeout=10)
        if r.status_code == 200 or time.monotonic() > deadline:
            assert r.status_code == 200, r.text
            return
        time.sleep(0.25)


def test_msal_on_behalf_of_needs_entitlement(server, client_env, tenant_id):
    client_env.trust(server)
    _msal_on_behalf_of(server, tenant_id)


def test_msal_on_behalf_of_on_postgres(pg_server):
    _msal_on_behalf_of(pg_server, pg_server.tenant_id)


def _msal_on_behalf_of(server, tenant_id: str) -> None:
    cast = Cast(server, tenant_id)
    _wait_until_known(cast)
    assertion = cast.user_token()

    refused = cast.middle_app().acquire_token_on_behalf_of(assertion, [f"{cast.orders}/Orders.Read"])
    assert refused.get("error") == "invalid_grant", refused
    assert 65001 in refused.get("error_codes", []), refused
    assert refused.get("suberror") == "consent_required", refused

    cast.consent("Orders.Read")
    app = cast.middle_app()
    result = app.acquire_token_on_behalf_of(assertion, [f"{cast.orders}/Orders.Read"])
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=cast.orders)
    assert claims["scp"] == "Orders.Read", claims
    assert claims["oid"] == cast.user["id"] and claims["sub"] == cast.user["id"], claims
    assert claims["preferred_username"] == cast.upn, claims
    assert claims["azp"] == cast.middle and claims["idtyp"] == "user", claims
    assert "act" not in claims, claims
    # msal asks offline_access; an administrator's consent includes it, so a refresh token came.
    assert result.get("refresh_token"), sorted(result)

    # Wider than consented: refused.
    wider = app.acquire_token_on_behalf_of(assertion, [f"{cast.orders}/Orders.Write"])
    assert wider.get("error") == "invalid_grant" and wider.get("suberror") == "consent_required", wider

    # Withdrawn consent: a new request (fresh cache) is refused.
    server.admin("app", "consent", "revoke", "--app", cast.middle)
    again = cast.middle_app().acquire_token_on_behalf_of(assertion, [f"{cast.orders}/Orders.Read"])
    assert again.get("error") == "invalid_grant" and 65001 in again.get("error_codes", []), again

    # A forged assertion is AADSTS50013.
    forged = assertion[:-2] + ("AA" if not assertion.endswith("AA") else "BB")
    bad = cast.middle_app().acquire_token_on_behalf_of(forged, [f"{cast.orders}/Orders.Read"])
    assert bad.get("error") == "invalid_grant" and 50013 in bad.get("error_codes", []), bad


def test_azure_identity_on_behalf_of_credential(server, client_env, tenant_id):
    client_env.trust(server)
    cast = Cast(server, tenant_id)
    server.admin("api", "pre-authorize", "add", "--api", cast.orders, "--client", cast.middle,
                 "--scope", "Orders.Read")
    _wait_until_known(cast)
    assertion = cast.user_token()
    cred = OnBehalfOfCredential(tenant_id, cast.middle, client_secret=cast.middle_secret,
                                user_assertion=assertion, authority=server.base,
                                disable_instance_discovery=True)
    try:
        token = cred.get_token(f"{cast.orders}/.default")
    finally:
        cred.close()
    claims = verify_jwt(server, token.token, tenant_id=tenant_id, audience=cast.orders)
    assert claims["scp"] == "Orders.Read" and claims["oid"] == cast.user["id"], claims
    assert abs(token.expires_on - (time.time() + 3600)) < 120, token.expires_on

    # Not pre-authorized for Orders.Write and nobody consented: ClientAuthenticationError.
    cred = OnBehalfOfCredential(tenant_id, cast.middle, client_secret=cast.middle_secret,
                                user_assertion=assertion, authority=server.base,
                                disable_instance_discovery=True)
    try:
        try:
            cred.get_token(f"{cast.orders}/Orders.Write")
            raise AssertionError("a scope wider than pre-authorized was granted")
        except ClientAuthenticationError as e:
            assert "AADSTS65001" in str(e), str(e)
    finally:
        cred.close()


def test_on_behalf_of_never_crosses_tenants(server, client_env, tenant_id):
    client_env.trust(server)
    cast = Cast(server, tenant_id)
    cast.consent(".default")
    other_name = f"fab{secrets.token_hex(3)}"
    other_id = server.admin_json("tenant", "create", "--name", other_name)["id"]
    # The other tenant has an API of the same identifier URI, consented to call its own orders.
    theirs = server.admin_json("api", "create", "--tenant", other_name, "--name", "middle",
                               "--identifier-uri", cast.middle_uri, "--scope", "access")["appId"]
    their_secret = server.admin_json("app", "credential", "add", "--tenant", other_name, "--app", theirs)["secretText"]
    server.admin_json("api", "create", "--tenant", other_name, "--name", "orders", "--identifier-uri", cast.orders,
                      "--scope", "Orders.Read")
    server.admin("app", "consent", "grant", "--tenant", other_name, "--app", theirs, "--api", cast.orders,
                 "--scope", ".default")
    _wait_until_known(cast)
    time.sleep(1.1)
    assertion = cast.user_token()
    ours = cast.middle_app().acquire_token_on_behalf_of(assertion, [f"{cast.orders}/.default"])
    assert "access_token" in ours, ours

    app = msal.ConfidentialClientApplication(theirs, client_credential=their_secret,
                                             authority=f"{server.base}/{other_id}", instance_discovery=False)
    result = app.acquire_token_on_behalf_of(assertion, [f"{cast.orders}/.default"])
    assert result.get("error") == "invalid_grant" and 50013 in result.get("error_codes", []), result


def _post(server, tenant_id: str, data: dict) -> requests.Response:
    return requests.post(server.url(f"/{tenant_id}/oauth2/v2.0/token"), data=data, verify=str(server.ca),
                         timeout=30)


def test_rfc8693_token_exchange_with_plain_http(server, client_env, tenant_id):
    client_env.trust(server)
    cast = Cast(server, tenant_id)
    cast.consent("Orders.Read")
    worker = server.create_sp()
    _wait_until_known(cast)
    assertion = cast.user_token()
    auth = {"client_id": cast.middle, "client_secret": cast.middle_secret}

    r = _post(server, tenant_id, {**auth, "grant_type": EXCHANGE, "subject_token": assertion,
                                  "subject_token_type": ACCESS, "audience": cast.orders, "scope": "Orders.Read"})
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["issued_token_type"] == ACCESS and body["token_type"] == "Bearer", body
    assert "refresh_token" not in body, body
    claims = verify_jwt(server, body["access_token"], tenant_id=tenant_id, audience=cast.orders)
    assert claims["scp"] == "Orders.Read" and claims["oid"] == cast.user["id"], claims
    assert claims["act"]["client_id"] == cast.middle, claims

    # The worker's own token for the middle API as actor_token: the worker is the actor.
    wt = requests.post(server.url(f"/{tenant_id}/oauth2/v2.0/token"),
                       data={"grant_type": "client_credentials", "client_id": worker.app_id,
                             "client_secret": worker.secret, "scope": f"{cast.middle_uri}/.default"},
                       verify=str(server.ca), timeout=10)
    assert wt.status_code == 200, wt.text
    r = _post(server, tenant_id, {**auth, "grant_type": EXCHANGE, "subject_token": assertion,
                                  "subject_token_type": ACCESS, "actor_token": wt.json()["access_token"],
                                  "actor_token_type": ACCESS, "resource": cast.orders})
    assert r.status_code == 200, r.text
    acted = verify_jwt(server, r.json()["access_token"], tenant_id=tenant_id, audience=cast.orders)
    assert acted["act"]["client_id"] == worker.app_id, acted

    # RFC 8693 errors.
    r = _post(server, tenant_id, {**auth, "grant_type": EXCHANGE, "subject_token": assertion,
                                  "subject_token_type": ACCESS, "audience": "api://nowhere-" + secrets.token_hex(3)})
    assert_entra_error(r, code=500011, error="invalid_target")
    r = _post(server, tenant_id, {**auth, "grant_type": EXCHANGE, "subject_token": assertion,
                                  "subject_token_type": "urn:ietf:params:oauth:token-type:saml2",
                                  "audience": cast.orders})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
    r = _post(server, tenant_id, {**auth, "grant_type": EXCHANGE, "subject_token": "a.b.c",
                                  "subject_token_type": ACCESS, "audience": cast.orders})
    assert_entra_error(r, code=50013, error="invalid_grant")

    meta = requests.get(server.url(f"/{tenant_id}/v2.0/.well-known/openid-configuration"),
                        verify=str(server.ca), timeout=10).json()
    assert OBO in meta["grant_types_supported"] and EXCHANGE in meta["grant_types_supported"], meta
