/**
 * The MI handler driving the real RegistrantManager against the registrar double over loopback UDP
 * (fake clock shared by both): what the MI verbs do reaches the registrar's binding table.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistrantConfig } from '../../src/config/registrant-config.js';
import type { JsonRpcResponse } from '../../src/management/json-rpc.js';
import { createMiHandler } from '../../src/management/mi-handler.js';
import { account, advance, makeRig, type Rig } from '../registrant/manager-rig.js';

const USERS = { alice: 'alice-Secret-1', bob: 'bob-Secret-2' };

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('createMiHandler with the real RegistrantManager and the registrar double', () => {
  it('upsert, list, disable, enable, force_register, reload, delete reach the registrar; no password in any answer', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: USERS });
    const r = rig;
    const alice = account(r, 'alice', {
      username: 'alice',
      password: USERS.alice,
      expiry: 600,
    }) as RegistrantConfig;
    const bob = account(r, 'bob', { username: 'bob', password: USERS.bob, expiry: 600 }) as RegistrantConfig;
    let table: RegistrantConfig[] = [alice];
    const mi = createMiHandler(r.manager, { loadConfigs: () => table });
    const answers: JsonRpcResponse[] = [];
    let next = 0;
    const rpc = async (method: string, params?: unknown): Promise<JsonRpcResponse> => {
      const answer = (await mi.handle({
        jsonrpc: '2.0',
        method,
        params: params ?? {},
        id: String(++next),
      })) as JsonRpcResponse;
      answers.push(answer);
      return answer;
    };
    const aliceId = { aor: alice.aor, contact: alice.contact, registrar: alice.registrar };
    const bindings = (user: string) => r.registrar.bindings(`sip:${user}@example.com`).length;

    // upsert with the twelve OpenSIPS params (strings, as opensips-cli sends them)
    expect(
      await rpc('uac_registrant:upsert', {
        ...aliceId,
        proxy: '',
        third_party_registrant: '',
        username: 'alice',
        password: USERS.alice,
        binding_params: '',
        expiry: '600',
        forced_socket: '',
        cluster_shtag: '',
        state: '0',
      }),
    ).toMatchObject({ result: 'OK' });
    r.manager.start();
    await advance(r, 1_000);
    expect(bindings('alice')).toBe(1);
    const listed = (await rpc('reg_list', aliceId)) as { result: { Registrant: Record<string, unknown> } };
    expect(listed.result.Registrant).toMatchObject({
      AOR: alice.aor,
      state: 'REGISTERED_STATE',
      enabled: 'yes',
      registrar: alice.registrar,
      binding: alice.contact,
      dst_IP: 'IPv4',
      ip: '127.0.0.1',
    });
    expect(listed.result.Registrant.expires).toBeGreaterThan(0);
    expect(listed.result.Registrant.last_register_sent).toMatch(
      /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/,
    );

    // disable → un-REGISTER, the binding leaves the registrar
    expect(await rpc('reg_disable', [alice.aor, alice.contact, alice.registrar])).toMatchObject({
      result: 'OK',
    });
    await advance(r, 1_000);
    expect(bindings('alice')).toBe(0);
    expect(await rpc('reg_list', aliceId)).toMatchObject({ result: { Registrant: { enabled: 'no' } } });

    // enable → registers again at once
    expect(await rpc('uac_registrant:enable', aliceId)).toMatchObject({ result: 'OK' });
    await advance(r, 1_000);
    expect(bindings('alice')).toBe(1);
    const callId = r.manager.find(alice.aor, alice.contact, alice.registrar)!.callId;

    expect(await rpc('reg_force_register', aliceId)).toMatchObject({ result: 'OK' });
    await advance(r, 1_000);
    expect(r.manager.find(alice.aor, alice.contact, alice.registrar)!.state).toBe(3);

    // reload: bob appears, alice unchanged keeps her Call-ID
    table = [alice, bob];
    expect(await rpc('uac_registrant:reload')).toMatchObject({ result: 'OK' });
    // a record added by reload registers at its bucket's next visit (one sweep: timerInterval 100 s)
    await advance(r, 101_000);
    expect(bindings('bob')).toBe(1);
    expect(r.manager.find(alice.aor, alice.contact, alice.registrar)!.callId).toBe(callId);
    const all = (await rpc('uac_registrant:list')) as {
      result: { Records: { AOR: string; state: string }[] };
    };
    expect(all.result.Records.map((x) => [x.AOR, x.state]).sort()).toEqual([
      [alice.aor, 'REGISTERED_STATE'],
      [bob.aor, 'REGISTERED_STATE'],
    ]);

    // delete → un-REGISTER and gone; then 404
    const bobId = [bob.aor, bob.contact, bob.registrar];
    expect(await rpc('reg_delete', bobId)).toMatchObject({ result: 'OK' });
    await advance(r, 1_000);
    expect(bindings('bob')).toBe(0);
    expect(await rpc('reg_delete', bobId)).toMatchObject({
      error: { code: 404, message: 'No such registrant' },
    });
    expect(await rpc('reg_enable', bobId)).toMatchObject({ error: { code: 404 } });

    // single-record reload of a record the loader no longer has → 404 "No such registrant in database"
    table = [alice];
    expect(await rpc('reg_reload', bobId)).toMatchObject({
      error: { code: 404, message: 'No such registrant in database' },
    });

    // and the same list over the node:http listener
    const server = createServer(mi.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mi`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: '77', method: 'uac_registrant:list', params: {} }),
        signal: AbortSignal.timeout(5000),
      });
      const json = (await res.json()) as JsonRpcResponse;
      answers.push(json);
      expect(json).toMatchObject({
        id: '77',
        result: { Records: [{ AOR: alice.aor, state: 'REGISTERED_STATE' }] },
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    const text = JSON.stringify(answers);
    expect(text).not.toContain(USERS.alice);
    expect(text).not.toContain(USERS.bob);
  });
});
