#!/usr/bin/env node
// The person's part of Gatehouse's sign-in flows, done in a real browser: Debian's headless
// Chromium (/usr/bin/chromium) driven by playwright-core. Real pages, real typing, real clicks.
//
//   node person.mjs device  URL CODE UPN PASSWORD   opens the device verification page, types the
//                                                   user code, signs in, approves
//   node person.mjs authcode AUTH_URL UPN PASSWORD   opens the authorize URL, signs in, accepts the
//                                                   consent page when shown, and prints the URL the
//                                                   browser was sent to (the client's redirect URI
//                                                   with code, state and iss)
//   node person.mjs pats PAGE_URL UPN PASSWORD       the personal access token page: signs in,
//                                                   creates a token, clicks Copy, goes back to the
//                                                   list, revokes it through the confirmation;
//                                                   prints {token, copied, clipboard, listed, after}
//   node person.mjs interactive AUTH_URL UPN PASSWORD
//                                                   the same, but the redirect is really followed to
//                                                   the client's loopback listener (as `az login`
//                                                   needs); prints the page the client answered
//   node person.mjs apitokens PAGE_URL UPN PASSWORD NAME
//                                                   "Permissions > API tokens": signs in, makes token
//                                                   NAME (+ New, Operator, root), clicks Copy, reads
//                                                   the token shown once, deletes it through the
//                                                   confirmation step; prints a JSON summary
//
// Environment:
//   GH_SERVER_CERT   the server's certificate (DIR/tls/server.pem). Chromium cannot be given a CA
//                    file, so the server certificate is trusted by its public key pin:
//                    --ignore-certificate-errors-spki-list=base64(sha256(SPKI)). Required.
//   GH_VIEWPORT      WIDTHxHEIGHT of the page (default 1280x800); on every page the layout is
//                    measured and printed as `LAYOUT {json}` on stderr.
//   GH_DECISION      approve (default) or decline.
//
// The redirect to the client (a loopback URI) needs no listener: its URL is recorded from the
// browser's request event (a 302/303, whose refused connection is expected) or, for a form_post
// answer, the POST is answered by page.route from inside the browser. Screenshots of every page go to a fresh
// temporary directory whose path is printed first on stderr (`SCREENSHOTS DIR`). The last stdout
// line is the result: the final page's text (device) or the redirect URL (authcode).

import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.GH_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 30_000;

function usage(msg) {
  if (msg) console.error(`person.mjs: ${msg}`);
  console.error('usage: node person.mjs device URL CODE UPN PASSWORD\n       node person.mjs authcode AUTH_URL UPN PASSWORD\n       node person.mjs interactive AUTH_URL UPN PASSWORD');
  process.exit(2);
}

export function spkiPin(certPath) {
  const cert = new X509Certificate(readFileSync(certPath));
  const der = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

function viewport() {
  const m = /^(\d+)x(\d+)$/.exec(process.env.GH_VIEWPORT || '1280x800');
  if (!m) usage(`bad GH_VIEWPORT ${process.env.GH_VIEWPORT}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

export async function openBrowser() {
  const certPath = process.env.GH_SERVER_CERT;
  if (!certPath) usage('GH_SERVER_CERT (the server certificate to trust) is not set');
  const profile = mkdtempSync(join(tmpdir(), 'gh-chromium-profile-'));
  const shots = mkdtempSync(join(tmpdir(), 'gh-person-shots-'));
  console.error(`SCREENSHOTS ${shots}`);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: false,
    viewport: viewport(),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      `--ignore-certificate-errors-spki-list=${spkiPin(certPath)}`,
    ],
  });
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  const page = context.pages()[0] || (await context.newPage());
  let n = 0;
  const snap = async (name) => {
    n += 1;
    const file = join(shots, `${String(n).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const layout = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement.scrollWidth,
      innerWidth: window.innerWidth,
      title: document.title,
    }));
    console.error(`LAYOUT ${JSON.stringify({ page: name, file, url: page.url(), ...layout })}`);
  };
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, snap, close };
}

async function expectOk(resp, what) {
  if (!resp) throw new Error(`${what}: no response`);
  if (resp.status() !== 200) throw new Error(`${what}: HTTP ${resp.status()} at ${resp.url()}`);
}

async function errorText(page) {
  const err = page.locator('p.error');
  return (await err.count()) ? (await err.first().innerText()) : null;
}

async function submit(page, button, leaving = () => false) {
  try {
    const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
    return resp;
  } catch (e) {
    if (leaving()) return null; // sent on to the client's redirect URI: recorded, not loaded
    throw e;
  }
}

