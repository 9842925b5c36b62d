import { describe, expect, it } from 'vitest';
import { DestinationPool, parseDestination } from '../../src/registrant/pinned-destination.js';

describe('pinned destinations', () => {
  it('EXP-13 a pin decodes to one shared frozen target, the same object for every request', () => {
    const pool = new DestinationPool();
    const text = pool.text(0, '192.0.2.1', 5060, undefined);
    expect(pool.text(0, '192.0.2.1', 5060, undefined)).toBe(text);
    const first = pool.decode(text);
    expect(first).toEqual({ index: 0, target: { host: '192.0.2.1', port: 5060 } });
    expect(pool.decode(text)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.target)).toBe(true);
    // A pin string that is not the interned one (e.g. kept across a pool restart) decodes equal.
    expect(pool.decode(`${'0|192.0.2.1'}|5060|`)).toEqual(first);
  });

  it('EXP-13 keeps the TLS server name and the transport index', () => {
    const pool = new DestinationPool();
    const text = pool.text(2, '2001:db8::1', 5061, 'sip.example.com');
    expect(pool.decode(text)).toEqual({
      index: 2,
      target: { host: '2001:db8::1', port: 5061, servername: 'sip.example.com' },
    });
  });

  it('strings that are not destinations decode to undefined', () => {
    const pool = new DestinationPool();
    for (const bad of [
      '',
      'udp:1.2.3.4:5060',
      'x|1.2.3.4|5060|',
      '0|1.2.3.4|0|',
      '0|1.2.3.4|70000|',
      '-1|h|5|',
    ])
      expect(pool.decode(bad)).toBeUndefined();
    expect(parseDestination('0|h|5060|')).toEqual({ index: 0, target: { host: 'h', port: 5060 } });
  });
});
