import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { RegistrantConfig } from '../../src/config/registrant-config.js';
import { SipInvalidArgumentError } from '../../src/errors.js';
import type { JsonRpcFailure, JsonRpcSuccess } from '../../src/management/json-rpc.js';
import type { MiHandlerOptions, MiHandlerResult } from '../../src/management/mi-handler.js';
import { createMiHandler, MI_METHODS } from '../../src/management/mi-handler.js';
import { formatCtime } from '../../src/management/mi-record-view.js';
import { FakeManager } from './fake-manager.js';

const SECRET = 's3cr3t-Pa55';

const ALICE: RegistrantConfig = {
  registrar: 'sip:registrar.example.com',
  aor: 'sip:alice@example.com',
  contact: 'sip:alice@192.0.2.10:5060',
  username: 'alice',
  password: SECRET,
  expiry: 600,
};
const BOB: RegistrantConfig = {
  registrar: 'sip:registrar.example.com',
  proxy: 'sip:proxy.example.com',
  aor: 'sip:bob@example.com',
  thirdPartyRegistrant: 'sip:pbx@example.com',
  contact: 'sip:bob@192.0.2.11',
  contactParams: ';reg-id=1',
  socket: 'udp:192.0.2.11:5060',
  username: 'bob',
  password: SECRET,
  enabled: false,
};
const ALICE_ID = { aor: ALICE.aor, contact: ALICE.contact, registrar: ALICE.registrar };

function setup(options?: MiHandlerOptions) {
  const manager = new FakeManager();
  manager.add(ALICE, {
    state: 3,
    stateName: 'REGISTERED',
    expires: 590,
    lastRegisterSent: Date.UTC(2026, 10, 6, 9, 5, 7),
    registrationTimeout: Date.UTC(2026, 10, 6, 9, 14, 57),
    pinnedDestination: { host: '192.0.2.99', port: 5060 },
    callId: 'abc@host',
    lastCode: 200,
    lastReason: 'OK',
  });
  manager.add(BOB);
  const mi = createMiHandler(manager, options);
  /** Send one request; every answer is checked for the password. */
  const call = async (request: unknown): Promise<MiHandlerResult> => {
    const answer = await mi.handle(request);
    expect(JSON.stringify(answer) ?? '').not.toContain(SECRET);
    return answer;
  };
  const rpc = async (method: string, params?: unknown, id: number | string = 1) =>
    (await call({ jsonrpc: '2.0', method, ...(params === undefined ? {} : { params }), id })) as
      | JsonRpcSuccess
      | JsonRpcFailure;
  return { manager, mi, call, rpc };
}

function ok(answer: JsonRpcSuccess | JsonRpcFailure): unknown {
  if ('error' in answer) throw new Error(`unexpected error ${JSON.stringify(answer.error)}`);
  return answer.result;
}

function err(answer: JsonRpcSuccess | JsonRpcFailure): JsonRpcFailure['error'] {
  if (!('error' in answer)) throw new Error(`expected an error, got ${JSON.stringify(answer)}`);
  return answer.error;
}