export async function device(url, code, upn, password) {
  const decision = process.env.GH_DECISION || 'approve';
  const { page, snap, close } = await openBrowser();
  try {
    await expectOk(await page.goto(url, { waitUntil: 'load' }), 'verification page');
    await snap('code');
    await page.locator('#user_code').fill('');
    await page.locator('#user_code').pressSequentially(code);
    await expectOk(await submit(page, page.getByRole('button', { name: 'Next' })), 'code step');
    await snap('signin');
    await page.locator('#username').fill(upn);
    await page.locator('#password').pressSequentially(password);
    const signed = await submit(page, page.getByRole('button', { name: 'Sign in' }));
    await snap('consent');
    if (signed.status() !== 200) throw new Error(`sign-in refused (HTTP ${signed.status()}): ${await errorText(page)}`);
    const label = decision === 'approve' ? 'Approve' : 'Decline';
    await expectOk(await submit(page, page.getByRole('button', { name: label })), 'decision');
    await snap('done');
    const text = (await page.locator('main, body').first().innerText()).replace(/\s+/g, ' ').trim();
    if (await errorText(page)) throw new Error(`the decision was refused: ${await errorText(page)}`);
    return text;
  } finally {
    await close();
  }
}

export async function authcode(authUrl, upn, password) {
  const decision = process.env.GH_DECISION || 'approve';
  const redirect = new URL(authUrl).searchParams.get('redirect_uri');
  if (!redirect) throw new Error('the authorize URL has no redirect_uri');
  const { page, snap, close } = await openBrowser();
  try {
    let answered = null;
    const isRedirect = (href) => href.split(/[?#]/)[0] === redirect.split(/[?#]/)[0];
    const record = (req) => {
      const url = new URL(req.url());
      if (req.method() === 'POST') {
        // response_mode=form_post: the posted fields become the query of the reported URL.
        for (const [k, v] of new URLSearchParams(req.postData() || '')) url.searchParams.append(k, v);
      }
      answered = url.href;
    };
    // The client's redirect URI is never really fetched. A navigation the page starts itself
    // (form_post) is answered by page.route; the 302/303 that ends the query-mode flow is a
    // redirect, which page.route does not see, so it is recorded from the request event and
    // its (refused) connection to the loopback address is expected.
    page.on('request', (req) => {
      if (isRedirect(req.url()) && req.isNavigationRequest()) record(req);
    });
    await page.route((u) => isRedirect(u.href), async (route) => {
      record(route.request());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>client</title><p>signed in</p>' });
    });
    // Straight to the client (a session and consent already there) is also an answer.
    const first = await page.goto(authUrl, { waitUntil: 'load' }).catch((e) => {
      if (answered === null) throw e;
      return null;
    });
    if (!answered) await expectOk(first, 'authorize page');
    for (let i = 0; i < 3 && !answered; i += 1) {
      const stepInput = page.locator('input[name=step]');
      const step = (await stepInput.count()) ? await stepInput.getAttribute('value') : null;
      if (step === null && (await page.locator('form[action]').count())) break; // form_post page
      await snap(step || 'page');
      if (step === 'signin') {
        await page.locator('#username').fill(upn);
        await page.locator('#password').pressSequentially(password);
        const resp = await submit(page, page.getByRole('button', { name: 'Sign in' }), () => answered !== null);
        if (!answered && resp && resp.status() !== 200) {
          await snap('refused');
          throw new Error(`sign-in refused (HTTP ${resp.status()}): ${await errorText(page)}`);
        }
      } else if (step === 'consent') {
        await submit(page, page.getByRole('button', { name: decision === 'approve' ? 'Accept' : 'Cancel' }), () => answered !== null);
      } else {
        throw new Error(`unexpected page (step ${step}): ${await errorText(page)}`);
      }
    }
    for (let waited = 0; !answered && waited < TIMEOUT; waited += 100) {
      await page.waitForTimeout(100);
    }
    if (!answered) throw new Error(`the browser was never sent to ${redirect}; last page ${page.url()}`);
    return answered;
  } finally {
    await close();
  }
}

// The whole flow with the client's own loopback listener answering the redirect: the pages are
// filled in until the browser lands on the redirect URI, whose page text is the result.
export async function interactive(authUrl, upn, password) {
  const redirect = new URL(authUrl).searchParams.get('redirect_uri');
  if (!redirect) throw new Error('the authorize URL has no redirect_uri');
  const base = (href) => href.split(/[?#]/)[0].replace(/\/$/, '');
  const atClient = () => base(page.url()) === base(redirect);
  const { page, snap, close } = await openBrowser();
  try {
    await page.goto(authUrl, { waitUntil: 'load' });
    for (let i = 0; i < 4 && !atClient(); i += 1) {
      const stepInput = page.locator('input[name=step]');
      const step = (await stepInput.count()) ? await stepInput.getAttribute('value') : null;
      await snap(step || 'page');
      if (step === 'signin') {
        await page.locator('#username').fill(upn);
        await page.locator('#password').pressSequentially(password);
        await submit(page, page.getByRole('button', { name: 'Sign in' }));
        if (!atClient() && (await errorText(page))) throw new Error(`sign-in refused: ${await errorText(page)}`);
      } else if (step === 'pick_account') {
        await submit(page, page.getByRole('button', { name: /^Continue as/ }));
      } else if (step === 'consent') {
        await submit(page, page.getByRole('button', { name: 'Accept' }));
      } else {
        throw new Error(`unexpected page (step ${step}) at ${page.url()}: ${await errorText(page)}`);
      }
    }
    if (!atClient()) throw new Error(`the browser never reached ${redirect}; last page ${page.url()}`);
    await snap('client');
    return (await page.locator('body').innerText()).replace(/\s+/g, ' ').trim();
  } finally {
    await close();
  }
}

export async function pats(url, upn, password) {
  const { page, snap, close } = await openBrowser();
  try {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin }).catch(() => {});
    await expectOk(await page.goto(url, { waitUntil: 'load' }), 'PAT page');
    await snap('signin');
    await page.locator('#username').fill(upn);
    await page.locator('#password').pressSequentially(password);
    await expectOk(await submit(page, page.getByRole('button', { name: 'Sign in' })), 'sign-in');
    await snap('list-empty');
    await page.locator('#name').fill('browser token');
    await page.locator('#scope').fill('vso.code_write vso.work');
    await page.locator('#days').fill('14');
    await expectOk(await submit(page, page.getByRole('button', { name: 'Create' })), 'create');
    const token = await page.locator('#pat-token').inputValue();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.waitForTimeout(200);
    const copied = await page.locator('#copy').innerText();
    const clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => `unreadable: ${e}`);
    await snap('created');
    await expectOk(await submit(page, page.getByRole('link', { name: 'Back to your tokens' })), 'back');
    const listed = (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
    await snap('list');
    await expectOk(await submit(page, page.getByRole('button', { name: 'Revoke' })), 'revoke asked');
    await snap('confirm');
    await submit(page, page.getByRole('button', { name: 'Revoke' }));
    const after = (await page.locator('main').innerText()).replace(/\s+/g, ' ').trim();
    await snap('revoked');
    if (await errorText(page)) throw new Error(`refused: ${await errorText(page)}`);
    return JSON.stringify({ token, copied, clipboard, listed, after });
  } finally {
    await close();
  }
}

export async function apitokens(url, upn, password, name) {
  const { page, snap, close } = await openBrowser();
  try {
    await expectOk(await page.goto(url, { waitUntil: 'load' }), 'API tokens page');
    await snap('signin');
    await page.fill('#username', upn);
    await page.fill('#password', password);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    await snap('list-empty');
    await page.fill('#name', name);
    await page.selectOption('#role', { label: 'Operator' });
    await page.selectOption('#organization', '');
    await expectOk(await submit(page, page.getByRole('button', { name: 'Generate' })), 'generate');
    const token = await page.inputValue('#token');
    await page.getByRole('button', { name: 'Copy' }).click();
    const copyLabel = await page.locator('#copy').innerText();
    await snap('created');
    await submit(page, page.getByRole('link', { name: 'Back to the API tokens' }));
    const listed = (await page.locator('table').innerText()).includes(name);
    const secretShown = (await page.content()).includes(token.split('sig=')[1].split('&')[0]);
    await snap('list');
    await submit(page, page.getByRole('row', { name: new RegExp(name) }).getByRole('button', { name: 'Delete' }));
    await snap('confirm');
    await submit(page, page.getByRole('button', { name: 'Delete' }));
    await snap('deleted');
    const after = (await page.locator('main').innerText()).includes(name);
    return JSON.stringify({ token, copyLabel, listed, secretShown, after });
  } finally {
    await close();
  }
}

async function main(argv) {
  const [mode, ...args] = argv;
  let out;
  if (mode === 'device') {
    if (args.length !== 4) usage('device needs URL CODE UPN PASSWORD');
    out = await device(...args);
  } else if (mode === 'authcode') {
    if (args.length !== 3) usage('authcode needs AUTH_URL UPN PASSWORD');
    out = await authcode(...args);
  } else if (mode === 'pats') {
    if (args.length !== 3) usage('pats needs PAGE_URL UPN PASSWORD');
    out = await pats(...args);
  } else if (mode === 'apitokens') {
    if (args.length !== 4) usage('apitokens needs PAGE_URL UPN PASSWORD NAME');
    out = await apitokens(...args);
  } else if (mode === 'interactive') {
    if (args.length !== 3) usage('interactive needs AUTH_URL UPN PASSWORD');
    out = await interactive(...args);
  } else {
    usage(`unknown mode ${mode}`);
  }
  console.log(out);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`person.mjs: ${e.stack || e}`);
    process.exit(1);
  });
}
