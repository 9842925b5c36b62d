import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  compareDigestStrength,
  DIGEST_ALGORITHMS,
  findDigestAlgorithm,
  isDigestAlgorithmSupported,
  probeHash,
  supportedDigestAlgorithms,
} from '../../src/auth/digest-algorithms.js';

describe('digest algorithm table', () => {
  it('DIG-03 DIG-04 looks names up case-insensitively; absent means MD5', () => {
    expect(findDigestAlgorithm('md5')?.name).toBe('MD5');
    expect(findDigestAlgorithm('sha-512-256-SESS')?.name).toBe('SHA-512-256-sess');
    expect(findDigestAlgorithm(undefined)?.name).toBe('MD5');
    expect(findDigestAlgorithm('AKAv1-MD5')).toBeUndefined();
    expect(findDigestAlgorithm('SHA-512')).toBeUndefined();
    expect(findDigestAlgorithm('')).toBeUndefined();
  });

  it('DIG-20 maps SHA-512-256 to node sha512-256 (FIPS SHA-512/256 of "abc" = 53048e26…af23)', () => {
    const algorithm = findDigestAlgorithm('SHA-512-256')!;
    expect(algorithm.hash).toBe('sha512-256');
    const digest = createHash(algorithm.hash).update('abc').digest('hex');
    expect(digest.startsWith('53048e26')).toBe(true);
    expect(digest.endsWith('af23')).toBe(true);
    expect(digest).not.toBe(createHash('sha512').update('abc').digest('hex').slice(0, 64));
  });

  it('DIG-21 hex lengths: 32 for MD5, 64 for SHA-2', () => {
    for (const a of DIGEST_ALGORITHMS) expect(a.hexLength).toBe(a.family === 'MD5' ? 32 : 64);
  });

  it('DIG-41 strength: SHA-512-256 > SHA-256 > MD5; -sess ties with its family', () => {
    const s = (name: string) => findDigestAlgorithm(name)!;
    expect(compareDigestStrength(s('SHA-512-256'), s('SHA-256'))).toBeGreaterThan(0);
    expect(compareDigestStrength(s('SHA-256'), s('MD5'))).toBeGreaterThan(0);
    expect(compareDigestStrength(s('MD5-sess'), s('MD5'))).toBe(0);
    expect(compareDigestStrength(s('MD5'), s('SHA-256-sess'))).toBeLessThan(0);
  });

  it('DIG-43 probeHash treats a throwing or wrong hash as unsupported instead of throwing', () => {
    const throwing = () => {
      throw new Error('error:0308010C:digital envelope routines::unsupported');
    };
    expect(probeHash('md5', throwing)).toBe(false);
    // A "sha512-256" that is really truncated SHA-512 must be refused (DIG-20).
    const truncated = () => ({
      update: (data: string) => ({
        digest: () => createHash('sha512').update(data).digest('hex').slice(0, 64),
      }),
    });
    expect(probeHash('sha512-256', truncated)).toBe(false);
    expect(probeHash('sha512-256')).toBe(true);
    expect(probeHash('md5')).toBe(true);
  });

  it('DIG-43 on this Node every algorithm is supported', () => {
    expect(supportedDigestAlgorithms()).toEqual(DIGEST_ALGORITHMS.map((a) => a.name));
    expect(isDigestAlgorithmSupported('sha-256')).toBe(true);
    expect(isDigestAlgorithmSupported('AKAv1-MD5')).toBe(false);
  });
});