describe('createMiHandler: list', () => {
  it('serves the 4.0 names and the reg_* aliases', () => {
    expect([...MI_METHODS].sort()).toEqual(
      [
        'reg_delete',
        'reg_disable',
        'reg_enable',
        'reg_force_register',
        'reg_list',
        'reg_reload',
        'reg_upsert',
        'uac_registrant:delete',
        'uac_registrant:disable',
        'uac_registrant:enable',
        'uac_registrant:force_register',
        'uac_registrant:list',
        'uac_registrant:reload',
        'uac_registrant:upsert',
      ].sort(),
    );
  });

  it('list without params answers Records in the OpenSIPS reg_list shape', async () => {
    const { rpc } = setup();
    for (const method of ['uac_registrant:list', 'reg_list']) {
      const result = ok(await rpc(method)) as { Records: Record<string, unknown>[] };
      expect(result.Records).toHaveLength(2);
      expect(result.Records[0]).toEqual({
        AOR: 'sip:alice@example.com',
        expires: 590,
        state: 'REGISTERED_STATE',
        enabled: 'yes',
        last_register_sent: 'Fri Nov  6 09:05:07 2026',
        registration_t_out: 'Fri Nov  6 09:14:57 2026',
        registrar: 'sip:registrar.example.com',
        binding: 'sip:alice@192.0.2.10:5060',
        dst_IP: 'IPv4',
        ip: '192.0.2.99',
      });
      expect(result.Records[1]).toEqual({
        AOR: 'sip:bob@example.com',
        expires: 0,
        state: 'NOT_REGISTERED_STATE',
        enabled: 'no',
        last_register_sent: 'Thu Jan  1 00:00:00 1970',
        registration_t_out: 'Thu Jan  1 00:00:00 1970',
        registrar: 'sip:registrar.example.com',
        binding: 'sip:bob@192.0.2.11',
        binding_params: ';reg-id=1',
        third_party_registrant: 'sip:pbx@example.com',
        socket: 'udp:192.0.2.11:5060',
        proxy: 'sip:proxy.example.com',
      });
    }
  });

  it('list with aor, contact and registrar answers one Registrant, by name or by position', async () => {
    const { rpc } = setup();
    const named = ok(await rpc('uac_registrant:list', ALICE_ID)) as { Registrant: Record<string, unknown> };
    expect(named.Registrant.AOR).toBe(ALICE.aor);
    const positional = ok(await rpc('reg_list', [BOB.aor, BOB.contact, BOB.registrar])) as {
      Registrant: Record<string, unknown>;
    };
    expect(positional.Registrant.AOR).toBe(BOB.aor);
    expect(positional).not.toHaveProperty('Records');
  });

  it('list of an unknown record is 404 "No such registrant"', async () => {
    const { rpc } = setup();
    expect(err(await rpc('reg_list', { ...ALICE_ID, contact: 'sip:other@192.0.2.10' }))).toEqual({
      code: 404,
      message: 'No such registrant',
    });
  });

  it('list with only some of the identity params is Invalid params', async () => {
    const { rpc } = setup();
    const e = err(await rpc('reg_list', { aor: ALICE.aor }));
    expect(e.code).toBe(-32602);
    expect(e.message).toBe('Invalid params');
    expect(JSON.stringify(e.data)).toContain('aor, contact and registrar');
    expect(err(await rpc('reg_list', { aor: ALICE.aor, contact: ALICE.contact, registrar: 5 })).code).toBe(
      -32602,
    );
  });

  it('timeFormat iso and epoch, and extendedFields', async () => {
    const iso = setup({ timeFormat: 'iso', extendedFields: true });
    const r = (ok(await iso.rpc('reg_list', ALICE_ID)) as { Registrant: Record<string, unknown> }).Registrant;
    expect(r.last_register_sent).toBe('2026-11-06T09:05:07.000Z');
    expect(r).toMatchObject({
      last_code: 200,
      last_reason: 'OK',
      call_id: 'abc@host',
      username: 'alice',
      requested_expires: 600,
    });
    const bob = (
      ok(await iso.rpc('reg_list', [BOB.aor, BOB.contact, BOB.registrar])) as {
        Registrant: Record<string, unknown>;
      }
    ).Registrant;
    expect(bob.last_register_sent).toBeNull();
    const epoch = setup({ timeFormat: 'epoch' });
    const e = (ok(await epoch.rpc('reg_list', ALICE_ID)) as { Registrant: Record<string, unknown> })
      .Registrant;
    expect(e.registration_t_out).toBe(Date.UTC(2026, 10, 6, 9, 14, 57) / 1000);
    expect(e).not.toHaveProperty('call_id');
  });

  it('formatCtime pads the day with a space like C ctime()', () => {
    expect(formatCtime(0)).toBe('Thu Jan  1 00:00:00 1970');
    expect(formatCtime(Date.UTC(2026, 10, 26, 10, 34, 1, 999))).toBe('Thu Nov 26 10:34:01 2026');
  });
});

