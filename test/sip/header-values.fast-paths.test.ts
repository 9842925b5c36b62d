// The header-value parsers take shortcuts for the common case: a list row holding one value is
// parsed whole instead of being split first, a quoted-string with no backslash is found by a native
// search, a `user@host` URI is scanned once. These tests pin the cases where a shortcut could give
// a different answer or a different error than the general path.
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../../src/errors.js';
import { parseChallenge } from '../../src/sip/challenge.js';
import { parseContactList } from '../../src/sip/contact.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipResponse } from '../../src/sip/message.js';
import { parseFromTo, parseNameAddr } from '../../src/sip/name-addr.js';
import { parseParams } from '../../src/sip/params.js';
import { parseUri, type SipUri } from '../../src/sip/uri.js';
import { getVias, parseVia, topVia } from '../../src/sip/via.js';

function parseError(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected a SipParseError');
}

function sipUri(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.kind !== 'sip') throw new Error(`expected a sip: URI, got ${uri.kind}`);
  return uri;
}

function withVias(...rows: string[]): SipResponse {
  return {
    kind: 'response',
    status: 200,
    reason: 'OK',
    version: 'SIP/2.0',
    headers: new SipHeaders(rows.map((row) => ['Via', row] as [string, string])),
    body: '',
  };
}

describe('Contact rows: one value parsed whole, lists split', () => {
  it('MSG-05 a row with one value and a row with two give the same contacts in order', () => {
    const list = parseContactList(['<sip:a@h1>;expires=10', '<sip:b@h2>;q=0.5, "C" <sip:c@h3>']);
    if (list.star) throw new Error('unexpected star');
    expect(list.contacts.map((c) => (c.uri as SipUri).user)).toEqual(['a', 'b', 'c']);
    expect(list.contacts.map((c) => c.expires)).toEqual([10, undefined, undefined]);
    expect(list.contacts[1]!.q).toBe(0.5);
    expect(list.contacts[2]!.displayName).toBe('C');
  });

  it('PIT-25 a comma inside a quoted parameter value does not split the row', () => {
    const list = parseContactList(['<sip:a@h>;methods="INVITE,BYE";expires=5']);
    if (list.star) throw new Error('unexpected star');
    expect(list.contacts).toHaveLength(1);
    expect(list.contacts[0]!.params.get('methods')).toBe('INVITE,BYE');
    expect(list.contacts[0]!.expires).toBe(5);
  });

  it('MSG-05 whitespace around a lone value is trimmed as it is around list elements', () => {
    // U+00A0 is trimmed like a space; it must not become a display name.
    const list = parseContactList(['\u00a0 <sip:a@h>;expires=7 \u00a0']);
    if (list.star) throw new Error('unexpected star');
    expect(list.contacts).toHaveLength(1);
    expect(list.contacts[0]!.displayName).toBeUndefined();
    expect(list.contacts[0]!.expires).toBe(7);
  });

  it('PIT-24 strict mode reports an open quote after a valid value as a row error', () => {
    const error = parseError(() => parseContactList(['<sip:a@h>, "open']));
    expect(error.reason).toBe('BAD_HEADER_VALUE');
    expect(error.message).toBe('Contact: unterminated quoted-string or <URI> in a row');
  });

  it('PIT-24 strict mode reports an empty element and a misplaced star as before', () => {
    expect(parseError(() => parseContactList(['<sip:a@h>,'])).message).toBe(
      'Contact: empty value in the list',
    );
    expect(parseError(() => parseContactList(['<sip:a@h>', '*'])).message).toBe(
      "Contact: '*' must be the only Contact value",
    );
    expect(parseContactList([' * '])).toEqual({ star: true, skipped: 0 });
  });

  it('PIT-24 tolerant mode skips the bad element of a row and keeps the good ones', () => {
    const list = parseContactList(['<sip:a@h>, <sip:b@bad host>', '<sip:c@h>;tag=1;TAG=2', '<sip:d@h>'], {
      tolerant: true,
    });
    if (list.star) throw new Error('unexpected star');
    expect(list.contacts.map((c) => (c.uri as SipUri).user)).toEqual(['a', 'd']);
    expect(list.skipped).toBe(2);
  });
});

