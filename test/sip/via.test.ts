import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { SipHeaders } from '../../src/sip/headers.js';
import type { SipResponse } from '../../src/sip/message.js';
import { GenericParams } from '../../src/sip/params.js';
import { formatVia, getVias, parseVia, topVia } from '../../src/sip/via.js';

function one(value: string) {
  const vias = parseVia(value);
  expect(vias).toHaveLength(1);
  return vias[0]!;
}

function response(rows: [string, string][]): SipResponse {
  return {
    kind: 'response',
    status: 200,
    reason: 'OK',
    version: 'SIP/2.0',
    headers: new SipHeaders(rows),
    body: '',
  };
}

describe('parseVia', () => {
  it('reads sent-protocol, sent-by and the typed parameters', () => {
    const via = one(
      'SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067;ttl=16;maddr=224.2.0.1',
    );
    expect(via).toMatchObject({
      protocolName: 'SIP',
      protocolVersion: '2.0',
      transport: 'UDP',
      host: 'pc33.atlanta.com',
      hostType: 'domain',
      port: 5066,
      branch: 'z9hG4bK776asdhds',
      received: '192.0.2.1',
      rport: 5067,
      ttl: 16,
      maddr: '224.2.0.1',
    });
    expect(via.params.size).toBe(5);
  });

  it('TRN-06 reads a valueless rport as true and an absent one as undefined', () => {
    expect(one('SIP/2.0/UDP h;rport;branch=z9hG4bK1').rport).toBe(true);
    expect(one('SIP/2.0/UDP h;branch=z9hG4bK1').rport).toBeUndefined();
  });

  it('ABNF-06 allows whitespace around "/" and ":" (RFC 4475 wsinv)', () => {
    const via = one('SIP  /   2.0 /UDP    192.0.2.2 :  5060 ;rport;branch=390skdjuw');
    expect(via).toMatchObject({
      transport: 'UDP',
      host: '192.0.2.2',
      hostType: 'ipv4',
      port: 5060,
      branch: '390skdjuw',
    });
  });

  it('ABNF-06 accepts any transport token (RFC 4475 transports) and upper-cases it', () => {
    const transports = ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'ws', 'TLS-SCTP'].map(
      (t) => one(`SIP/2.0/${t} t.example.com;branch=z9hG4bKkdjuw`).transport,
    );
    expect(transports).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'WS', 'TLS-SCTP']);
  });

  it('TRN-07 accepts received as IPv4, bare IPv6 and bracketed IPv6 (RFC 5118 §4.5)', () => {
    expect(one('SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3;received=[2001:db8::9:255]')).toMatchObject({
      host: '[2001:db8::9:1]',
      hostType: 'ipv6',
      received: '[2001:db8::9:255]',
    });
    expect(one('SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3;received=2001:db8::9:255').received).toBe(
      '2001:db8::9:255',
    );
    expect(one('SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19').port).toBe(19823);
  });

  it('TRN-07 rejects a received that is not an IP address, and bad rport, ttl, maddr, branch', () => {
    for (const params of [
      ';received=example.com',
      ';received',
      ';received=[2001:db8::zz]',
      ';received="192.0.2.1"',
      ';rport=0',
      ';rport=65536',
      ';rport=x',
      ';ttl=256',
      ';ttl',
      ';maddr=a..b',
      ';branch',
      ';branch="z9hG4bK1"',
    ]) {
      expect(() => parseVia(`SIP/2.0/UDP h${params}`), params).toThrow(SipParseError);
    }
  });

  it('MSG-05 splits one row holding several via-parms, keeping order', () => {
    const vias = parseVia(
      'SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bK2',
    );
    expect(vias.map((v) => [v.host, v.transport, v.branch])).toEqual([
      ['a.example.com', 'UDP', 'z9hG4bK1'],
      ['b.example.com', 'TCP', 'z9hG4bK2'],
    ]);
  });

  it('keeps unknown parameters, including quoted ones with commas', () => {
    const via = one('SIP/2.0/TCP h;branch=z9hG4bK1;x-note="a, b";alias;keep');
    expect(via.params.get('x-note')).toBe('a, b');
    expect(via.params.has('alias')).toBe(true);
  });

  it('rejects malformed via-parms (RFC 4475 §3.1.2.1 "192.0.2.15;;,;,,")', () => {
    const bad = [
      'SIP/2.0/UDP 192.0.2.15;;,;,,',
      'SIP/2.0/UDP',
      'SIP/2.0 h',
      'SIP/2.0/UDPh',
      'SIP//UDP h',
      '/2.0/UDP h',
      'SIP/2.0/UDP h:0',
      'SIP/2.0/UDP h:',
      'SIP/2.0/UDP 2001:db8::1',
      'SIP/2.0/UDP [2001:db8::1',
      'SIP/2.0/UDP h extra',
      'SIP/2.0/UDP h;branch=1;BRANCH=2',
      'SIP/2.0/UDP h;x="open',
      '',
    ];
    for (const value of bad) {
      const run = () => parseVia(value);
      expect(run, value).toThrow(SipParseError);
      try {
        run();
      } catch (error) {
        expect((error as SipParseError).reason).toBe('BAD_HEADER_VALUE');
        expect((error as SipParseError).header).toBe('Via');
      }
    }
  });
});