describe('createMiHandler: per-record verbs', () => {
  const verbs = [
    ['enable', 'enable'],
    ['disable', 'disable'],
    ['force_register', 'forceRegister'],
    ['delete', 'delete'],
  ] as const;

  for (const [command, verb] of verbs) {
    it(`${command}: both names, named and positional params → "OK" and the manager verb`, async () => {
      for (const method of [`uac_registrant:${command}`, `reg_${command}`]) {
        for (const params of [ALICE_ID, [ALICE.aor, ALICE.contact, ALICE.registrar]]) {
          const { rpc, manager } = setup();
          const key = manager.find(ALICE.aor, ALICE.contact, ALICE.registrar)!.key;
          expect(ok(await rpc(method, params))).toBe('OK');
          expect(manager.calls).toEqual([`${verb} ${key}`]);
        }
      }
    });

    it(`${command}: unknown record → 404, missing params → -32602`, async () => {
      const { rpc, manager } = setup();
      expect(
        err(await rpc(`reg_${command}`, { ...ALICE_ID, registrar: 'sip:elsewhere.example.com' })),
      ).toEqual({
        code: 404,
        message: 'No such registrant',
      });
      expect(err(await rpc(`reg_${command}`, { aor: ALICE.aor, contact: ALICE.contact })).code).toBe(-32602);
      expect(err(await rpc(`reg_${command}`)).code).toBe(-32602);
      expect(err(await rpc(`reg_${command}`, [ALICE.aor, ALICE.contact, ALICE.registrar, 'x'])).code).toBe(
        -32602,
      );
      expect(err(await rpc(`reg_${command}`, { ...ALICE_ID, force: 1 })).code).toBe(-32602);
      expect(manager.calls).toEqual([]);
    });
  }

  it('enable/disable change the enabled field seen by list', async () => {
    const { rpc } = setup();
    await rpc('reg_disable', ALICE_ID);
    expect(
      (ok(await rpc('reg_list', ALICE_ID)) as { Registrant: { enabled: string } }).Registrant.enabled,
    ).toBe('no');
    await rpc('uac_registrant:enable', ALICE_ID);
    expect(
      (ok(await rpc('reg_list', ALICE_ID)) as { Registrant: { enabled: string } }).Registrant.enabled,
    ).toBe('yes');
    await rpc('uac_registrant:delete', ALICE_ID);
    expect(err(await rpc('reg_list', ALICE_ID)).code).toBe(404);
  });

  it('a manager whose verbs answer false for an unknown key also gives 404', async () => {
    const manager = new FakeManager();
    manager.add(ALICE);
    (manager as unknown as { enable: () => boolean }).enable = () => false;
    const mi = createMiHandler(manager);
    const answer = (await mi.handle({
      jsonrpc: '2.0',
      method: 'reg_enable',
      params: ALICE_ID,
      id: 3,
    })) as JsonRpcFailure;
    expect(answer).toEqual({ jsonrpc: '2.0', error: { code: 404, message: 'No such registrant' }, id: 3 });
  });

  it('an unexpected manager error is -32603 without details, reported to onError', async () => {
    const onError = vi.fn();
    const manager = new FakeManager();
    manager.add(ALICE);
    manager.disable = () => {
      throw new Error(`database password ${SECRET} leaked`);
    };
    const mi = createMiHandler(manager, { onError });
    const answer = await mi.handle({ jsonrpc: '2.0', method: 'reg_disable', params: ALICE_ID, id: 'x' });
    expect(answer).toEqual({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: 'x' });
    expect(onError).toHaveBeenCalledOnce();
  });

  it('a library error (e.g. a verb refused while stopping) is -32603 with its code and message', async () => {
    const manager = new FakeManager();
    manager.add(ALICE);
    manager.enable = () => {
      throw new SipInvalidArgumentError('RegistrantManager.enable: refused while stop() is in progress');
    };
    const mi = createMiHandler(manager);
    const answer = await mi.handle({ jsonrpc: '2.0', method: 'reg_enable', params: ALICE_ID, id: 1 });
    expect(answer).toMatchObject({
      error: {
        code: -32603,
        data: { code: 'ERR_INVALID_ARGUMENT', detail: expect.stringContaining('stop()') },
      },
    });
  });
});

