// A real OpenID provider for tests/test_identity_provider.py: node-oidc-provider, the
// client credentials grant, ES256-signed `at+jwt` access tokens for one resource (the
// gateway's audience, a URI). Each client's roles and office go into its tokens as
// Keycloak does (`realm_access.roles`), or as one space-separated string.
//
//   node provider.mjs PORT AUDIENCE CLIENTS_JSON
//
// prints "ready ISSUER" on stdout once it listens on 127.0.0.1:PORT.
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const [port, audience, clientsJson] = process.argv.slice(2);
const clients = JSON.parse(clientsJson);
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-es256", alg: "ES256", use: "sig" };

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: clients.map(({ client_id, client_secret, roles, office }) => ({
    client_id,
    client_secret,
    grant_types: ["client_credentials"],
    redirect_uris: [],
    response_types: [],
    id_token_signed_response_alg: "ES256",
    roles,
    office,
  })),
  extraClientMetadata: { properties: ["roles", "office"] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== audience) throw new Error(`unknown resource ${resource}`);
        return {
          scope: "ombuds",
          audience,
          accessTokenTTL: 300,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "ES256" } },
        };
      },
    },
  },
  extraTokenClaims: (ctx, token) => {
    const client = ctx.oidc.client;
    const claims = {};
    // A list under realm_access (Keycloak's shape), or a plain space-separated string.
    if (Array.isArray(client.roles)) claims.realm_access = { roles: client.roles };
    else if (client.roles) claims.realm_access = { roles: client.roles };
    if (client.office) claims.office = client.office;
    return claims;
  },
});

const server = provider.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