describe('Via rows: one via-parm parsed whole, lists split', () => {
  it('MSG-05 getVias and parseVia agree on single and comma-joined rows', () => {
    const vias = getVias(
      withVias(
        'SIP/2.0/UDP a.example;branch=z9hG4bK1',
        'SIP/2.0/TCP b.example;branch=z9hG4bK2, SIP/2.0/TLS c.example',
      ),
    );
    expect(vias.map((v) => v.host)).toEqual(['a.example', 'b.example', 'c.example']);
    expect(parseVia(' SIP/2.0/UDP a.example;branch=z9hG4bK1 ')[0]!.branch).toBe('z9hG4bK1');
  });

  it('MSG-05 an open quote after a valid via-parm is reported as such, not as that via-parm', () => {
    expect(parseError(() => parseVia('SIP/2.0/UDP h;branch=z9hG4bK1, "x')).message).toBe(
      'Via: unterminated quoted-string',
    );
    expect(parseError(() => getVias(withVias('SIP/2.0/UDP h,'))).message).toBe(
      'Via: empty via-parm in the list',
    );
  });

  it('MSG-05 topVia reads the first via-parm of a list even when a later one is malformed', () => {
    const via = topVia(withVias('SIP/2.0/UDP first.example;branch=z9hG4bK1, garbage'));
    expect(via?.host).toBe('first.example');
    expect(() => getVias(withVias('SIP/2.0/UDP first.example;branch=z9hG4bK1, garbage'))).toThrow(
      SipParseError,
    );
  });

  it('TRN-07 checks branch, received, rport, maddr, ttl in that order whatever order they are written in', () => {
    expect(parseError(() => parseVia('SIP/2.0/UDP h;ttl=999;received=x;branch="q"')).message).toBe(
      'Via: branch must have a token value',
    );
    expect(parseError(() => parseVia('SIP/2.0/UDP h;ttl=999;rport=0;received=x')).message).toBe(
      'Via: received must be an IPv4 or IPv6 address',
    );
    expect(parseError(() => parseVia('SIP/2.0/UDP h;ttl=999;rport=0')).message).toBe(
      'Via: rport must be a number from 1 to 65535',
    );
  });

  it('ABNF-06 protocol and transport are upper-cased only when written in lower case', () => {
    const via = parseVia('sip/2.0/udp h')[0]!;
    expect([via.protocolName, via.transport]).toEqual(['SIP', 'UDP']);
    const upper = parseVia('SIP/2.0/UDP h')[0]!;
    expect([upper.protocolName, upper.protocolVersion, upper.transport]).toEqual(['SIP', '2.0', 'UDP']);
  });
});

describe('SIP URI: user@host scanned once', () => {
  it('ABNF-04 a second @ is reported first, whatever else is wrong after the first', () => {
    for (const text of ['sip:a@bad host@x', 'sip:a@h:99999@x', 'sip:a@h;p=%zz@x', 'sip:@h@x']) {
      const error = parseError(() => parseUri(text));
      expect(error.reason, text).toBe('BAD_URI');
      expect(error.message, text).toBe("invalid URI: more than one '@'");
    }
  });

  it('ABNF-04 an empty user before @ and a bad escape in the user are still named', () => {
    expect(parseError(() => parseUri('sip:@h')).message).toBe('invalid URI: empty user part before @');
    expect(parseError(() => parseUri('sip:a%4@h')).message).toBe(
      'invalid URI: malformed %-escape in the user part',
    );
  });

  it('ABNF-07 the port is read with leading zeros and bounded to 1-65535', () => {
    expect(sipUri('sip:a@h:00080').port).toBe(80);
    expect(sipUri('sip:a@h:65535;lr').port).toBe(65535);
    for (const port of ['0', '65536', '', '5o60', '000000000000000000065536']) {
      expect(parseError(() => parseUri(`sip:a@h:${port}`)).message, port).toBe(
        'invalid URI: port must be a number from 1 to 65535',
      );
    }
  });

  it('ABNF-05 parameters end at the first ? and the URI headers follow', () => {
    const uri = sipUri('sip:a@h;transport=TCP;LR?Subject=hi&X=%20y');
    expect([...uri.params].map((p) => [p.name, p.value])).toEqual([
      ['transport', 'TCP'],
      ['lr', undefined],
    ]);
    expect(uri.headers).toEqual([
      { name: 'Subject', value: 'hi' },
      { name: 'X', value: '%20y' },
    ]);
    expect(sipUri('sip:a@h?x=y').params.size).toBe(0);
    expect(parseError(() => parseUri('sip:a@h;?x=y')).message).toMatch(/empty parameter name/);
    expect(parseError(() => parseUri('sip:a@h;p=%4?x=y')).message).toBe(
      "invalid URI: malformed %-escape in parameter 'p'",
    );
  });

  it('MSG-08 parameter names compare by key: case and unreserved escapes do not make a new name', () => {
    expect(parseError(() => parseUri('sip:h;LR;lr')).message).toBe(
      "invalid URI: parameter 'lr' appears more than once",
    );
    expect(parseError(() => parseUri('sip:h;%6Cr;lr')).message).toBe(
      "invalid URI: parameter 'lr' appears more than once",
    );
    expect(sipUri('sip:h;%6C%72').params.has('lr')).toBe(true);
  });

  it('ABNF-04 transport, user and method need a token value; an escape is judged after decoding', () => {
    expect(sipUri('sip:h;transport=%55DP').params.get('transport')).toBe('%55DP');
    expect(parseError(() => parseUri('sip:h;transport=a/b')).message).toBe(
      "invalid URI: 'transport' must have a token value",
    );
    // '(' is unreserved, so %28 decodes to a non-token character; '/' is reserved and stays %2F.
    expect(parseError(() => parseUri('sip:h;user=%28')).message).toBe(
      "invalid URI: 'user' must have a token value",
    );
    expect(sipUri('sip:h;user=%2F').params.get('user')).toBe('%2F');
  });
});

