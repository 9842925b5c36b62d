/**
 * Heap per registered record through the whole manager (record, config, table, id map, dialog
 * strings, pin), with a connection-oriented in-memory transport so finished transactions are freed
 * at once (Timer K = 0). Issue 4 target: at most 1 KiB per registered record.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { RegistrantManager } from '../../src/registrant/registrant-manager.js';
import { spin, until } from './manager-rig.js';
import { answer, ScriptedTransport } from './scripted-transport.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

describe('manager memory', () => {
  it('REG-10 50,000 REGISTERED records with digest credentials take under 1 KiB each', async () => {
    const count = 50_000;
    const clock = new FakeClock(0);
    const transport = new ScriptedTransport({
      protocol: 'TCP',
      localAddress: { host: '192.0.2.10', port: 5060 },
      responder: (request) => answer(request, 200),
    });
    const manager = new RegistrantManager({ transport, clock, hashSize: 10, random: () => 0.5 });
    let registered = 0;
    manager.on('stateChange', (e) => {
      if (e.toName === 'REGISTERED') registered++;
    });
    // What the manager holds with no record, so only per-record growth is measured.
    const before = heapUsed();
    for (let i = 0; i < count; i++) {
      const user = String(1_000_000 + i);
      manager.add({
        registrar: 'sip:198.51.100.1;transport=tcp',
        aor: `sip:${user}@example.com`,
        contact: `sip:${user}@192.0.2.10:5060;transport=tcp`,
        username: user,
        password: `pw-${user}`,
      });
    }
    const added = heapUsed();
    manager.start();
    // One sweep: 1,024 ticks of ~98 ms; answers come on the next event-loop turn.
    for (let tick = 0; tick <= 1024; tick++) {
      clock.advance(manager.tickIntervalMs);
      await spin();
    }
    await until('all registered', () => registered === count, 30_000);
    transport.sent.length = 0; // the test's own log, not the manager's
    const perRecord = (heapUsed() - before) / count;
    console.log(
      `manager heap per REGISTERED record: ${perRecord.toFixed(0)} bytes ` +
        `(${((added - before) / count).toFixed(0)} once added, before any request)`,
    );
    expect(manager.stats().transactions.active).toBe(0);
    expect(perRecord).toBeLessThan(1024);
  }, 60_000);
});
