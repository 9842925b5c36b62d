import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { parseUri } from '../../src/sip/uri.js';
import { uriEquals } from '../../src/sip/uri-compare.js';

function expectEqual(a: string, b: string): void {
  expect(uriEquals(a, b), `${a} == ${b}`).toBe(true);
  expect(uriEquals(b, a), `${b} == ${a}`).toBe(true);
}

function expectDifferent(a: string, b: string): void {
  expect(uriEquals(a, b), `${a} != ${b}`).toBe(false);
  expect(uriEquals(b, a), `${b} != ${a}`).toBe(false);
}

describe('uriEquals: the examples of RFC 3261 §19.1.4', () => {
  it('EXP-04 equal: escaped unreserved user, host case, parameter name and value case', () => {
    expectEqual('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp');
  });

  it('EXP-04 equal: parameters present in only one URI are ignored (and equality is not transitive)', () => {
    expectEqual('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5');
    expectEqual('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on');
    expectEqual('sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on');
    expectEqual('sip:carol@chicago.com', 'sip:carol@chicago.com;security=off');
    expectDifferent('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off');
  });

  it('EXP-04 equal: parameter order and an escaped reserved character in a header', () => {
    expectEqual(
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    );
  });

  it('EXP-04 equal: header order', () => {
    expectEqual(
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    );
  });

  it('EXP-04 not equal: user names differ in case', () => {
    expectDifferent('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP');
  });

  it('EXP-04 not equal: an explicit port, even the default one, against none', () => {
    expectDifferent('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060');
  });

  it('EXP-04 not equal: transport present in only one URI, even the default', () => {
    expectDifferent('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp');
    expectDifferent('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp');
  });

  it('EXP-04 not equal: a header component present in only one URI', () => {
    expectDifferent('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting');
  });

  it('EXP-04 not equal: a host name and the address it resolves to', () => {
    expectDifferent('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4');
  });
});