describe('quoted-strings: plain ones found by search, escaped ones unescaped', () => {
  it('ABNF-01 a backslash anywhere in the value still unescapes every quoted-string', () => {
    const params = parseParams(';a="plain";b="x\\"y";c="z"', 'X');
    expect([params.get('a'), params.get('b'), params.get('c')]).toEqual(['plain', 'x"y', 'z']);
    const address = parseNameAddr('"A \\"B\\"" <sip:a@h>;x="q"');
    expect(address.displayName).toBe('A "B"');
    expect(address.params.get('x')).toBe('q');
  });

  it('ABNF-01 CR or LF inside a quoted-string leaves it unterminated, even with a later quote', () => {
    expect(parseError(() => parseParams(';a="x\r\n";b="y"', 'X')).message).toBe(
      "X: unterminated quoted-string in parameter 'a'",
    );
    expect(parseError(() => parseChallenge('Digest realm="a\nb", nonce="n"')).message).toBe(
      'WWW-Authenticate: unterminated quoted-string in auth-param "realm"',
    );
  });

  it('MSG-07 parameter names are stored in lower case; quoted values keep their case', () => {
    const from = parseFromTo('<sip:a@h>;TAG=AbC;X="MiXed"');
    expect(from.tag).toBe('AbC');
    expect([...from.params].map((p) => p.name)).toEqual(['tag', 'x']);
    expect(from.params.get('x')).toBe('MiXed');
  });
});

describe('challenges: known auth-param names', () => {
  it('DIG-03 known and unknown names, in any case, land under their lower-case key', () => {
    const c = parseChallenge(
      'Digest USERNAME="u", userhash=true, Nonce="n", response="r", rspauth=x, nextnonce=y, xyz=1, NC=00000001, uri="sip:h"',
    );
    expect({ ...c.params }).toEqual({
      username: 'u',
      userhash: 'true',
      nonce: 'n',
      response: 'r',
      rspauth: 'x',
      nextnonce: 'y',
      xyz: '1',
      nc: '00000001',
      uri: 'sip:h',
    });
    expect(c.scheme).toBe('Digest');
  });

  it('MSG-08 a name repeated in another case is a duplicate', () => {
    expect(parseError(() => parseChallenge('Digest realm="a", REALM="b"')).message).toBe(
      'WWW-Authenticate: auth-param "realm" appears more than once',
    );
    expect(parseError(() => parseChallenge('Digest usernam=1, usernam=2')).message).toBe(
      'WWW-Authenticate: auth-param "usernam" appears more than once',
    );
  });

  it('DIG-57 values are kept byte for byte, quoted or not', () => {
    const c = parseChallenge('Digest realm="R e", nonce=abc/+==, opaque="", algorithm=md5');
    expect(c.params.realm).toBe('R e');
    expect(c.params.nonce).toBe('abc/+==');
    expect(c.params.opaque).toBe('');
    expect(c.params.algorithm).toBe('md5');
  });
});

