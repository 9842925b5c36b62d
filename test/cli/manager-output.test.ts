/**
 * The daemon's views of a real manager: the reg_list table, the "all registered" watch and the
 * event log lines, with the registrar double over loopback UDP and a fake clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AllRegisteredWatch } from '../../src/cli/all-registered-watch.js';
import { createLogger } from '../../src/cli/logger.js';
import { logManagerEvents } from '../../src/cli/manager-log.js';
import { formatRegListTable } from '../../src/cli/reg-list-table.js';
import { advance, makeRig, type Rig, WALL0 } from '../registrant/manager-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function account(i: number, registrarUri: string, password = `pw${i}`) {
  return {
    registrar: registrarUri,
    aor: `sip:user${i}@example.com`,
    contact: `sip:user${i}@127.0.0.1:5070`,
    username: `user${i}`,
    password,
  };
}

const users = (name: string) => (name.startsWith('user') ? `pw${name.slice(4)}` : undefined);

describe('CLI views of a running manager', () => {
  it('prints reg_list as a table with a count per state, cut after maxRows', async () => {
    rig = await makeRig({}, { users });
    for (let i = 1; i <= 3; i++) rig.manager.add(account(i, rig.registrarUri));
    rig.manager.add(account(4, rig.registrarUri, 'wrong-password'));
    rig.manager.start();
    await advance(rig, 1_000);
    const table = formatRegListTable(rig.manager.list(), { maxRows: 2, now: WALL0 });
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#\s+AOR\s+state\s+expires\s+refresh in\s+last reply\s+binding\s+registrar$/);
    expect(lines[2]).toContain('sip:user1@example.com');
    expect(lines[2]).toContain('3 REGISTERED');
    expect(lines[2]).toContain('200 OK');
    // Granted 3600 s; the refresh is due before the expiry, with the sweep's margin.
    expect(lines[2]).toMatch(/\s3600s\s+5\dm\d\ds\s/);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toBe('… 2 more records not shown');
    expect(lines[5]).toBe('4 records: REGISTERED 3, WRONG_CREDENTIALS 1');
    expect(table).not.toContain('wrong-password');
  });

  it('reports "all registered" once, only when every enabled account is registered', async () => {
    rig = await makeRig({}, { users });
    for (let i = 1; i <= 3; i++) rig.manager.add(account(i, rig.registrarUri));
    rig.manager.add({ ...account(9, rig.registrarUri), enabled: false });
    let t = 0;
    // Each check is 10 s after the last: past the 5 s throttle of the walk over the records.
    const watch = new AllRegisteredWatch(rig.manager, () => (t += 10_000));
    expect(watch.check()).toBeUndefined();
    rig.manager.start();
    await advance(rig, 1_000);
    expect(watch.check()).toBe(3);
    expect(watch.check()).toBeUndefined();
    watch.rearm();
    rig.manager.add(account(5, rig.registrarUri, 'wrong'));
    await advance(rig, 120_000);
    expect(watch.check()).toBeUndefined(); // user5 is failing, not registered
  });

  it('logs failures as warnings, recoveries as info, the rest at debug, and never a password', async () => {
    rig = await makeRig({ failureRetryInterval: 60 }, { users });
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) });
    const unsubscribe = logManagerEvents(rig.manager, log);
    rig.manager.add(account(1, rig.registrarUri));
    rig.registrar.script({ type: 'respond', status: 503 }, { times: 1 });
    rig.manager.start();
    await advance(rig, 1_000);
    await advance(rig, 120_000);
    unsubscribe();
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = entries.find((e) => e.level === 'warn');
    expect(failed).toMatchObject({
      msg: 'registration failed: REGISTRAR_ERROR: the registrar refused the registration (see code and reason)',
      code: 503,
      aor: 'sip:user1@example.com',
      username: 'user1',
    });
    expect(typeof failed?.nextAttempt).toBe('string');
    expect(entries.find((e) => e.level === 'info')).toMatchObject({
      msg: 'registered again',
      aor: 'sip:user1@example.com',
    });
    expect(
      entries.some(
        (e) => e.level === 'debug' && String(e.msg).startsWith('state NOT_REGISTERED -> REGISTERING'),
      ),
    ).toBe(true);
    expect(lines.join('')).not.toContain('pw1');
  });
});
