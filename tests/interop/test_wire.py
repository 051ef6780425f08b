"""The wire itself with plain requests: v1 token endpoint, discovery documents, error shapes."""

from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import quote

import pytest
import requests

from ghutil import assert_app_token, assert_entra_error, verify_jwt

IOTC = "https://apps.azureiotcentral.com"


def form_urlencode(value: str) -> str:
    """application/x-www-form-urlencoded as oauth4webapi does it: every byte but [A-Za-z0-9] escaped."""
    return "".join(c if c.isascii() and c.isalnum() else quote(c, safe="").replace("-", "%2D")
                   .replace("_", "%5F").replace(".", "%2E").replace("~", "%7E") for c in value)


def post(server, path, data, **kwargs):
    return requests.post(server.url(path), data=data, verify=str(server.ca), timeout=30, **kwargs)


def get(server, path, **kwargs):
    return requests.get(server.url(path), verify=str(server.ca), timeout=30, **kwargs)


# -- v1 token endpoint ----------------------------------------------------------------------

def test_v1_token_has_string_valued_times_and_resource(server, sp, tenant_id):
    before = int(time.time())
    r = post(server, f"/{tenant_id}/oauth2/token", {
        "grant_type": "client_credentials", "client_id": sp.app_id, "client_secret": sp.secret,
        "resource": IOTC})
    assert r.status_code == 200, r.text
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    body = r.json()
    for key in ("expires_in", "expires_on", "not_before", "resource"):
        assert isinstance(body.get(key), str), (key, body)
    for key in ("expires_in", "expires_on", "not_before"):
        assert body[key].isdigit(), (key, body)
    assert body["resource"] == IOTC, body
    assert body["token_type"] == "Bearer", body
    assert 3500 <= int(body["expires_in"]) <= 3600, body
    assert before - 5 <= int(body["not_before"]) <= int(time.time()) + 5, body
    assert abs(int(body["expires_on"]) - (int(body["not_before"]) + int(body["expires_in"]))) <= 2, body

    claims = verify_jwt(server, body["access_token"], tenant_id=tenant_id, audience=IOTC, ver="1.0")
    assert_app_token(claims, sp, ver="1.0")
    assert abs(claims["exp"] - int(body["expires_on"])) <= 1, (claims, body)


@pytest.mark.parametrize("encoding", ["plain", "form-urlencoded"])
def test_v2_token_with_http_basic_client_auth(server, sp, tenant_id, encoding):
    # RFC 6749 section 2.3.1: client_id and secret are form-urlencoded before Basic encoding
    # (oauth4webapi does that, so "-" arrives as "%2D"); clients that skip it must work too.
    enc = (lambda v: v) if encoding == "plain" else form_urlencode
    basic = base64.b64encode(f"{enc(sp.app_id)}:{enc(sp.secret)}".encode()).decode()
    r = post(server, f"/{tenant_id}/oauth2/v2.0/token",
             {"grant_type": "client_credentials", "scope": f"{IOTC}/.default"},
             headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body["expires_in"], int), body
    assert body["token_type"] == "Bearer", body
    assert "refresh_token" not in body and "id_token" not in body, body
    claims = verify_jwt(server, body["access_token"], tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)


def test_v2_token_accepts_msal_and_cli_extras(server, sp, tenant_id):
    # What MSAL and the Azure CLI send besides the grant: client_info=1, claims with xms_cc, headers.
    r = post(server, f"/{tenant_id}/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": sp.app_id, "client_secret": sp.secret,
        "scope": f"{IOTC}/.default", "client_info": "1",
        "claims": '{"access_token":{"xms_cc":{"values":["CP1"]}}}'},
        headers={"x-client-sku": "MSAL.Python", "x-client-ver": "1.39.0",
                 "x-ms-lib-capability": "retry-after, h429", "client-request-id": str(uuid.uuid4()),
                 "X-AnchorMailbox": f"Oid:x@{tenant_id}"})
    assert r.status_code == 200, r.text
    verify_jwt(server, r.json()["access_token"], tenant_id=tenant_id, audience=IOTC)


