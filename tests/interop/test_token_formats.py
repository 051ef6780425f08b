"""Encrypted and opaque access tokens with standard libraries (issue 9 part 3).

An encrypted token: PyJWT cannot read its claims; jwcrypto decrypts it with the resource's key
and the inner JWT verifies against the tenant's JWKS (PyJWT); introspection via authlib agrees.
An opaque token: nothing to decode, introspection answers for it, revocation ends it."""

from __future__ import annotations

import secrets
import time

import jwt
import pytest
from authlib.integrations.requests_client import OAuth2Session
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

from ghutil import verify_jwt


def _api(server, sp, *format_args):
    uri = f"api://gh-tf-{secrets.token_hex(4)}"
    api = server.admin_json("api", "create", "--name", f"tf-{secrets.token_hex(3)}",
                            "--identifier-uri", uri, "--app-role", "Orders.Read", *format_args)
    secret = server.admin_json("app", "credential", "add", "--app", api["appId"])["secretText"]
    server.admin("app", "role", "grant", "--app", sp.app_id, "--api", uri, "--role", "Orders.Read")
    return uri, api, secret


def _sessions(server, sp, tenant_id, uri, api_id, api_secret):
    ca = str(server.ca)
    caller = OAuth2Session(sp.app_id, sp.secret, scope=f"{uri}/.default",
                           token_endpoint_auth_method="client_secret_post")
    caller.verify = ca
    resource = OAuth2Session(api_id, api_secret, token_endpoint_auth_method="client_secret_basic")
    resource.verify = ca
    return caller, resource, f"{server.base}/{tenant_id}/oauth2/v2.0"


def _token_with_roles(caller, resource, base):
    """The API, its secret and the role grant reach the running server within a second."""
    deadline = time.monotonic() + 5
    while True:
        token = caller.fetch_token(f"{base}/token", grant_type="client_credentials")["access_token"]
        answer = resource.introspect_token(f"{base}/introspect", token=token)
        if answer.status_code == 200 and answer.json().get("roles") or time.monotonic() > deadline:
            return token, answer
        time.sleep(0.25)


def test_encrypted_token_is_opaque_to_pyjwt_and_opens_with_jwcrypto(server, sp, tenant_id):
    uri, api, api_secret = _api(server, sp, "--token-format", "encrypted")
    pem = api["tokenFormat"]["privateKeyPem"]
    caller, resource, base = _sessions(server, sp, tenant_id, uri, api["appId"], api_secret)
    token, answer = _token_with_roles(caller, resource, base)

    # A JWT decoder sees nothing: five parts, no readable claims.
    assert token.count(".") == 4
    with pytest.raises(jwt.exceptions.DecodeError):
        jwt.decode(token, options={"verify_signature": False})

    # jwcrypto decrypts it with the resource's key; the header is Entra's.
    key = jwcrypto_jwk.JWK.from_pem(pem.encode())
    envelope = jwcrypto_jwe.JWE()
    envelope.deserialize(token, key=key)
    header = envelope.jose_header
    assert header["alg"] == "RSA-OAEP-256" and header["enc"] == "A256GCM", header
    assert header["cty"] == "JWT", header
    inner = envelope.payload.decode()
    claims = verify_jwt(server, inner, tenant_id=tenant_id, audience=uri)
    assert claims["roles"] == ["Orders.Read"]
    assert claims["azp"] == sp.app_id

    # Another key cannot open it.
    other = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048)
    with pytest.raises(Exception):
        jwcrypto_jwe.JWE().deserialize(token, key=other)

    # Introspection (authlib) agrees with the decrypted claims.
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["active"] is True, body
    for field, claim in (("aud", "aud"), ("jti", "uti"), ("exp", "exp"), ("sub", "sub"), ("tid", "tid"),
                         ("client_id", "azp"), ("iss", "iss")):
        assert body[field] == claims[claim], (field, body, claims)

    # Revoked by the client it was issued to: inactive at once.
    assert caller.revoke_token(f"{base}/revoke", token=token).status_code == 200
    after = resource.introspect_token(f"{base}/introspect", token=token)
    assert after.status_code == 200 and after.json() == {"active": False}, after.text


def test_opaque_token_is_answered_only_by_introspection(server, sp, tenant_id):
    uri, api, api_secret = _api(server, sp, "--token-format", "opaque")
    caller, resource, base = _sessions(server, sp, tenant_id, uri, api["appId"], api_secret)
    token, answer = _token_with_roles(caller, resource, base)
    assert token.startswith(f"gthat_{tenant_id}_"), token
    with pytest.raises(jwt.exceptions.DecodeError):
        jwt.decode(token, options={"verify_signature": False})
    body = answer.json()
    assert body["active"] is True, body
    assert body["aud"] == uri and body["client_id"] == sp.app_id and body["tid"] == tenant_id
    assert body["roles"] == ["Orders.Read"]
    assert body["exp"] > time.time()
    # The caller itself learns nothing; a changed token is unknown.
    assert caller.introspect_token(f"{base}/introspect", token=token).json() == {"active": False}
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert resource.introspect_token(f"{base}/introspect", token=forged).json() == {"active": False}
    assert caller.revoke_token(f"{base}/revoke", token=token).status_code == 200
    assert resource.introspect_token(f"{base}/introspect", token=token).json() == {"active": False}
