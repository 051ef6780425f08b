// oauth4webapi (a strict, standards-exact OAuth 2.0 / OIDC client) against the real binary.
// Driven by tests/interop/test_node_oauth4webapi.py, which starts the server and sets:
//   GH_BASE    https://127.0.0.1:PORT
//   GH_TENANT  the tenant GUID
//   GH_APP_ID, GH_SECRET   a service principal's credentials
//   NODE_EXTRA_CA_CERTS    the server's CA (nothing else is trusted)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `environment variable ${name} is not set`);
  return value;
};

const base = env('GH_BASE');
const tenant = env('GH_TENANT');
const client = { client_id: env('GH_APP_ID') };
const secret = env('GH_SECRET');
const issuer = new URL(`${base}/${tenant}/v2.0`);
const IOTC = 'https://apps.azureiotcentral.com';

async function discover(algorithm) {
  const response = await oauth.discoveryRequest(issuer, { algorithm });
  return oauth.processDiscoveryResponse(issuer, response);
}

function claimsOf(jwt) {
  const [header, payload] = jwt.split('.').slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
  return { header, payload };
}

async function clientCredentials(as, auth) {
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, {
    scope: `${IOTC}/.default`,
  });
  const result = await oauth.processClientCredentialsResponse(as, client, response);
  assert.equal(result.token_type, 'bearer'); // oauth4webapi lower-cases it
  assert.equal(typeof result.expires_in, 'number');
  assert.ok(result.expires_in > 3500 && result.expires_in <= 3600, `expires_in ${result.expires_in}`);
  const { header, payload } = claimsOf(result.access_token);
  assert.ok(['RS256', 'ES256'].includes(header.alg), header.alg);
  assert.equal(payload.aud, IOTC);
  assert.equal(payload.iss, issuer.href);
  assert.equal(payload.tid, tenant);
  assert.equal(payload.azp, client.client_id);
  assert.equal(payload.ver, '2.0');
  assert.equal(payload.exp - payload.iat, 3600);
  return result;
}

test('OIDC discovery: issuer is exactly {base}/{tenant}/v2.0', async () => {
  const as = await discover('oidc');
  assert.equal(as.issuer, issuer.href);
  assert.equal(as.token_endpoint, `${base}/${tenant}/oauth2/v2.0/token`);
  assert.ok(as.jwks_uri.startsWith(`${base}/`), as.jwks_uri);
});

test('client_credentials with client_secret_post', async () => {
  const as = await discover('oidc');
  await clientCredentials(as, oauth.ClientSecretPost(secret));
});

test('client_credentials with client_secret_basic', async () => {
  const as = await discover('oidc');
  await clientCredentials(as, oauth.ClientSecretBasic(secret));
});

for (const [name, auth] of [['post', oauth.ClientSecretPost], ['basic', oauth.ClientSecretBasic]]) {
  test(`a wrong secret (client_secret_${name}) is invalid_client with AADSTS7000215`, async () => {
    const as = await discover('oidc');
    const response = await oauth.clientCredentialsGrantRequest(
      as, client, auth(`${secret}x`), { scope: `${IOTC}/.default` });
    let failure;
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, response), (err) => {
      failure = err;
      return true;
    });
    let body;
    if (failure instanceof oauth.WWWAuthenticateChallengeError) {
      // RFC 6749 section 5.2: a 401 carries a WWW-Authenticate challenge (required after Basic).
      assert.equal(failure.status, 401);
      assert.ok(failure.cause.some((c) => c.scheme === 'basic'), JSON.stringify(failure.cause));
      body = await failure.response.json();
    } else {
      assert.ok(failure instanceof oauth.ResponseBodyError, `${failure}`);
      assert.equal(name, 'post', 'a failed Basic authentication must answer 401 with WWW-Authenticate: Basic');
      body = failure.cause;
    }
    assert.equal(body.error, 'invalid_client');
    assert.deepEqual(body.error_codes, [7000215]);
    assert.match(body.error_description, /^AADSTS7000215: /);
  });
}

test('RFC 8414 metadata at /.well-known/oauth-authorization-server/{tenant}/v2.0', async () => {
  // RFC 8414 section 3: the metadata of issuer https://host/{tenant}/v2.0 lives at
  // https://host/.well-known/oauth-authorization-server/{tenant}/v2.0 and names that issuer.
  const as = await discover('oauth2');
  assert.equal(as.issuer, issuer.href);
  await clientCredentials(as, oauth.ClientSecretPost(secret));
});
