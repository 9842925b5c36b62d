import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { classifyHost, hostComparisonKey, parseIPv6 } from '../../src/sip/host.js';
import { comparisonKey, percentDecode } from '../../src/sip/percent-encoding.js';
import { formatUri, isSipUri, parseSipUri, parseUri, type SipUri } from '../../src/sip/uri.js';

function sip(text: string): SipUri {
  const uri = parseUri(text);
  if (!isSipUri(uri)) throw new Error(`not a SIP URI: ${text}`);
  return uri;
}

function badUri(text: string): SipParseError {
  try {
    parseUri(text, 'Contact');
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    expect((error as SipParseError).reason).toBe('BAD_URI');
    return error as SipParseError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseUri: SIP and SIPS', () => {
  it('reads every component of sip:user:password@host:port;params?headers', () => {
    const uri = sip('sips:alice:pw@Atlanta.example.com:5061;transport=tls;lr?Subject=hi&Priority=urgent');
    expect(uri).toMatchObject({
      kind: 'sip',
      scheme: 'sips',
      user: 'alice',
      password: 'pw',
      host: 'Atlanta.example.com',
      hostType: 'domain',
      port: 5061,
    });
    expect([...uri.params]).toEqual([
      { name: 'transport', value: 'tls', quoted: false },
      { name: 'lr', value: undefined, quoted: false },
    ]);
    expect(uri.headers).toEqual([
      { name: 'Subject', value: 'hi' },
      { name: 'Priority', value: 'urgent' },
    ]);
  });

  it('treats the scheme case-insensitively and stores it in lower case', () => {
    expect(sip('SIP:ALICE@AtLanTa.CoM;Transport=udp')).toMatchObject({
      scheme: 'sip',
      user: 'ALICE',
      host: 'AtLanTa.CoM',
    });
    expect(sip('SiPs:example.com').scheme).toBe('sips');
  });

  it('leaves user, password and port undefined when absent (absent is not 5060)', () => {
    expect(sip('sip:example.com')).toMatchObject({ user: undefined, password: undefined, port: undefined });
    expect(sip('sip:alice:@example.com').password).toBe('');
  });

  it('ABNF-03 keeps %HH escapes in the user part as received and decodes them on request (RFC 4475 esc01)', () => {
    const uri = sip('sip:sips%3Auser%40example.com@example.net');
    expect(uri.user).toBe('sips%3Auser%40example.com');
    expect(uri.host).toBe('example.net');
    expect(percentDecode(uri.user!)).toBe('sips:user@example.com');
    expect(percentDecode(sip('sip:I%20have%20spaces@example.net').user!)).toBe('I have spaces');
    expect(sip('sip:null-%00-null@example.com').user).toBe('null-%00-null');
  });

  it('ABNF-03 accepts ";" inside the user part (RFC 4475 semiuri)', () => {
    const uri = sip('sip:user;par=u%40example.net@example.com');
    expect(uri.user).toBe('user;par=u%40example.net');
    expect(uri.host).toBe('example.com');
    expect(uri.params.size).toBe(0);
  });

  it('ABNF-03 accepts the unusual user characters of RFC 4475 intmeth', () => {
    const uri = sip("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com");
    expect(uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(uri.headers).toEqual([]);
  });

  it('ABNF-03 unescapes parameter names for lookup, keeps values escaped (RFC 4475 esc01 Contact)', () => {
    const uri = sip('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
    expect(uri.user).toBe('cal%6Cer');
    expect(uri.params.has('lr')).toBe(true);
    expect(uri.params.get('name')).toBe('v%61lue%25%34%31');
    expect(percentDecode(uri.params.get('name')!)).toBe('value%41');
  });

  it('keeps escaped URI headers as received (RFC 4475 regescrt)', () => {
    const uri = sip('sip:user@example.com?Route=%3Csip:sip.example.com%3E');
    expect(uri.headers).toEqual([{ name: 'Route', value: '%3Csip:sip.example.com%3E' }]);
    expect(
      sip('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com').headers[0]!.value,
    ).toBe('sip:bob%40biloxi.com');
  });

  it('ABNF-04 parses IPv4 and [IPv6] hosts with ports after the bracket (RFC 5118)', () => {
    expect(sip('sip:192.0.2.4:5060')).toMatchObject({ host: '192.0.2.4', hostType: 'ipv4', port: 5060 });
    expect(sip('sip:caller@[2001:db8::1]')).toMatchObject({
      host: '[2001:db8::1]',
      hostType: 'ipv6',
      port: undefined,
    });
    expect(sip('sip:[2001:db8::10]:5070')).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
    // RFC 5118 §4.3: inside the brackets ":5070" is part of the address, not a port.
    expect(sip('sip:[2001:db8::10:5070]')).toMatchObject({ host: '[2001:db8::10:5070]', port: undefined });
  });

  it('ABNF-04 accepts the RFC 5954 IPv6 grammar, dotted IPv4 tails included', () => {
    for (const host of [
      '[::ffff:192.0.2.10]',
      '[2001:db8::192.0.2.1]',
      '[::]',
      '[::1]',
      '[1:2:3:4:5:6:7:8]',
      '[1::]',
    ]) {
      expect(sip(`sip:${host}`).hostType, host).toBe('ipv6');
    }
  });

  it('ABNF-04 rejects an unbracketed IPv6 host and malformed addresses (RFC 5118 §4.2)', () => {
    badUri('sip:2001:db8::10');
    for (const host of [
      '[2001:db8::10',
      '[1:2:3:4:5:6:7:8:9]',
      '[1::2::3]',
      '[12345::]',
      '[::1.2.3]',
      '[:1]',
      '[1:]',
    ]) {
      badUri(`sip:${host}`);
    }
  });

  it('ABNF-03 rejects escapes in the host, which must never be read as the unescaped name', () => {
    badUri('sip:alice@ex%61mple.com');
  });

  it('validates host names and IPv4 addresses', () => {
    expect(sip('sip:host_5.example.net.').hostType).toBe('domain');
    for (const host of [
      '192.0.2.256',
      '192.0.2',
      'exa mple.com',
      '-a.com',
      'a-.com',
      'a..com',
      'a.1com',
      '',
    ]) {
      badUri(`sip:alice@${host}`);
    }
  });

  it('accepts ports 1-65535 with leading zeros and rejects the rest', () => {
    expect(sip('sip:h:05060').port).toBe(5060);
    expect(sip('sip:h:65535').port).toBe(65535);
    for (const port of ['0', '65536', '', 'x', '99999999999999999999']) badUri(`sip:h:${port}`);
  });

  it('validates transport, user, method, ttl and maddr parameter values', () => {
    expect(sip('sip:h;ttl=255;maddr=[::1];transport=sctp;user=phone;method=REGISTER').params.size).toBe(5);
    for (const bad of [
      ';ttl=256',
      ';ttl=0001',
      ';ttl',
      ';maddr=a..b',
      ';maddr',
      ';transport',
      ';user',
      ';method=%22',
    ]) {
      badUri(`sip:h${bad}`);
    }
  });

  it('MSG-08 rejects a URI parameter that appears twice, escaped or not', () => {
    badUri('sip:h;lr;lr');
    badUri('sip:h;lr;%6C%72');
  });

  it('rejects malformed escapes, spaces, a second "@", empty parts and junk', () => {
    const cases = [
      'sip:al%zzice@h',
      'sip:alice%4@h',
      'sip:h;a=%',
      'sip:a.g.bell@ bell-tel.com',
      'sip:a@b@c',
      'sip:@h',
      'sip:h;',
      'sip:h;=x',
      'sip:h;a=',
      'sip:h?',
      'sip:h?a',
      'sip:h?a=b&',
      'sip:h?a=b=c',
      'sip:h x',
      'sip:',
      'sip:alice:pass word@h',
      '<sip:h>',
      ' sip:h',
      'sip',
      ':h',
      '1sip:h',
    ];
    for (const text of cases) badUri(text);
  });

  it('never repeats the user or password in an error message', () => {
    const error = badUri('sip:alice:S3cretPW!@bad host');
    expect(error.message).not.toContain('S3cretPW');
    expect(error.message).not.toContain('alice');
    expect(badUri('sip:alice:S3cr%zzet@h').message).not.toContain('S3cr');
    expect(error.header).toBe('Contact');
  });

  it('parseSipUri rejects other schemes', () => {
    expect(parseSipUri('sip:h').host).toBe('h');
    expect(() => parseSipUri('tel:+1234')).toThrow(SipParseError);
  });
});

describe('parseUri: tel and other schemes', () => {
  it('reads global and local tel: numbers with parameters (RFC 3966)', () => {
    expect(parseUri('tel:+1-201-555-0123;ext=42')).toMatchObject({
      kind: 'tel',
      number: '+1-201-555-0123',
      global: true,
    });
    const local = parseUri('TEL:7042;phone-context=example.com');
    expect(local).toMatchObject({ kind: 'tel', scheme: 'tel', number: '7042', global: false });
    expect(local.kind === 'tel' && local.params.get('phone-context')).toBe('example.com');
    expect(parseUri('tel:*21#').kind).toBe('tel');
  });

  it('rejects malformed tel: numbers', () => {
    for (const text of ['tel:', 'tel:+', 'tel:+12a4', 'tel:12 34', 'tel:--', 'tel:+1;;x', 'tel:+1;a;a'])
      badUri(text);
  });

  it('keeps any other absolute URI opaque (RFC 4475 §3.3.4: isbn:, http:, name:)', () => {
    expect(parseUri('isbn:2983792873')).toEqual({ kind: 'absolute', scheme: 'isbn', value: '2983792873' });
    expect(parseUri('HTTP://www.example.com')).toEqual({
      kind: 'absolute',
      scheme: 'http',
      value: '//www.example.com',
    });
    expect(parseUri('soap.beep://192.0.2.103:3002').scheme).toBe('soap.beep');
    for (const text of ['name:', 'http://a b', 'urn:<x>', 'mailto:"a"']) badUri(text);
  });
});

describe('formatUri', () => {
  it('writes a canonical form: lower-case scheme and parameter names, port without leading zeros', () => {
    expect(formatUri(parseUri('SIP:Alice@Example.COM:05060;Transport=TCP;LR?Subject=x'))).toBe(
      'sip:Alice@Example.COM:5060;transport=TCP;lr?Subject=x',
    );
    expect(formatUri(parseUri('sips:%61lice:p%40ss@[2001:db8::1]:5061;maddr=[::1]'))).toBe(
      'sips:%61lice:p%40ss@[2001:db8::1]:5061;maddr=[::1]',
    );
    expect(formatUri(parseUri('tel:+1-201-555-0123;EXT=1'))).toBe('tel:+1-201-555-0123;ext=1');
    expect(formatUri(parseUri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6'))).toBe(
      'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    );
  });

  it('escapes characters a hand-built URI may not hold raw', () => {
    const base = sip('sip:h');
    const built: SipUri = {
      ...base,
      user: 'alice smith@home',
      password: 'a:b',
      headers: [{ name: 'Subject', value: 'a&b c' }],
    };
    expect(formatUri(built)).toBe('sip:alice%20smith%40home:a%3Ab@h?Subject=a%26b%20c');
    expect(formatUri({ ...base, user: 'jörg' })).toBe('sip:j%C3%B6rg@h');
  });
});

describe('host helpers', () => {
  it('ABNF-04 classifies hosts and compares IP addresses by value (RFC 5954 §4)', () => {
    expect(classifyHost('[2001:db8::1]')).toBe('ipv6');
    expect(classifyHost('2001:db8::1')).toBeUndefined();
    expect(hostComparisonKey('[2001:DB8:0:0::1]', 'ipv6')).toBe(hostComparisonKey('[2001:db8::1]', 'ipv6'));
    expect(hostComparisonKey('[::ffff:192.0.2.10]', 'ipv6')).toBe(
      hostComparisonKey('[::ffff:c000:20a]', 'ipv6'),
    );
    expect(hostComparisonKey('192.0.2.010', 'ipv4')).toBe('192.0.2.10');
    expect(hostComparisonKey('Example.COM', 'domain')).toBe('example.com');
    expect(parseIPv6('1:2:3:4:5:6:7::')).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
  });
});

describe('percent-encoding', () => {
  it('ABNF-03 comparison keys undo escapes of unreserved characters only', () => {
    expect(comparisonKey('%61lice')).toBe('alice');
    expect(comparisonKey('a%3bb')).toBe('a%3Bb');
    expect(comparisonKey('a%3Bb')).not.toBe(comparisonKey('a;b'));
    expect(comparisonKey('%25%41')).toBe('%25A');
    expect(comparisonKey('%20')).toBe(' ');
    expect(comparisonKey('jörg')).toBe(comparisonKey('j%c3%b6rg'));
  });

  it('percentDecode decodes UTF-8 and replaces invalid sequences', () => {
    expect(percentDecode('j%C3%B6rg')).toBe('jörg');
    expect(percentDecode('%FF')).toBe('\uFFFD');
    expect(percentDecode('100%')).toBe('100%');
  });
});
