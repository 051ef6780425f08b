// oauth4webapi doing authorization code + PKCE (S256) + refresh against the real binary, with
// headless Chromium (person.mjs) as the person who signs in and consents.
// Driven by tests/interop/test_browser_flows.py, which starts the server and sets:
//   GH_BASE, GH_TENANT       https://127.0.0.1:PORT and the tenant GUID
//   GH_AC_APP_ID, GH_REDIRECT   a public client registered with that redirect URI
//   GH_UPN, GH_PASSWORD      the user who signs in
//   GH_SERVER_CERT           the server's certificate (pinned in Chromium by its SPKI hash)
//   NODE_EXTRA_CA_CERTS      the server's CA (nothing else is trusted by node)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { authcode } from './person.mjs';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `environment variable ${name} is not set`);
  return value;
};

const base = env('GH_BASE');
const tenant = env('GH_TENANT');
const client = { client_id: env('GH_AC_APP_ID') };
const redirectUri = env('GH_REDIRECT');
const issuer = new URL(`${base}/${tenant}/v2.0`);
const SCOPE = 'openid profile offline_access https://graph.microsoft.com/User.Read';

function payloadOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

test('oauth4webapi: authorization code + PKCE with a browser sign-in, then refresh rotation', async () => {
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc' }));
  assert.deepEqual(as.code_challenge_methods_supported, ['S256']);

  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: client.client_id, response_type: 'code', redirect_uri: redirectUri, scope: SCOPE,
    code_challenge: challenge, code_challenge_method: 'S256', state, nonce,
  })) url.searchParams.set(k, v);

  // The person, in Chromium: sign in, accept; the browser is sent to the redirect URI.
  const final = new URL(await authcode(url.href, env('GH_UPN'), env('GH_PASSWORD')));
  // Checks state and the RFC 9207 iss against the discovered issuer.
  const params = oauth.validateAuthResponse(as, client, final, state);

  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier);
  // Checks the id_token's iss, aud, exp, iat and nonce.
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: nonce, requireIdToken: true,
  });
  assert.equal(result.token_type, 'bearer');
  const claims = oauth.getValidatedIdTokenClaims(result);
  assert.equal(claims.iss, issuer.href);
  assert.equal(claims.aud, client.client_id);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.preferred_username, env('GH_UPN'));
  const access = payloadOf(result.access_token);
  assert.equal(access.aud, 'https://graph.microsoft.com');
  assert.equal(access.scp, 'User.Read');
  assert.equal(access.azp, client.client_id);
  assert.ok(result.refresh_token, 'offline_access gives a refresh token');

  // Refresh: a new access token and a rotated refresh token; the spent one is refused.
  const refreshed = await oauth.processRefreshTokenResponse(as, client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.None(), result.refresh_token));
  assert.ok(refreshed.access_token && refreshed.access_token !== result.access_token);
  assert.ok(refreshed.refresh_token && refreshed.refresh_token !== result.refresh_token, 'rotated');
  assert.equal(payloadOf(refreshed.access_token).sub, access.sub);
  await assert.rejects(
    oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), result.refresh_token)),
    (e) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant');
  // Reuse revoked the family: the newest refresh token is refused too.
  await assert.rejects(
    oauth.processRefreshTokenResponse(as, client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token)),
    (e) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant');
  // The code works once (a replay also revokes what it issued, so it comes last).
  const replay = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, verifier);
  await assert.rejects(oauth.processAuthorizationCodeResponse(as, client, replay),
    (e) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant');
});