describe('createMiHandler: upsert', () => {
  const named = {
    aor: 'sip:carol@example.com',
    contact: 'sip:carol@192.0.2.12',
    registrar: 'sip:registrar.example.com',
    proxy: '',
    third_party_registrant: '',
    username: 'carol',
    password: SECRET,
    binding_params: '',
    expiry: '900',
    forced_socket: '',
    cluster_shtag: '',
    state: '0',
  };

  it('inserts with all twelve params by name, strings as opensips-cli sends them', async () => {
    const { rpc, manager } = setup();
    expect(ok(await rpc('uac_registrant:upsert', named))).toBe('OK');
    const info = manager.find(named.aor, named.contact, named.registrar)!;
    expect(info).toMatchObject({ requestedExpires: 900, enabled: true, username: 'carol', proxy: undefined });
  });

  it('inserts with all twelve params by position, numbers for expiry and state', async () => {
    const { rpc, manager } = setup();
    const positional = [
      'sip:dave@example.com',
      'sip:dave@192.0.2.13',
      'sip:registrar.example.com',
      'sip:proxy.example.com',
      'sip:pbx@example.com',
      'dave',
      SECRET,
      ';reg-id=2',
      300,
      'tcp:192.0.2.13:5060',
      '',
      1,
    ];
    expect(ok(await rpc('reg_upsert', positional))).toBe('OK');
    expect(
      manager.find('sip:dave@example.com', 'sip:dave@192.0.2.13', 'sip:registrar.example.com'),
    ).toMatchObject({
      enabled: false,
      proxy: 'sip:proxy.example.com',
      thirdPartyRegistrant: 'sip:pbx@example.com',
      bindingParams: ';reg-id=2',
      socket: 'tcp:192.0.2.13:5060',
      requestedExpires: 300,
    });
  });

  it('replaces an existing record (same identity)', async () => {
    const { rpc, manager } = setup();
    expect(ok(await rpc('reg_upsert', { ...ALICE_ID, expiry: 1200, state: 0 }))).toBe('OK');
    expect(manager.calls).toEqual([`upsert ${manager.find(ALICE.aor, ALICE.contact, ALICE.registrar)!.key}`]);
    expect(manager.find(ALICE.aor, ALICE.contact, ALICE.registrar)!.requestedExpires).toBe(1200);
  });

  it('invalid values are Invalid params naming the OpenSIPS parameter, never the password', async () => {
    const { rpc, manager } = setup();
    const e = err(
      await rpc('reg_upsert', {
        ...named,
        registrar: 'sip:user@registrar.example.com',
        binding_params: 'reg-id=1',
        forced_socket: 'sctp:1.2.3.4:5',
        username: '',
        password: SECRET,
        proxy: `sip:${SECRET}@proxy.example.com`,
      }),
    );
    expect(e.code).toBe(-32602);
    const errors = (e.data as { errors: string[] }).errors;
    expect(errors.some((m) => m.startsWith('registrar: must not have a user part'))).toBe(true);
    expect(errors.some((m) => m.startsWith('binding_params: must start with ";"'))).toBe(true);
    expect(errors.some((m) => m.startsWith('forced_socket: '))).toBe(true);
    expect(errors.some((m) => m.startsWith('username: is required when password is set'))).toBe(true);
    expect(manager.calls).toEqual([]);
  });

  it('missing identity, bad integers, unknown params → Invalid params', async () => {
    const { rpc } = setup();
    expect(err(await rpc('reg_upsert', { contact: named.contact, registrar: named.registrar })).code).toBe(
      -32602,
    );
    expect(err(await rpc('reg_upsert', { ...named, expiry: '15m' })).code).toBe(-32602);
    expect(err(await rpc('reg_upsert', { ...named, state: true })).code).toBe(-32602);
    expect(err(await rpc('reg_upsert', { ...named, expires: 60 })).code).toBe(-32602);
    expect(err(await rpc('reg_upsert', { ...named, password: 42 })).code).toBe(-32602);
  });

  it('cluster_shtag is refused (no clustering) unless ignoreClusterShtag', async () => {
    const refused = setup();
    const e = err(await refused.rpc('reg_upsert', { ...named, cluster_shtag: 'vip/1' }));
    expect(e.code).toBe(-32602);
    expect(JSON.stringify(e.data)).toContain('cluster_shtag');
    const accepted = setup({ ignoreClusterShtag: true });
    expect(ok(await accepted.rpc('reg_upsert', { ...named, cluster_shtag: 'vip/1' }))).toBe('OK');
  });
});

