// DIG-43: a Node.js build whose crypto lacks MD5 (FIPS) and sha512-256 (old OpenSSL).
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  const createHash = (name: string, ...rest: unknown[]) => {
    if (name === 'md5' || name === 'sha512-256') {
      throw new Error('error:0308010C:digital envelope routines::unsupported');
    }
    return (original.createHash as (n: string, ...r: unknown[]) => ReturnType<typeof original.createHash>)(
      name,
      ...rest,
    );
  };
  return { ...original, default: { ...original, createHash }, createHash };
});

const { createDigestAuthenticator } = await import('../../src/auth/digest-authenticator.js');
const { computeDigestResponse } = await import('../../src/auth/compute-digest-response.js');
const { supportedDigestAlgorithms } = await import('../../src/auth/digest-algorithms.js');
const { DigestAuthError } = await import('../../src/errors.js');

describe('DIG-43 hashes missing from node:crypto at run time', () => {
  it('DIG-43 lists only the algorithms the build can compute', () => {
    expect(supportedDigestAlgorithms()).toEqual(['SHA-256', 'SHA-256-sess']);
  });

  it('DIG-43 skips MD5 and SHA-512-256 challenges instead of throwing, and answers SHA-256', () => {
    const a = createDigestAuthenticator();
    const rows = [
      'Digest realm="r", nonce="x", algorithm=SHA-512-256, qop="auth"',
      'Digest realm="r", nonce="m", algorithm=MD5, qop="auth"',
      'Digest realm="r", nonce="s", algorithm=SHA-256, qop="auth"',
    ];
    const [result] = a.authorize(
      { method: 'REGISTER', uri: 'sip:r' },
      { status: 401, rows },
      { username: 'u', password: 'p' },
    );
    expect(result!.algorithm).toBe('SHA-256');
  });

  it('DIG-43 only unavailable algorithms → NO_SUPPORTED_CHALLENGE naming the reason', () => {
    const a = createDigestAuthenticator();
    try {
      a.authorize(
        { method: 'REGISTER', uri: 'sip:r' },
        { status: 401, rows: ['Digest realm="r", nonce="m"'] },
        { username: 'u', password: 'p' },
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DigestAuthError);
      expect((error as InstanceType<typeof DigestAuthError>).reason).toBe('NO_SUPPORTED_CHALLENGE');
      expect((error as Error).message).toContain('not available in this Node.js crypto build');
    }
  });

  it('DIG-43 computeDigestResponse reports UNSUPPORTED_ALGORITHM', () => {
    try {
      computeDigestResponse({
        username: 'u',
        realm: 'r',
        password: 'p',
        method: 'REGISTER',
        uri: 'sip:r',
        nonce: 'n',
      });
      expect.unreachable();
    } catch (error) {
      expect((error as InstanceType<typeof DigestAuthError>).reason).toBe('UNSUPPORTED_ALGORITHM');
    }
  });
});
