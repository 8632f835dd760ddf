// attache as a test double from Node's built-in test runner (Node 18+, no packages):
// one server for the file, on a free port, reset before each test.
//
//     ATTACHE_BIN=/path/to/attache node --test docs/testing/node/attache.test.mjs
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';

let server, base, key;

before(async () => {
  server = spawn(process.env.ATTACHE_BIN ?? 'attache',
    ['serve', '--ephemeral', '--test-mode', '--listen', '127.0.0.1:0'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  // stdout: the first admin key (`name<TAB>role<TAB>key`); stderr: "attache is serving <url> …".
  const [line] = await once(createInterface({ input: server.stdout }), 'line');
  key = line.split('\t')[2].trim();
  for await (const logged of createInterface({ input: server.stderr })) {
    const found = logged.match(/^attache is serving (http\S+)/);
    if (found) { base = found[1]; break; }
  }
  // Keep reading its log, or a full pipe would stall the server.
  server.stderr.resume();
  server.stdout.resume();
});

after(() => server.kill());

const call = async (method, path, body, headers = {}) => {
  const res = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
};

beforeEach(async () => {
  assert.equal((await call('POST', '/_attache/reset')).status, 204);
});

// The code under test: opens a ticket, retrying 429 and 503 after Retry-After.
async function openTicket(subject, attempts = 3) {
  for (let attempt = 1; ; attempt++) {
    const res = await call('POST', '/v1/tickets', { subject });
    if (![429, 503].includes(res.status) || attempt === attempts) return res;
    const wait = Math.min(Number(res.headers.get('retry-after') ?? 1), 1);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

test('the client retries after a 429', async () => {
  const rule = { dialect: 'native', method: 'POST', path: '/v1/tickets', status: 429, retry_after: 1, times: 1 };
  assert.equal((await call('POST', '/_attache/faults', rule)).status, 201);

  const res = await openTicket('Printer on fire');
  assert.equal(res.status, 201);

  const sent = (await call('GET', '/_attache/requests?method=POST&path=/v1/tickets')).body;
  assert.deepEqual(sent.map((entry) => entry.status), [429, 201]);
});

test('each test starts clean', async () => {
  assert.deepEqual((await call('GET', '/v1/tickets')).body, []);
});
