// Keep a RegistrantManager in sync with OpenSIPS' `registrant` table in an SQLite file, and serve the
// OpenSIPS-compatible MI (JSON-RPC over HTTP) on a loopback port.
//
//   node loader.mjs [--db registrant.db] [--sip-host 0.0.0.0] [--sip-port 5060]
//                   [--mi-host 127.0.0.1] [--mi-port 8888] [--poll 5] [--ignore-cluster-shtag]
//   node loader.mjs --self-test
//
// Sync: at start the table is loaded and the manager started; then `reload` runs on SIGHUP, every
// --poll seconds when another process changed the file (SQLite `PRAGMA data_version`), and on the MI
// command `uac_registrant:reload` / `reg_reload`. reload diffs by (aor, binding_URI, registrar):
// unchanged records keep their dialog, changed ones are updated, missing ones un-REGISTERed.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMiHandler, createUdpTransport, RegistrantManager } from 'sip-registrant';
import { loadRegistrantConfigs, openRegistrantTable } from './registrant-table.mjs';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'registrant.db' },
    'sip-host': { type: 'string', default: '0.0.0.0' },
    'sip-port': { type: 'string', default: '5060' },
    'mi-host': { type: 'string', default: '127.0.0.1' },
    'mi-port': { type: 'string', default: '8888' },
    poll: { type: 'string', default: '5' },
    'ignore-cluster-shtag': { type: 'boolean', default: false },
    'self-test': { type: 'boolean', default: false },
  },
});

function port(name) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`--${name}: expected a port 0..65535, received ${args[name]}`);
    process.exit(2);
  }
  return value;
}

/** Wire a manager, the table and the MI server together. Returns what the caller needs to stop it. */
async function run({ db, transport, managerOptions = {}, miHost, miPort, pollSeconds, ignoreClusterShtag }) {
  const manager = new RegistrantManager({ transport, ...managerOptions });
  manager.on('warning', (w) => console.error(`warning ${w.code}: ${w.message}`));
  manager.on('error', (e) => console.error(`error: ${e?.message ?? e}`));
  const load = () => loadRegistrantConfigs(db, { ignoreClusterShtag });

  const reload = (why) => {
    try {
      const r = manager.reload(load());
      console.log(
        `reload (${why}): ${r.added.length} added, ${r.updated.length} updated, ` +
          `${r.removed.length} removed, ${r.unchanged.length} unchanged`,
      );
    } catch (error) {
      console.error(`reload (${why}) refused, table unchanged: ${error.message}`);
    }
  };

  reload('start');
  manager.start();

  let version = db.pragma('data_version', { simple: true });
  const poll = setInterval(() => {
    const now = db.pragma('data_version', { simple: true });
    if (now !== version) {
      version = now;
      reload('file changed');
    }
  }, pollSeconds * 1000);
  poll.unref();
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);

  const mi = createMiHandler(manager, {
    loadConfigs: load,
    ignoreClusterShtag,
    onError: (e) => console.error('MI error:', e),
  });
  const server = createServer(mi.listener);
  server.listen(miPort, miHost);
  await once(server, 'listening');
  const { address, port: boundPort } = server.address();
  console.log(`MI (JSON-RPC 2.0) on http://${address}:${boundPort}/mi`);

  return {
    manager,
    miUrl: `http://${address}:${boundPort}/mi`,
    async stop() {
      clearInterval(poll);
      process.off('SIGHUP', onHup);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      const result = await manager.stop();
      return result;
    },
  };
}

/** One MI call shaped as opensips-cli sends it. */
async function mi(url, method, params = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: String(Math.floor(Math.random() * 32768)), method, params }),
    signal: AbortSignal.timeout(5000),
  });
  const answer = await res.json();
  if (answer.error) throw new Error(`${method}: ${answer.error.code} ${answer.error.message}`);
  return answer.result;
}

