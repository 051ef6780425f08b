// @azure/msal-node's device-code sign-in against the real binary, with headless Chromium
// (person.mjs) as the person who types the code, signs in and approves. msal-common polls the
// token endpoint with the short `grant_type=device_code` (Constants.GrantType.DEVICE_CODE_GRANT),
// which Entra accepts beside the RFC 8628 URN.
// Driven by tests/interop/test_node_msal.py, which starts the server and sets:
//   GH_BASE, GH_TENANT       https://127.0.0.1:PORT and the tenant GUID
//   GH_UPN, GH_PASSWORD      the user who signs in
//   GH_SERVER_CERT           the server's certificate (pinned in Chromium by its SPKI hash)
//   NODE_EXTRA_CA_CERTS      the server's CA (nothing else is trusted by node)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PublicClientApplication, LogLevel } from '@azure/msal-node';
import { device } from './person.mjs';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `environment variable ${name} is not set`);
  return value;
};

const base = env('GH_BASE');
const tenant = env('GH_TENANT');
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const ARM = 'https://management.core.windows.net/';

function payloadOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

test('msal-node polls with the short device_code grant type (its installed source)', () => {
  // The DeviceCodeClient adds Constants.GrantType.DEVICE_CODE_GRANT, which is "device_code".
  const client = readFileSync(new URL('./node_modules/@azure/msal-node/dist/client/DeviceCodeClient.mjs', import.meta.url), 'utf8');
  assert.match(client, /addGrantType\(parameters, Constants\.GrantType\.DEVICE_CODE_GRANT\)/);
  const constants = readFileSync(new URL('./node_modules/@azure/msal-common/dist/utils/Constants.mjs', import.meta.url), 'utf8');
  assert.match(constants, /DEVICE_CODE_GRANT: "device_code",/);
});

test('msal-node acquireTokenByDeviceCode with a browser sign-in, then acquireTokenSilent', async () => {
  const sent = [];
  const pca = new PublicClientApplication({
    auth: {
      clientId: AZURE_CLI,
      authority: `${base}/${tenant}`,
      // A known authority: no instance discovery at login.microsoftonline.com.
      knownAuthorities: [new URL(base).host],
    },
    system: {
      loggerOptions: {
        logLevel: LogLevel.Verbose,
        piiLoggingEnabled: false,
        loggerCallback: () => {},
      },
    },
  });
  // Record the grant types msal-node really sends (its HttpClient uses the global fetch).
  const originalFetch = globalThis.fetch;
  globalThis.fetch = (url, init = {}) => {
    if (typeof init.body === 'string') {
      const grant = new URLSearchParams(init.body).get('grant_type');
      if (grant) sent.push(grant);
    }
    return originalFetch(url, init);
  };
  let person;
  try {
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [`${ARM}/.default`],
      deviceCodeCallback: (r) => {
        assert.ok(r.userCode && r.verificationUri, JSON.stringify(r));
        person = device(r.verificationUri, r.userCode, env('GH_UPN'), env('GH_PASSWORD'));
      },
    });
    const text = await person;
    assert.match(text, /Microsoft Azure CLI/);
    assert.ok(result, 'a token result');
    const at = payloadOf(result.accessToken);
    assert.equal(at.aud, ARM);
    assert.equal(at.tid, tenant);
    assert.equal(at.azp, AZURE_CLI);
    assert.equal(at.idtyp, 'user');
    assert.equal(at.preferred_username, env('GH_UPN'));
    assert.equal(result.account.username, env('GH_UPN'));
    assert.equal(result.account.tenantId, tenant);
    assert.ok(sent.includes('device_code'), `grant types sent: ${sent}`);
    assert.ok(!sent.includes('urn:ietf:params:oauth:grant-type:device_code'), `grant types sent: ${sent}`);

    // From msal-node's cache, then with a refresh for the same resource.
    const silent = await pca.acquireTokenSilent({ account: result.account, scopes: [`${ARM}/.default`] });
    assert.equal(silent.accessToken, result.accessToken);
    const refreshed = await pca.acquireTokenSilent({
      account: result.account, scopes: [`${ARM}/.default`], forceRefresh: true,
    });
    assert.notEqual(refreshed.accessToken, result.accessToken);
    assert.ok(sent.includes('refresh_token'), `grant types sent: ${sent}`);
  } finally {
    globalThis.fetch = originalFetch;
    if (person) await person.catch(() => {});
  }
});