describe('getVias and topVia', () => {
  const message = response([
    ['v', 'SIP/2.0/UDP top.example.com;branch=z9hG4bKtop, SIP/2.0/UDP second.example.com;branch=z9hG4bK2'],
    ['Call-ID', 'x'],
    ['VIA', 'SIP/2.0/TCP third.example.com;branch=z9hG4bK3'],
  ]);

  it('MSG-05 getVias returns every via of every row in message order, compact form included', () => {
    expect(getVias(message).map((v) => v.host)).toEqual([
      'top.example.com',
      'second.example.com',
      'third.example.com',
    ]);
  });

  it('topVia returns the first via-parm of the first row', () => {
    expect(topVia(message)?.branch).toBe('z9hG4bKtop');
    expect(topVia(response([['Call-ID', 'x']]))).toBeUndefined();
  });

  it('topVia does not parse beyond the first via-parm but rejects a malformed one', () => {
    expect(topVia(response([['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, garbage']]))?.host).toBe('a');
    expect(() => topVia(response([['Via', 'garbage, SIP/2.0/UDP a']]))).toThrow(SipParseError);
  });
});

describe('formatVia', () => {
  it('writes SIP/2.0/TRANSPORT host:port;params', () => {
    const params = new GenericParams().set('branch', 'z9hG4bK74bf9').set('rport');
    expect(formatVia({ transport: 'udp', host: 'pc33.atlanta.com', port: 5060, params })).toBe(
      'SIP/2.0/UDP pc33.atlanta.com:5060;branch=z9hG4bK74bf9;rport',
    );
    expect(formatVia({ transport: 'TCP', host: '2001:db8::1' })).toBe('SIP/2.0/TCP [2001:db8::1]');
  });

  it('round-trips a parsed Via', () => {
    const text = 'SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bK1;received=2001:db8::9:255;rport=1024';
    expect(formatVia(one(text))).toBe(text);
  });

  it('rejects bad transports, hosts and ports', () => {
    expect(() => formatVia({ transport: 'U DP', host: 'h' })).toThrow(SipInvalidArgumentError);
    expect(() => formatVia({ transport: 'UDP', host: 'bad host' })).toThrow(/via.host/);
    expect(() => formatVia({ transport: 'UDP', host: 'h', port: 70000 })).toThrow(/via.port/);
    expect(() => formatVia({ transport: 'UDP', host: 'h', port: 1.5 })).toThrow(/via.port/);
  });
});
