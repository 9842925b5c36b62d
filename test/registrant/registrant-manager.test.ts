import { afterEach, describe, expect, it } from 'vitest';
import { RegistrantState } from '../../src/registrant/registrant-state.js';
import { account, advance, makeRig, quiet, type Rig, requestsFor } from './manager-rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('RegistrantManager over the registrar double', () => {
  it('REG-01 registers one account with digest auth', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: { alice: 'alice-pw' } });
    const key = rig.manager.add(account(rig, 'alice', { username: 'alice', password: 'alice-pw' }));
    rig.manager.start();
    await advance(rig, 10);
    await quiet(rig);
    const info = rig.manager.get(key)!;
    expect(info.stateName).toBe('REGISTERED');
    expect(info.state).toBe(RegistrantState.REGISTERED);
    expect(rig.registrar.bindings('sip:alice@example.com')).toHaveLength(1);
    const sent = requestsFor(rig.registrar, 'alice');
    expect(sent.map((s) => s.status)).toEqual([401, 200]);
    expect(rig.errors).toEqual([]);
  });
});