async function waitFor(what, ready, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function printRecords(title, records) {
  console.log(title);
  for (const r of records)
    console.log(
      `  ${r.AOR.padEnd(24)} ${r.state.padEnd(22)} enabled=${r.enabled.padEnd(3)} expires=${String(r.expires).padEnd(5)} binding=${r.binding}`,
    );
}

/**
 * Self-test: the registrar double on loopback, a temporary SQLite file with three rows, reload, list
 * over the MI, edit rows (one changed, one disabled, one deleted, one added), reload over the MI, list
 * again, check the registrar's bindings, stop.
 */
async function selfTest() {
  const { createRegistrarDouble } = await import('sip-registrant/testing');
  const users = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw', dave: 'dave-pw' };
  const registrar = await createRegistrarDouble({ host: '127.0.0.1', port: 0, realm: 'example.com', users });
  const transport = await createUdpTransport({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'sip-registrant-sqlite-'));
  const db = openRegistrantTable(join(dir, 'registrant.db'));
  let failed = false;
  const check = (what, ok) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failed = true;
  };
  try {
    const insert = db.prepare(
      'INSERT INTO registrant (registrar, aor, username, password, binding_URI, expiry, state) VALUES (?, ?, ?, ?, ?, ?, 0)',
    );
    const registrarUri = `sip:${registrar.hostPort}`;
    const contact = (user) => `sip:${user}@127.0.0.1:${transport.localAddress.port}`;
    for (const user of ['alice', 'bob', 'carol'])
      insert.run(registrarUri, `sip:${user}@example.com`, user, users[user], contact(user), 600);
    console.log(`registrar double at ${registrarUri}; 3 rows in ${join(dir, 'registrant.db')}`);

    const app = await run({
      db,
      transport,
      // a short sweep so records added by a reload register within 2 s (OpenSIPS timer_interval)
      managerOptions: { hashSize: 0, timerInterval: 2 },
      miHost: '127.0.0.1',
      miPort: 0,
      pollSeconds: 3600,
      ignoreClusterShtag: false,
    });
    const list = async () => (await mi(app.miUrl, 'uac_registrant:list')).Records;
    const states = async () => Object.fromEntries((await list()).map((r) => [r.AOR, r.state]));
    const allRegistered = async (aors) => {
      const s = await states();
      return aors.every((a) => s[a] === 'REGISTERED_STATE');
    };
    await waitFor('3 records REGISTERED', () =>
      allRegistered(['sip:alice@example.com', 'sip:bob@example.com', 'sip:carol@example.com']),
    );
    const before = await list();
    printRecords('uac_registrant:list after the first load:', before);
    const bobCallId = app.manager.find('sip:bob@example.com', contact('bob'), registrarUri).callId;

    // Edit the table as an operator would, then ask for a reload over the MI (opensips-cli style).
    db.prepare("UPDATE registrant SET expiry = 1200 WHERE aor = 'sip:bob@example.com'").run();
    db.prepare("UPDATE registrant SET state = 1 WHERE aor = 'sip:carol@example.com'").run();
    db.prepare("DELETE FROM registrant WHERE aor = 'sip:alice@example.com'").run();
    insert.run(registrarUri, 'sip:dave@example.com', 'dave', users.dave, contact('dave'), 600);
    console.log('edited rows: bob expiry 600 -> 1200, carol state 0 -> 1, alice deleted, dave inserted');
    console.log(`uac_registrant:reload -> ${JSON.stringify(await mi(app.miUrl, 'uac_registrant:reload'))}`);

    await waitFor('dave REGISTERED, carol and alice unbound', async () => {
      const s = await states();
      return (
        s['sip:dave@example.com'] === 'REGISTERED_STATE' &&
        s['sip:bob@example.com'] === 'REGISTERED_STATE' &&
        s['sip:carol@example.com'] === 'NOT_REGISTERED_STATE' &&
        !('sip:alice@example.com' in s) &&
        registrar.bindings('sip:alice@example.com').length === 0
      );
    });
    const after = await list();
    printRecords('uac_registrant:list after editing the table and reloading:', after);
    const one = await mi(app.miUrl, 'reg_list', {
      aor: 'sip:bob@example.com',
      contact: contact('bob'),
      registrar: registrarUri,
    });
    console.log(`reg_list bob: ${JSON.stringify(one)}`);

    const bindings = (user) => registrar.bindings(`sip:${user}@example.com`).length;
    check('alice deleted: no binding at the registrar', bindings('alice') === 0);
    check(
      'bob still bound, same Call-ID (same dialog) after the expiry change',
      bindings('bob') === 1 &&
        app.manager.find('sip:bob@example.com', contact('bob'), registrarUri).callId === bobCallId,
    );
    check(
      'bob requests 1200 s now',
      app.manager.find('sip:bob@example.com', contact('bob'), registrarUri).requestedExpires === 1200,
    );
    check(
      'carol disabled: un-REGISTERed, listed with enabled "no"',
      bindings('carol') === 0 && after.find((r) => r.AOR === 'sip:carol@example.com')?.enabled === 'no',
    );
    check('dave added and bound', bindings('dave') === 1);
    check('no password in any MI answer', !JSON.stringify([before, after, one]).includes('-pw'));

    const stopped = await app.stop();
    console.log(`manager stopped: ${JSON.stringify(stopped)}`);
    check(
      'every binding removed at stop',
      ['alice', 'bob', 'carol', 'dave'].every((u) => bindings(u) === 0),
    );
  } finally {
    db.close();
    await transport.close();
    await registrar.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(failed ? 'self-test FAILED' : 'self-test passed');
  process.exitCode = failed ? 1 : 0;
}

async function main() {
  const pollSeconds = Number(args.poll);
  if (!(pollSeconds > 0)) {
    console.error(`--poll: expected seconds > 0, received ${args.poll}`);
    process.exit(2);
  }
  const db = openRegistrantTable(args.db);
  const transport = await createUdpTransport({ host: args['sip-host'], port: port('sip-port') });
  const app = await run({
    db,
    transport,
    miHost: args['mi-host'],
    miPort: port('mi-port'),
    pollSeconds,
    ignoreClusterShtag: args['ignore-cluster-shtag'],
  });
  const shutdown = async (signal) => {
    console.log(`${signal}: un-REGISTERing and stopping`);
    const result = await app.stop();
    console.log(`stopped: ${JSON.stringify(result)}`);
    db.close();
    await transport.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

await (args['self-test'] ? selfTest() : main());
