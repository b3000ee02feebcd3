// node graphiql-offline.mjs SERVER_URL TOKEN PROFILE_DIR [SCREENSHOT.png]
// Drives /usr/bin/chromium (headless) through the development page's
// GraphiQL; exits non-zero when a request leaves the loopback, the page
// does not render, or the schema does not load.
import { chromium } from 'playwright-core';

const [base, token, profile, screenshot] = process.argv.slice(2);
const failures = [];
const requests = [];
const outside = [];

function local(u) {
  const url = new URL(u);
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return true; // data:, blob:, about:
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
await context.route('**/*', (route) => {
  const u = route.request().url();
  requests.push(`${route.request().method()} ${u}`);
  if (local(u)) return route.continue();
  outside.push(u);
  return route.abort('blockedbyclient');
});
const page = context.pages()[0] || (await context.newPage());
page.on('websocket', (ws) => { if (!local(ws.url())) outside.push(ws.url()); });
page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') console.log(`console error: ${m.text()}`); });

try {
  await page.goto(`${base}/`, { waitUntil: 'load', timeout: 30000 });
  await page.waitForSelector('.graphiql-container', { timeout: 30000 });
  console.log('GraphiQL rendered');

  // The headers panel is open with the Authorization header to complete.
  const headers = await page.waitForFunction(() => {
    const cm = [...document.querySelectorAll('.CodeMirror')].map((e) => e.CodeMirror)
      .find((c) => c && c.getValue().includes('"Authorization"'));
    return cm && cm.getValue();
  }, null, { timeout: 10000 }).then((h) => h.jsonValue());
  if (!headers.includes('Bearer <paste a token>')) failures.push(`headers panel: ${headers}`);
  console.log(`headers panel prefilled: ${JSON.stringify(headers)}`);

  // Select the placeholder and type the token over it.
  await page.evaluate(() => {
    const cm = [...document.querySelectorAll('.CodeMirror')].map((e) => e.CodeMirror)
      .find((c) => c && c.getValue().includes('"Authorization"'));
    const text = cm.getValue();
    const at = text.indexOf('<paste a token>');
    cm.focus();
    cm.setSelection(cm.posFromIndex(at), cm.posFromIndex(at + '<paste a token>'.length));
  });
  const schemaAnswer = page.waitForResponse((r) => r.url() === `${base}/graphql` &&
    (r.request().postData() || '').includes('__schema'), { timeout: 30000 });
  await page.keyboard.type(token, { delay: 5 });
  const answer = await schemaAnswer;
  const body = await answer.json();
  if (answer.status() !== 200 || body.errors || !body.data || !body.data.__schema) {
    failures.push(`schema fetch: status ${answer.status()}, ${JSON.stringify(body).slice(0, 300)}`);
  } else {
    console.log(`schema fetched: status 200, ${body.data.__schema.types.length} types`);
  }

  // The documentation explorer shows the root types.
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name:text-is("Query")', { timeout: 15000 });
  console.log('documentation explorer shows Query');

  // The prefilled query runs with the token.
  const queryAnswer = page.waitForResponse((r) => r.url() === `${base}/graphql` &&
    (r.request().postData() || '').includes('me'), { timeout: 15000 });
  await page.click('.graphiql-execute-button');
  const q = await queryAnswer;
  const qb = await q.json();
  if (q.status() !== 200 || qb.errors || !qb.data?.me?.email) failures.push(`query: ${q.status()} ${JSON.stringify(qb)}`);
  else console.log(`query answered: me = ${qb.data.me.email}`);
  await page.waitForFunction((email) => document.querySelector('.graphiql-response')?.textContent.includes(email),
    qb.data?.me?.email || '', { timeout: 10000 }).catch(() => failures.push('the answer is not shown'));

  const text = await page.evaluate(() => document.body.innerText);
  if (text.includes('Error fetching schema')) failures.push('the page shows "Error fetching schema"');
} catch (e) {
  failures.push(`${e.message.split('\n')[0]}`);
} finally {
  if (screenshot) await page.screenshot({ path: screenshot }).catch(() => {});
  await context.close();
}

console.log(`${requests.length} requests:`);
for (const r of requests) console.log(`  ${r}`);
for (const u of outside) failures.push(`a request left the loopback: ${u}`);
if (failures.length) {
  for (const f of failures) console.log(`FAIL: ${f}`);
  process.exit(1);
}
console.log('GraphiQL works offline: every request stayed on the loopback');
