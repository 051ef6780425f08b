"""The client-credentials flow against servers whose storage is PostgreSQL.

The database is a fresh `gh_it_<random>` on 127.0.0.1:5432 (conftest's pg_database); when
PostgreSQL cannot be reached the tests fail, they are never skipped.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import jwt
import msal

from ghutil import Server, assert_app_token, jwks, verify_jwt

IOTC = "https://apps.azureiotcentral.com"


def msal_token(server, sp, tenant_id):
    app = msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret, authority=f"{server.base}/{tenant_id}",
        instance_discovery=False)
    result = app.acquire_token_for_client([f"{IOTC}/.default"])
    assert "access_token" in result, result
    return result["access_token"]


def test_msal_client_credentials_on_postgres(pg_server):
    tenant_id = pg_server.tenant_id
    sp = pg_server.create_sp()
    assert sp.tenant == tenant_id, sp
    token = msal_token(pg_server, sp, tenant_id)
    claims = verify_jwt(pg_server, token, tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)


def test_second_replica_on_the_same_database(pg_server, client_env):
    """Replicas share one database: a second `serve` on it knows the tenant, the service
    principal and the signing keys, so a token from either verifies with the other's JWKS."""
    tenant_id = pg_server.tenant_id
    sp = pg_server.create_sp()
    data_dir = Path(tempfile.mkdtemp(prefix="gh-replica-", dir=pg_server.data_dir.parent))
    # Replicas share the key-encryption key through their configuration (GATEHOUSE_KEK).
    kek = (pg_server.data_dir / "kek").read_text().strip()
    replica = Server(data_dir=data_dir, database_url=pg_server.database_url, env={"GATEHOUSE_KEK": kek})
    try:
        replica.start()
        assert replica.tenant_id == tenant_id, "the replica created a second default tenant"
        client_env.trust(replica)
        token = msal_token(replica, sp, tenant_id)
        claims = verify_jwt(replica, token, tenant_id=tenant_id, audience=IOTC)
        assert_app_token(claims, sp)
        # The first server publishes the key that signed the replica's token (issuers differ
        # only by each replica's own listening port here).
        header = jwt.get_unverified_header(token)
        keys = {k["kid"]: k for k in jwks(pg_server, tenant_id)["keys"]}
        assert header["kid"] in keys, (header, list(keys))
        jwt.decode(token, key=jwt.PyJWK.from_dict(keys[header["kid"]]).key,
                   algorithms=[keys[header["kid"]]["alg"]], audience=IOTC,
                   options={"verify_iss": False})
    finally:
        replica.stop()