describe('createMiHandler: reload', () => {
  const CAROL: RegistrantConfig = {
    registrar: 'sip:registrar.example.com',
    aor: 'sip:carol@example.com',
    contact: 'sip:carol@192.0.2.12',
    expiry: 900,
  };

  it('without params loads the configs and reloads the whole set', async () => {
    const loadConfigs = vi.fn(async () => [ALICE, CAROL]);
    const { rpc, manager } = setup({ loadConfigs });
    expect(ok(await rpc('uac_registrant:reload'))).toBe('OK');
    expect(loadConfigs).toHaveBeenCalledOnce();
    expect(manager.list().map((i) => i.aor)).toEqual([ALICE.aor, CAROL.aor]);
    expect(manager.calls).toEqual(['reload +1 -1']);
    expect(ok(await rpc('reg_reload', []))).toBe('OK');
  });

  it('with aor, contact, registrar reloads that one record from the loader', async () => {
    const { rpc, manager } = setup({ loadConfigs: () => [{ ...ALICE, expiry: 1800 }, CAROL] });
    expect(ok(await rpc('reg_reload', ALICE_ID))).toBe('OK');
    expect(manager.find(ALICE.aor, ALICE.contact, ALICE.registrar)!.requestedExpires).toBe(1800);
    expect(manager.calls).toHaveLength(1);
    expect(manager.calls[0]).toMatch(/^upsert /);
    expect(manager.find(CAROL.aor, CAROL.contact, CAROL.registrar)).toBeUndefined();
  });

  it('a single record the loader does not return is 404 and the table is untouched', async () => {
    const { rpc, manager } = setup({ loadConfigs: () => [CAROL] });
    expect(err(await rpc('reg_reload', [ALICE.aor, ALICE.contact, ALICE.registrar]))).toEqual({
      code: 404,
      message: 'No such registrant in database',
    });
    expect(manager.calls).toEqual([]);
    expect(manager.records.size).toBe(2);
  });

  it('a loader that never answers is 500 after loadTimeoutMs (fake clock), nothing changes', async () => {
    const clock = new FakeClock(0);
    const { rpc, manager } = setup({
      loadConfigs: () => new Promise<RegistrantConfig[]>(() => {}),
      clock,
      loadTimeoutMs: 5_000,
    });
    const pending = rpc('reg_reload');
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await Promise.resolve();
    clock.advance(4_999);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    const e = err(await pending);
    expect(e).toMatchObject({
      code: 500,
      message: 'Failed to load registrants',
      data: { code: 'ERR_LOAD_TIMEOUT' },
    });
    expect(manager.calls).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('no loader, a failing loader, or invalid records → 500 and nothing changes', async () => {
    expect(err(await setup().rpc('reg_reload'))).toMatchObject({ code: 500 });
    const failing = setup({
      loadConfigs: () => {
        throw new Error(`connect failed for user admin password ${SECRET}`);
      },
    });
    const e = err(await failing.rpc('reg_reload'));
    expect(e).toEqual({ code: 500, message: 'Failed to load registrants' });
    const notArray = setup({ loadConfigs: () => 'rows' as unknown as RegistrantConfig[] });
    expect(err(await notArray.rpc('reg_reload')).code).toBe(500);
    const invalid = setup({ loadConfigs: () => [CAROL, { ...ALICE, registrar: 'sip:u@x.example.com' }] });
    const bad = err(await invalid.rpc('reg_reload'));
    expect(bad.code).toBe(500);
    expect(JSON.stringify(bad.data)).toContain('registrar: must not have a user part');
    expect(invalid.manager.records.size).toBe(2);
    expect(invalid.manager.calls).toEqual([]);
  });
});

describe('createMiHandler: JSON-RPC 2.0 envelope', () => {
  it('answers with the request id, string or number', async () => {
    const { call } = setup();
    expect(await call({ jsonrpc: '2.0', method: 'reg_enable', params: ALICE_ID, id: 'abc' })).toEqual({
      jsonrpc: '2.0',
      result: 'OK',
      id: 'abc',
    });
    expect(await call({ jsonrpc: '2.0', method: 'reg_enable', params: ALICE_ID, id: null })).toMatchObject({
      id: null,
    });
  });

  it('parse error -32700 for text that is not JSON', async () => {
    const { call } = setup();
    expect(await call('{"jsonrpc": "2.0", "method": "reg_list"')).toEqual({
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error' },
      id: null,
    });
    expect(await call(Buffer.from(''))).toMatchObject({ error: { code: -32700 } });
  });

  it('accepts request text as a string or a Buffer', async () => {
    const { call } = setup();
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'reg_list', id: 9 });
    expect(await call(text)).toMatchObject({ id: 9, result: { Records: expect.any(Array) } });
    expect(await call(Buffer.from(text))).toMatchObject({ id: 9, result: { Records: expect.any(Array) } });
  });

  it('invalid request -32600 for a bad envelope', async () => {
    const { call } = setup();
    for (const bad of [
      42,
      'null',
      { method: 'reg_list', id: 1 },
      { jsonrpc: '1.0', method: 'reg_list', id: 1 },
      { jsonrpc: '2.0', method: 5, id: 1 },
      { jsonrpc: '2.0', method: 'reg_list', params: 'aor', id: 1 },
      { jsonrpc: '2.0', method: 'reg_list', id: { x: 1 } },
    ])
      expect(await call(bad)).toMatchObject({
        jsonrpc: '2.0',
        error: { code: -32600, message: 'Invalid Request' },
      });
    expect(await call({ jsonrpc: '1.0', method: 'reg_list', id: 7 })).toMatchObject({ id: 7 });
  });

  it('method not found -32601', async () => {
    const { rpc } = setup();
    expect(err(await rpc('reg_show'))).toEqual({ code: -32601, message: 'Method not found' });
    expect(err(await rpc('uac_registrant:reg_list'))).toEqual({ code: -32601, message: 'Method not found' });
  });

  it('a notification is acted on and answered with nothing, even on error', async () => {
    const { call, manager } = setup();
    expect(await call({ jsonrpc: '2.0', method: 'reg_disable', params: ALICE_ID })).toBeUndefined();
    expect(manager.calls).toHaveLength(1);
    expect(await call({ jsonrpc: '2.0', method: 'reg_nope' })).toBeUndefined();
    expect(await call({ jsonrpc: '2.0', method: 'reg_disable', params: { aor: 'x' } })).toBeUndefined();
  });

  it('a batch answers each call in order, skipping notifications', async () => {
    const { call, manager } = setup();
    const answer = (await call([
      { jsonrpc: '2.0', method: 'reg_disable', params: ALICE_ID, id: 1 },
      { jsonrpc: '2.0', method: 'reg_force_register', params: ALICE_ID },
      { jsonrpc: '2.0', method: 'reg_nope', id: 2 },
      7,
      { jsonrpc: '2.0', method: 'reg_list', params: ALICE_ID, id: 3 },
    ])) as (JsonRpcSuccess | JsonRpcFailure)[];
    expect(answer.map((a) => a.id)).toEqual([1, 2, null, 3]);
    expect(answer[0]).toMatchObject({ result: 'OK' });
    expect(answer[1]).toMatchObject({ error: { code: -32601 } });
    expect(answer[2]).toMatchObject({ error: { code: -32600 } });
    expect(answer[3]).toMatchObject({ result: { Registrant: { enabled: 'no' } } });
    expect(manager.calls).toHaveLength(2);
  });

  it('an empty batch is one Invalid Request; a batch of notifications answers nothing; batch size is bounded', async () => {
    const { call } = setup({ maxBatchSize: 2 });
    expect(await call([])).toMatchObject({ error: { code: -32600 }, id: null });
    expect(await call([{ jsonrpc: '2.0', method: 'reg_list' }])).toBeUndefined();
    expect(await call([1, 2, 3])).toMatchObject({ error: { code: -32600 }, id: null });
  });
});

