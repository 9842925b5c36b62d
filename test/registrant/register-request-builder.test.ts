import { describe, expect, it } from 'vitest';
import type { DigestAuthorization } from '../../src/auth/digest-authenticator.js';
import {
  buildRegisterRequest,
  prepareRegisterRequest,
  type RegisterRequestSpec,
} from '../../src/registrant/register-request-builder.js';
import { serializeMessage } from '../../src/sip/serializer.js';

const VIA = 'SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK0123456789abcdef01234567;rport';

/** The wire text of the prepared request as the transaction layer writes it. */
function preparedWire(spec: RegisterRequestSpec): string {
  const p = prepareRegisterRequest(spec);
  return `${p.method} ${p.uri} SIP/2.0\r\nVia: ${VIA}\r\n${p.headerLines}Content-Length: 0\r\n\r\n`;
}

/** The wire text of the request object through the serializer, with the same Via on top. */
function builtWire(spec: RegisterRequestSpec): string {
  const request = buildRegisterRequest(spec);
  request.headers.prepend('Via', VIA);
  return serializeMessage(request);
}

const BASE: RegisterRequestSpec = {
  requestUri: 'sip:registrar.example.com',
  aor: 'sip:alice@example.com',
  from: 'sip:alice@example.com',
  fromTag: 'ft1',
  callId: 'cid-1',
  cseq: 3,
  contact: 'sip:alice@192.0.2.10:5062',
  contactParams: '',
  expires: 3600,
  proxy: undefined,
  userAgent: '',
};

const AUTH = (headerName: 'Authorization' | 'Proxy-Authorization', realm: string) =>
  ({
    headerName,
    value: `Digest username="alice", realm="${realm}", nonce="n", uri="sip:registrar.example.com", response="0123"`,
    realm,
  }) as unknown as DigestAuthorization;

describe('prepareRegisterRequest', () => {
  const cases: Array<[string, Partial<RegisterRequestSpec>]> = [
    ['a first REGISTER', {}],
    ['REG-15 with an outbound proxy (Route, lr added)', { proxy: 'sip:proxy.example.com:5070' }],
    ['REG-15 with a proxy that already says lr', { proxy: 'sip:proxy.example.com;lr' }],
    ['EXP-10 an un-REGISTER (expires 0 and Expires: 0)', { expires: 0 }],
    [
      'REG-11 binding params and a User-Agent',
      { contactParams: ';+sip.instance="<urn:uuid:1>";reg-id=1', userAgent: 'ua/1.0' },
    ],
    ['REG-04 a third-party registrant', { from: 'sip:admin@example.com' }],
    [
      'DIG-40 answers to two realms',
      { authorizations: [AUTH('Authorization', 'a'), AUTH('Proxy-Authorization', 'b')] },
    ],
    ['a UTF-8 User-Agent', { userAgent: 'Téléphone ☎' }],
  ];
  for (const [name, overrides] of cases)
    it(`REG-01 REG-18 ${name}: same bytes as the request object serialized`, () => {
      const spec = { ...BASE, ...overrides };
      expect(preparedWire(spec)).toBe(builtWire(spec));
    });

  it('REG-05 carries the identity the transaction layer matches responses with', () => {
    const prepared = prepareRegisterRequest({ ...BASE, cseq: 9 });
    expect(prepared).toMatchObject({
      method: 'REGISTER',
      uri: 'sip:registrar.example.com',
      callId: 'cid-1',
      from: '<sip:alice@example.com>;tag=ft1',
      cseq: 9,
    });
    expect(prepared.headerLines).toContain('\r\nCSeq: 9 REGISTER\r\n');
  });
});
