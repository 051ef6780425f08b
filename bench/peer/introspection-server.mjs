// node-oidc-provider (the benchmark peer of ../shared/bench) with RFC 7662 introspection on, for
// bench/introspect-load.sh: a client `caller` gets client-credentials tokens for the resource
// `https://api.example.com`; the resource server `rs` introspects them. Listens on 127.0.0.1.
// Env: PORT (3001), AT_FORMAT (opaque|jwt; it introspects only opaque ones), AT_ALG (ES256|RS256).
import Provider from 'oidc-provider';
import { generateKeyPairSync } from 'node:crypto';

const FORMAT = process.env.AT_FORMAT || 'opaque';
const ALG = process.env.AT_ALG || 'ES256';
const PORT = Number(process.env.PORT || 3001);
const key = (type, opts, kid) => ({ ...generateKeyPairSync(type, opts).privateKey.export({ format: 'jwk' }), kid, use: 'sig' });
const secret = 'bench-secret-0123456789abcdef0123456789abcdef';

const provider = new Provider(`http://127.0.0.1:${PORT}`, {
  clients: [
    { client_id: 'caller', client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [],
      response_types: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'api:read' },
    { client_id: 'rs', client_secret: secret, grant_types: [], redirect_uris: [], response_types: [],
      token_endpoint_auth_method: 'client_secret_basic' },
  ],
  jwks: { keys: [key('ec', { namedCurve: 'P-256' }, 'es'), key('rsa', { modulusLength: 2048 }, 'rs')] },
  scopes: ['openid', 'api:read'],
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'https://api.example.com',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read', audience: 'https://api.example.com', accessTokenTTL: 3600,
        accessTokenFormat: FORMAT, ...(FORMAT === 'jwt' ? { jwt: { sign: { alg: ALG } } } : {}),
      }),
    },
  },
});
provider.listen(PORT, '127.0.0.1', () => console.log(`listening pid=${process.pid}`));
