// Runs graphql-http's server audit against URL with a bearer token:
//   node graphql-http-audit.mjs URL TOKEN
// Prints every result and exits non-zero on any error or warning.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node graphql-http-audit.mjs URL TOKEN');
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const count = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  count[r.status]++;
  let line = `${r.status.padEnd(6)} ${r.id} ${r.name}`;
  if (r.status !== 'ok') {
    line += `\n      ${r.reason}`;
    if (r.response) {
      const body = await r.response.text().catch(() => '');
      line += `\n      status ${r.response.status}, content-type ${r.response.headers.get('content-type')}, body ${body.slice(0, 300)}`;
    }
  }
  console.log(line);
}
console.log(`graphql-http audit: ${count.ok} ok, ${count.notice} notices, ${count.warn} warnings, ${count.error} errors`);
process.exit(count.warn + count.error > 0 ? 1 : 0);