describe('hosts read and classified in one pass', () => {
  it('ABNF-04 names, addresses and look-alikes get the same verdict in a URI and in a Via', () => {
    const cases: [string, string | undefined][] = [
      ['example.com', 'domain'],
      ['example.com.', 'domain'],
      ['a_b.example', 'domain'],
      ['192.0.2.10', 'ipv4'],
      ['192.000.002.010', 'ipv4'],
      ['192.0.2.256', undefined],
      ['1.2.3.4.', undefined],
      ['1.2.3', undefined],
      ['1.2.3.4.5', undefined],
      ['1234.2.3.4', undefined],
      ['192.0.2.1a', undefined],
      ['a-.example', undefined],
      ['-a.example', undefined],
      ['a..example', undefined],
      ['example.1', undefined],
      ['.', undefined],
    ];
    for (const [host, type] of cases) {
      for (const [text, parse] of [
        [`sip:u@${host}:5060;lr`, () => sipUri(`sip:u@${host}:5060;lr`)],
        [
          `SIP/2.0/UDP ${host}:5060;branch=z9hG4bK1`,
          () => parseVia(`SIP/2.0/UDP ${host}:5060;branch=z9hG4bK1`)[0]!,
        ],
      ] as const) {
        if (type === undefined) expect(() => parse(), text).toThrow(SipParseError);
        else expect(parse(), text).toMatchObject({ host, hostType: type, port: 5060 });
      }
    }
  });

  it('ABNF-04 a character that cannot be in a host is reported with the whole host as written', () => {
    expect(parseError(() => parseUri('sip:u@exa mple.com;lr')).message).toBe(
      'invalid URI: host "exa mple.com" is not a hostname, IPv4 address or [IPv6] reference',
    );
    expect(parseError(() => parseVia('SIP/2.0/UDP exa%mple.com;branch=x')).message).toBe(
      'Via: sent-by host is not a hostname, IPv4 address or [IPv6] reference',
    );
  });

  it('ABNF-06 a Via that starts SIP/2.0/ may still have whitespace before the transport', () => {
    const via = parseVia('SIP/2.0/ tcp host.example ;branch=z9hG4bK1')[0]!;
    expect([via.protocolName, via.protocolVersion, via.transport, via.host]).toEqual([
      'SIP',
      '2.0',
      'TCP',
      'host.example',
    ]);
  });
});

describe('Via sent-by port read in one pass', () => {
  it('ABNF-06 ABNF-07 the port allows whitespace around the colon and leading zeros, and stays within 1-65535', () => {
    expect(parseVia('SIP/2.0/UDP h.example : 05060 ;branch=z9hG4bK1')[0]!.port).toBe(5060);
    expect(parseVia('SIP/2.0/UDP h.example:65535')[0]!.port).toBe(65535);
    for (const port of ['0', '65536', '5o60', '', '99999999999']) {
      expect(parseError(() => parseVia(`SIP/2.0/UDP h.example:${port};branch=z9hG4bK1`)).message, port).toBe(
        'Via: sent-by port must be a number from 1 to 65535',
      );
    }
  });
});

describe('Contact q', () => {
  it('ABNF-07 every qvalue spelling reads as Number() would read it', () => {
    for (const q of ['0', '0.', '0.5', '0.8', '0.05', '0.123', '0.999', '0.000', '1', '1.', '1.0', '1.000']) {
      const list = parseContactList([`<sip:a@h>;q=${q}`]);
      if (list.star) throw new Error('unexpected star');
      expect(Object.is(list.contacts[0]!.q, Number(q.endsWith('.') ? q.slice(0, -1) : q)), q).toBe(true);
    }
    for (const q of ['1.5', '2', '0.1234', '.5', '0-5', '01']) {
      const list = parseContactList([`<sip:a@h>;q=${q}`]);
      if (list.star) throw new Error('unexpected star');
      expect(list.contacts[0]!.q, q).toBeUndefined();
    }
  });
});
