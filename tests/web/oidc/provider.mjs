// A real OpenID Connect provider for Hearten's sign-in tests: the npm package oidc-provider,
// configured with two clients and a handful of accounts, listening on 127.0.0.1 on a port the
// system picks. It prints one JSON line, {"issuer": ...}, once it is listening.
//
// The login and consent pages are the provider's interactions: small HTML forms for a real
// browser (or JSON, {"prompt": ...}, when asked for it), posted as POST /interaction/<uid>/login
// with `login`, then POST /interaction/<uid>/confirm. A disabled account is refused there, as Microsoft Entra ID
// refuses one: the browser goes back to the client with error=access_denied.
//
// Settings come from the environment:
//   HEARTEN_REDIRECT_URI   Hearten's callback, registered for the client `hearten`
//   HEARTEN_POST_LOGOUT_REDIRECT_URI  Hearten's signed-out page, registered for `hearten`
//   ID_TOKEN_TTL           seconds an ID token lasts (default 120: short, as tests want)
//   RP_INITIATED_LOGOUT    "off": no end_session_endpoint (a provider without RP-initiated logout)
//
// RP-initiated logout (the end_session_endpoint) asks "Sign out?" on a small page whose form
// posts `xsrf` and `logout=yes` to the provider, which then ends its session and sends the
// browser to the post_logout_redirect_uri.
import http from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: { email: 'alice@council.example', email_verified: true, name: 'Alice Active', amr: ['pwd'] },
  eve: { email: 'eve@council.example', email_verified: true, name: 'Eve Evaluator', amr: ['pwd', 'mfa'] },
  uma: { email: 'uma@council.example', email_verified: false, name: 'Uma Unverified', amr: ['pwd'] },
  dora: { email: 'dora@council.example', email_verified: true, name: 'Dora Disabled', amr: ['pwd'], disabled: true },
  // Alice's address given to someone else (as a council reuses a leaver's address): another
  // person, so another subject, with the same verified e-mail address.
  alys: { email: 'alice@council.example', email_verified: true, name: 'Alys Newcomer', amr: ['pwd'] },
};

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

function configuration() {
  return {
    clients: [
      {
        client_id: 'hearten',
        client_secret: 'hearten-test-secret',
        redirect_uris: [process.env.HEARTEN_REDIRECT_URI],
        post_logout_redirect_uris: [process.env.HEARTEN_POST_LOGOUT_REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // Another application of the council's: its tokens are not for Hearten.
        client_id: 'other-app',
        client_secret: 'other-app-test-secret',
        redirect_uris: ['http://127.0.0.1/other-app/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: account.email, email_verified: account.email_verified, name: account.name };
        },
      };
    },
    // amr and auth_time with the subject in every ID token, as Entra ID sends them
    claims: { acr: null, sid: null, iss: null, openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: Number(process.env.ID_TOKEN_TTL || 120),
      Interaction: 300,
      Session: 600,
      Grant: 600,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: process.env.RP_INITIATED_LOGOUT !== 'off',
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html lang="en"><title>Sign out</title><h1>Sign out of the council?</h1>
${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button></html>`;
        },
      },
    },
  };
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(provider, req, res, uid, step) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'GET') {
    const prompt = details.prompt.name;
    if ((req.headers.accept || '').includes('application/json')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ uid, prompt }));
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(prompt === 'login'
      ? `<!DOCTYPE html><html lang="en"><title>Council sign-in</title><h1>Council sign-in</h1>
<form method="post" action="/interaction/${uid}/login"><label for="login">Account</label>
<input id="login" name="login"><button type="submit">Sign in</button></form></html>`
      : `<!DOCTYPE html><html lang="en"><title>Allow Hearten</title><h1>Allow Hearten</h1>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Continue</button></form></html>`);
    return;
  }
  const form = await readForm(req);
  if (step === 'login') {
    const id = form.get('login');
    const account = ACCOUNTS[id];
    if (!account) {
      res.statusCode = 400;
      res.end('no such account');
      return;
    }
    if (account.disabled) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'The user account is disabled.',
      }, { mergeWithLastSubmission: false });
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: id, amr: account.amr } }, { mergeWithLastSubmission: false });
    return;
  }
  // consent: grant what the client asked for
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

let provider;
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(?:\/(login|confirm))?(?:\?.*)?$/);
  if (!match) {
    provider.callback()(req, res);
    return;
  }
  try {
    await interaction(provider, req, res, match[1], match[2]);
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, configuration());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