describe('createMiHandler: options', () => {
  it('rejects bad options with a message naming the option', () => {
    const manager = new FakeManager();
    expect(() => createMiHandler(manager, { timeFormat: 'local' as 'iso' })).toThrow(SipInvalidArgumentError);
    expect(() => createMiHandler(manager, { timeFormat: 'local' as 'iso' })).toThrow(/timeFormat/);
    expect(() => createMiHandler(manager, { maxBodyBytes: 0 })).toThrow(
      /maxBodyBytes must be a positive integer/,
    );
    expect(() => createMiHandler(manager, { loadConfigs: [] as unknown as () => [] })).toThrow(
      /loadConfigs must be a function/,
    );
    expect(() => createMiHandler(manager, { extendedFields: 'yes' as unknown as boolean })).toThrow(
      /extendedFields/,
    );
    expect(() => createMiHandler(null as unknown as FakeManager)).toThrow(/manager/);
    expect(() => createMiHandler(manager, { clock: {} as FakeClock })).toThrow(
      /option clock must be a Clock/,
    );
    expect(() => createMiHandler(manager, { loadTimeoutMs: 1.5 })).toThrow(/loadTimeoutMs/);
  });
});

describe('createMiHandler: which (what opensips-cli asks first)', () => {
  it('without parameters lists every command, which included', async () => {
    const { rpc } = setup();
    // opensips-cli sends params [] or {} when a command has none, and a string id.
    for (const params of [undefined, [], {}]) {
      const result = ok(await rpc('which', params, '1234')) as string[];
      expect(result).toEqual([...MI_METHODS, 'which'].sort());
    }
  });

  it('with a command, answers the parameter sets it accepts (by name or by position)', async () => {
    const { rpc } = setup();
    expect(ok(await rpc('which', { command: 'reg_list' }))).toEqual([[], ['aor', 'contact', 'registrar']]);
    expect(ok(await rpc('which', ['uac_registrant:disable']))).toEqual([['aor', 'contact', 'registrar']]);
    const upsert = ok(await rpc('which', { command: 'reg_upsert' })) as string[][];
    expect(upsert[0]).toContain('forced_socket');
    expect(ok(await rpc('which', { command: 'which' }))).toEqual([[], ['command']]);
  });

  it('an unknown command or parameter is Invalid params', async () => {
    const { rpc } = setup();
    expect(err(await rpc('which', { command: 'ul_dump' }))).toMatchObject({ code: -32602 });
    expect(err(await rpc('which', { cmd: 'reg_list' }))).toMatchObject({ code: -32602 });
  });
});
