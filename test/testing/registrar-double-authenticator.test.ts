/**
 * The library's own Digest authenticator against the double, for every algorithm and qop: the two
 * were written independently, so agreement here checks both (the raw-client tests check the double
 * against digests computed by hand).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { challengeSetOf, createDigestAuthenticator } from '../../src/auth/digest-authenticator.js';
import { isResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';
import { createRegistrarDouble, type RegistrarDouble } from '../../src/testing/index.js';
import { buildRegister, RawSipClient } from './raw-sip-client.js';

let registrar: RegistrarDouble | undefined;
let client: RawSipClient | undefined;

afterEach(async () => {
  expect(registrar?.errors()).toEqual([]);
  await registrar?.close();
  await client?.close();
});

const ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'];

describe('registrar double × createDigestAuthenticator', () => {
  for (const algorithm of ALGORITHMS) {
    for (const qop of ['auth', 'auth-int', null] as const) {
      // RFC 2617 §3.2.2.2: a -sess A1 needs a cnonce, which only exists with qop.
      if (qop === null && algorithm.endsWith('-sess')) continue;
      it(`DIG-20 DIG-24 ${algorithm} with qop ${qop ?? 'none'} registers`, async () => {
        registrar = await createRegistrarDouble({
          realm: 'example.com',
          users: { alice: 'pässwörd' },
          algorithm,
          qop,
        });
        client = await RawSipClient.open();
        const first = { port: client.port, user: 'alice', callId: `auth-${algorithm}-${qop}`, cseq: 1 };
        client.send(buildRegister(first), registrar.address);
        const challenge = parseMessage(await client.nextText());
        if (!isResponse(challenge)) throw new Error('expected a response');
        expect(challenge.status).toBe(401);
        const [authorization] = createDigestAuthenticator().authorize(
          { method: 'REGISTER', uri: 'sip:example.com', body: '' },
          challengeSetOf(challenge),
          { username: 'alice', password: 'pässwörd' },
        );
        expect(authorization?.algorithm).toBe(algorithm);
        client.send(
          buildRegister({ ...first, cseq: 2, authorization: authorization!.value }),
          registrar.address,
        );
        const final = await client.next();
        expect(registrar.requests().at(-1)?.request.credentialsProblem).toBeUndefined();
        expect(final.status).toBe(200);
      });
    }
  }
});