# -- discovery ---------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["guid", "name"])
def test_v2_openid_configuration(server, tenant_id, by):
    tenant = tenant_id if by == "guid" else "default"
    r = get(server, f"/{tenant}/v2.0/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    doc = r.json()
    # The issuer and endpoints always name the tenant GUID (the Azure CLI and MSAL parse it).
    assert doc["issuer"] == f"{server.base}/{tenant_id}/v2.0", doc
    assert doc["token_endpoint"] == f"{server.base}/{tenant_id}/oauth2/v2.0/token", doc
    assert doc["authorization_endpoint"] == f"{server.base}/{tenant_id}/oauth2/v2.0/authorize", doc
    assert doc["jwks_uri"].startswith(server.base + "/"), doc
    keys = requests.get(doc["jwks_uri"], verify=str(server.ca), timeout=30).json()["keys"]
    algs = {k["alg"] for k in keys}
    assert {"RS256", "ES256"} <= algs, keys
    for k in keys:
        assert k.get("kid") and k.get("use", "sig") == "sig", k
        assert "d" not in k and "p" not in k, "private key material in the JWKS"


def test_v1_openid_configuration(server, tenant_id):
    r = get(server, f"/{tenant_id}/.well-known/openid-configuration")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["issuer"] == f"{server.base}/{tenant_id}/", doc
    assert doc["token_endpoint"] == f"{server.base}/{tenant_id}/oauth2/token", doc


def test_instance_discovery(server, tenant_id):
    r = get(server, "/common/discovery/instance", params={
        "api-version": "1.1",
        "authorization_endpoint": f"{server.base}/{tenant_id}/oauth2/v2.0/authorize"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["tenant_discovery_endpoint"] == \
        f"{server.base}/{tenant_id}/v2.0/.well-known/openid-configuration", doc


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_rfc8414_metadata(server, tenant_id, version):
    # RFC 8414 section 3: the metadata of issuer https://host/{path} is served at
    # https://host/.well-known/oauth-authorization-server/{path} and names exactly that issuer.
    if version == "v2":
        issuer = f"{server.base}/{tenant_id}/v2.0"
        token_endpoint = f"{server.base}/{tenant_id}/oauth2/v2.0/token"
    else:
        issuer = f"{server.base}/{tenant_id}/"
        token_endpoint = f"{server.base}/{tenant_id}/oauth2/token"
    path = issuer.removeprefix(server.base)
    r = get(server, f"/.well-known/oauth-authorization-server{path}")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["issuer"] == issuer, doc
    assert doc["token_endpoint"] == token_endpoint, doc
    assert "client_credentials" in doc.get("grant_types_supported", []), doc
    assert {"client_secret_post", "client_secret_basic"} <= set(
        doc.get("token_endpoint_auth_methods_supported", [])), doc


# -- errors --------------------------------------------------------------------------------------

def test_unknown_client_is_700016(server, tenant_id, client_env):
    client_env.trust(server)
    r = post(server, f"/{tenant_id}/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": str(uuid.uuid4()),
        "client_secret": "whatever", "scope": f"{IOTC}/.default"})
    assert_entra_error(r, code=700016, error=("unauthorized_client", "invalid_client"),
                       statuses=(400, 401))


def test_wrong_secret_is_7000215(server, sp, tenant_id):
    r = post(server, f"/{tenant_id}/oauth2/v2.0/token", {
        "grant_type": "client_credentials", "client_id": sp.app_id,
        "client_secret": sp.secret[:-2] + "zz", "scope": f"{IOTC}/.default"})
    assert_entra_error(r, code=7000215, error="invalid_client", statuses=(400, 401))


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_unknown_resource_is_500011(server, sp, tenant_id, version):
    data = {"grant_type": "client_credentials", "client_id": sp.app_id, "client_secret": sp.secret}
    if version == "v2":
        path = f"/{tenant_id}/oauth2/v2.0/token"
        data["scope"] = "https://no-such-api.example.com/.default"
    else:
        path = f"/{tenant_id}/oauth2/token"
        data["resource"] = "https://no-such-api.example.com"
    r = post(server, path, data)
    assert_entra_error(r, code=500011, error="invalid_resource", statuses=(400,))
