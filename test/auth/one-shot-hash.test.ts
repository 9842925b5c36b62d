import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestKey, hashText } from '../../src/auth/one-shot-hash.js';

describe('hashText / digestKey', () => {
  it('DIG-11 DIG-20 equal createHash for strings (as UTF-8) and bytes, in every Digest hash', () => {
    for (const name of ['md5', 'sha256', 'sha512-256']) {
      for (const data of ['', 'abc', 'Ünïcödé:realm:pässword']) {
        expect(hashText(name, data)).toBe(createHash(name).update(data, 'utf8').digest('hex'));
      }
      const bytes = Uint8Array.from([0, 1, 2, 250, 255]);
      expect(hashText(name, bytes)).toBe(createHash(name).update(bytes).digest('hex'));
    }
  });

  it('digestKey is the base64 SHA-256: fixed size whatever the input', () => {
    const long = 'n'.repeat(10_000);
    expect(digestKey(long)).toBe(createHash('sha256').update(long, 'utf8').digest('base64'));
    expect(digestKey('a')).toHaveLength(44);
    expect(digestKey(long)).toHaveLength(44);
  });

  it('DIG-43 an unknown hash throws (the caller turns it into UNSUPPORTED_ALGORITHM)', () => {
    expect(() => hashText('no-such-hash', 'x')).toThrow();
  });
});