describe('uriEquals: the remaining rules', () => {
  it('EXP-04 a SIP and a SIPS URI are never equal', () => {
    expectDifferent('sip:alice@atlanta.com', 'sips:alice@atlanta.com');
  });

  it('EXP-04 user, ttl, method and maddr must be in both or neither and match', () => {
    for (const param of ['user=phone', 'ttl=1', 'method=INVITE', 'maddr=239.255.255.1']) {
      expectDifferent('sip:+1234@gw.example.com', `sip:+1234@gw.example.com;${param}`);
      expectEqual(`sip:+1234@gw.example.com;${param}`, `sip:+1234@gw.example.com;${param.toUpperCase()}`);
    }
    expectDifferent('sip:a@h;ttl=1', 'sip:a@h;ttl=2');
    expectEqual('sip:a@h;maddr=[2001:db8::1]', 'sip:a@h;maddr=[2001:DB8:0::1]');
  });

  it('EXP-04 a parameter in both must match; a flag does not match a valued parameter', () => {
    expectDifferent('sip:a@h;lr', 'sip:a@h;lr=on');
    expectEqual('sip:a@h;lr;ob', 'sip:a@h;OB;LR');
  });

  it('ABNF-03 %HH equals the unreserved character but not the reserved one', () => {
    expectEqual('sip:%61%6c%69%63%65@h', 'sip:alice@h');
    expectEqual('sip:alice@h;%6C%72', 'sip:alice@h;lr');
    expectEqual('sip:alice@h;x=v%61lue', 'sip:alice@h;x=VALUE');
    expectDifferent('sip:a%3Bb@h', 'sip:a;b@h');
    expectDifferent('sip:a%40b@h', 'sip:ab@h');
    expectEqual('sip:a%3bb@h', 'sip:a%3Bb@h');
    expectEqual('sip:I%20have%20spaces@h', 'sip:I%20have%20spaces@h');
  });

  it('EXP-04 password is compared case-sensitively and absent differs from present', () => {
    expectEqual('sip:alice:%73ecret@h', 'sip:alice:secret@h');
    expectDifferent('sip:alice:secret@h', 'sip:alice:SECRET@h');
    expectDifferent('sip:alice@h', 'sip:alice:secret@h');
    expectDifferent('sip:alice@h', 'sip:h');
  });

  it('EXP-04 header names compare case-insensitively, values case-sensitively', () => {
    expectEqual('sip:h?Subject=x', 'sip:h?subject=x');
    expectDifferent('sip:h?subject=x', 'sip:h?subject=X');
    expectDifferent('sip:h?a=1&a=1', 'sip:h?a=1');
    expectEqual('sip:h?a=%31', 'sip:h?a=1');
  });

  it('ABNF-04 IP address literals that yield the same binary address are equal (RFC 5954 §4 vectors)', () => {
    expectEqual('sip:bob@[::ffff:192.0.2.128]', 'sip:bob@[::ffff:c000:280]');
    expectEqual('sip:bob@[2001:db8::9:1]', 'sip:bob@[2001:db8::9:01]');
    expectEqual('sip:bob@[0:0:0:0:0:FFFF:129.144.52.38]', 'sip:bob@[::FFFF:129.144.52.38]');
  });

  it('ABNF-04 IP addresses compare by value (RFC 5954 §4)', () => {
    expectEqual('sip:a@[2001:db8::1]:5060', 'sip:a@[2001:0DB8:0:0:0:0:0:1]:5060');
    expectDifferent('sip:a@[2001:db8::1]', 'sip:a@[2001:db8::2]');
    expectDifferent('sip:a@[::ffff:192.0.2.4]', 'sip:a@192.0.2.4');
  });

  it('PIT-01 finds our binding when the registrar reorders, recases and adds parameters', () => {
    const ours = 'sip:alice@203.0.113.5:5060;transport=tcp;ob';
    expectEqual(ours, 'sip:alice@203.0.113.5:5060;OB;Transport=TCP;alias=198.51.100.7~5060~2;received=x');
    expectDifferent(ours, 'sip:alice@198.51.100.7:5060;transport=tcp;ob');
    expectDifferent(ours, 'sip:alice@203.0.113.5:5060;ob');
  });

  it('accepts parsed URIs as well as strings', () => {
    expect(uriEquals(parseUri('sip:alice@h'), 'sip:%61lice@H')).toBe(true);
    expect(uriEquals(parseUri('sip:alice@h'), parseUri('sip:bob@h'))).toBe(false);
  });

  it('compares tel: URIs by RFC 3966 §4: separators ignored, every parameter must match', () => {
    expectEqual('tel:+1-201-555-0123', 'tel:+1(201)5550123');
    expectEqual('tel:7042;phone-context=Example.com', 'tel:70-42;PHONE-CONTEXT=example.com');
    expectEqual('tel:7042;phone-context=+1-201', 'tel:7042;phone-context=+1201');
    expectDifferent('tel:+12015550123', 'tel:12015550123');
    expectDifferent('tel:+12015550123', 'tel:+12015550123;ext=1');
    expectDifferent('tel:+12015550123;ext=1', 'tel:+12015550123;ext=2');
  });

  it('never equates URIs of different schemes; other schemes compare by their text', () => {
    expectDifferent('sip:+12015550123@h', 'tel:+12015550123');
    expectDifferent('tel:+1', 'urn:+1');
    expectEqual('URN:uuid:abc', 'urn:uuid:abc');
    expectDifferent('urn:uuid:abc', 'urn:uuid:ABC');
  });

  it('throws SipParseError for a string that is not a URI', () => {
    expect(() => uriEquals('sip:a b', 'sip:a')).toThrow(SipParseError);
  });

  it('stays fast on URIs with very many parameters', () => {
    const params = Array.from({ length: 20_000 }, (_, i) => `;p${i}=${i}`).join('');
    expect(uriEquals(`sip:h${params}`, `sip:h${params};transport=udp`)).toBe(false);
    expect(uriEquals(`sip:h${params}`, `sip:h${params}`)).toBe(true);
  });
});
