"""Certificate credentials with the real clients.

A service principal made by `gatehouse sp create-for-rbac --create-cert` (az's shape:
`fileWithCertAndPrivateKey`, the PEM of key and certificate in a new 0600 file) signs in with
azure-identity's `CertificateCredential` (RS256, `x5t`) and msal's
`ConfidentialClientApplication` with `{"private_key", "thumbprint"}` (RS256, `x5t`) and with
`{"private_key", "public_certificate"}` (PS256, `x5t#S256` and `x5c`); PyJWT-built bad
assertions (replayed, wrong audience, expired, unregistered certificate) are refused with
Entra's codes. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import stat
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
import msal
import pytest
import requests
from azure.identity import CertificateCredential
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ghutil import assert_entra_error, verify_jwt

IOTC = "https://apps.azureiotcentral.com"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class CertSp:
    app_id: str
    tenant: str
    pem_file: Path
    key_pem: str
    cert_pem: str

    @property
    def cert(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem.encode())

    @property
    def sha1_hex(self) -> str:
        return self.cert.fingerprint(hashes.SHA1()).hex()


def create_cert_sp(server, tmp_path: Path) -> CertSp:
    out = tmp_path / f"sp-{secrets.token_hex(4)}.pem"
    res = server.admin_json("sp", "create-for-rbac", "-n", f"gh-it-cert-{secrets.token_hex(4)}",
                            "--create-cert", "--cert-out", str(out))
    assert res["password"] is None, res
    assert res["fileWithCertAndPrivateKey"] == str(out), res
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600, oct(os.stat(out).st_mode)
    text = out.read_text()
    key_pem = text[:text.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----\n")]
    cert_pem = text[text.index("-----BEGIN CERTIFICATE-----"):]
    return CertSp(app_id=res["appId"], tenant=res["tenant"], pem_file=out, key_pem=key_pem, cert_pem=cert_pem)


def assert_cert_token(server, token: str, sp: CertSp) -> None:
    claims = verify_jwt(server, token, tenant_id=sp.tenant, audience=IOTC)
    assert claims["azp"] == sp.app_id, claims
    assert claims.get("azpacr") == "2", "a certificate-authenticated client: azpacr 2"


def certificate_credential_token(server, sp: CertSp) -> str:
    cred = CertificateCredential(sp.tenant, sp.app_id, certificate_path=str(sp.pem_file),
                                 authority=server.base, disable_instance_discovery=True)
    try:
        return cred.get_token(f"{IOTC}/.default").token
    finally:
        cred.close()


def test_azure_identity_certificate_credential(server, client_env, tmp_path):
    client_env.trust(server)
    sp = create_cert_sp(server, tmp_path)
    assert_cert_token(server, certificate_credential_token(server, sp), sp)


def test_azure_identity_certificate_credential_on_postgres(pg_server, tmp_path):
    sp = create_cert_sp(pg_server, tmp_path)
    assert_cert_token(pg_server, certificate_credential_token(pg_server, sp), sp)


@pytest.mark.parametrize("form", ["thumbprint", "public_certificate"])
def test_msal_with_a_certificate(server, client_env, tmp_path, form):
    client_env.trust(server)
    sp = create_cert_sp(server, tmp_path)
    credential = {"private_key": sp.key_pem}
    if form == "thumbprint":
        credential["thumbprint"] = sp.sha1_hex  # RS256 with x5t
    else:
        credential["public_certificate"] = sp.cert_pem  # PS256 with x5t#S256 and x5c
    app = msal.ConfidentialClientApplication(sp.app_id, client_credential=credential,
                                             authority=f"{server.base}/{sp.tenant}", instance_discovery=False)
    result = app.acquire_token_for_client([f"{IOTC}/.default"])
    assert "access_token" in result, result
    assert_cert_token(server, result["access_token"], sp)


def _assertion(sp: CertSp, server, *, key_pem: str | None = None, **claims) -> str:
    now = int(time.time())
    payload = {"aud": f"{server.base}/{sp.tenant}/oauth2/v2.0/token", "iss": sp.app_id, "sub": sp.app_id,
               "iat": now, "exp": now + 600, "jti": str(uuid.uuid4())}
    payload.update(claims)
    x5t = jwt.utils.base64url_encode(bytes.fromhex(sp.sha1_hex)).decode()
    return jwt.encode(payload, key_pem or sp.key_pem, algorithm="RS256", headers={"x5t": x5t})


def _post(server, sp: CertSp, assertion: str) -> requests.Response:
    return requests.post(
        server.url(f"/{sp.tenant}/oauth2/v2.0/token"),
        data={"grant_type": "client_credentials", "client_id": sp.app_id, "scope": f"{IOTC}/.default",
              "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion},
        verify=str(server.ca), timeout=10)


def test_pyjwt_bad_assertions_are_refused(server, client_env, tmp_path):
    client_env.trust(server)
    sp = create_cert_sp(server, tmp_path)

    good = _assertion(sp, server)
    r = _post(server, sp, good)
    assert r.status_code == 200, r.text
    body = assert_entra_error(_post(server, sp, good), code=50027, error="invalid_client", statuses=(401,))
    assert "jti" in body["error_description"], body

    assert_entra_error(_post(server, sp, _assertion(sp, server, aud="https://login.microsoftonline.com/x/oauth2/v2.0/token")),
                       code=700023, error="invalid_client", statuses=(401,))
    now = int(time.time())
    assert_entra_error(_post(server, sp, _assertion(sp, server, iat=now - 1200, exp=now - 600)),
                       code=700024, error="invalid_client", statuses=(401,))

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    assert_entra_error(_post(server, sp, _assertion(sp, server, key_pem=stranger)),
                       code=700027, error="invalid_client", statuses=(401,))

    r = requests.post(
        server.url(f"/{sp.tenant}/oauth2/v2.0/token"),
        data={"grant_type": "client_credentials", "client_id": sp.app_id, "scope": f"{IOTC}/.default",
              "client_assertion_type": ASSERTION_TYPE,
              "client_assertion": jwt.encode({"iss": sp.app_id}, "k" * 32, algorithm="HS256")},
        verify=str(server.ca), timeout=10)
    assert_entra_error(r, code=50027, error="invalid_client", statuses=(401,))
