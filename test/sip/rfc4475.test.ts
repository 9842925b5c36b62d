/**
 * RFC 4475 torture messages against the message parser (checklist ABNF-14). The fixtures and the
 * layer that rejects each invalid message are described in test/fixtures/rfc4475/README.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SipParseError, type SipParseErrorReason } from '../../src/errors.js';
import type { SipMessage, SipRequest, SipResponse } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parser.js';

function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/rfc4475/${name}.dat`, import.meta.url));
}

function request(name: string): SipRequest {
  const message = parseMessage(fixture(name));
  expect(message.kind).toBe('request');
  return message as SipRequest;
}

function response(name: string): SipResponse {
  const message = parseMessage(fixture(name));
  expect(message.kind).toBe('response');
  return message as SipResponse;
}

function rejection(input: string | Uint8Array): SipParseError {
  try {
    parseMessage(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SipParseError);
    return error as SipParseError;
  }
  throw new Error('expected the message to be rejected');
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

const SDP_150 =
  'v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n' +
  'm=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n';

describe('ABNF-14 RFC 4475 §3.1.1 valid messages parse', () => {
  it('ABNF-14 MSG-03 MSG-04 wsinv (3.1.1.1): folding, LWS around colons, compact forms, unknown headers', () => {
    const m = request('wsinv');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:vivekg@chair-dnrc.example.com;unknownparam');
    expect(m.version).toBe('SIP/2.0');
    const h = m.headers;
    expect(h.get('To')).toBe('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
    expect(h.get('From')).toBe('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com> ; tag = 98asjd8');
    expect(h.get('Max-Forwards')).toBe('0068');
    expect(h.get('Call-ID')).toBe('wsinv.ndaksdj@192.0.2.1');
    expect(h.get('CSeq')).toBe('0009 INVITE');
    expect(h.getAll('Via')).toEqual([
      'SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw',
      'SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , ' +
        'SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239',
    ]);
    expect(h.has('Subject')).toBe(true);
    expect(h.get('Subject')).toBe('');
    expect(h.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(h.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(h.get('Route')).toBe('<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
    expect(h.get('Contact')).toBe(
      '"Quoted string \\"\\"" <sip:jdrosen@example.com> ; newparam = newvalue ; secondparam ; q = 0.33',
    );
    expect(h.size).toBe(14);
    expect(h.rows().map((r) => r.name)).toEqual([
      'TO',
      'from',
      'MaX-fOrWaRdS',
      'Call-ID',
      'Content-Length',
      'cseq',
      'Via',
      's',
      'NewFangledHeader',
      'UnknownHeaderWithUnusualValue',
      'Content-Type',
      'Route',
      'v',
      'm',
    ]);
    expect(m.body).toBe(SDP_150.replace('192.0.2.1', '192.0.2.3').replace('192.0.2.1', '192.0.2.4'));
  });

  it('ABNF-14 intmeth (3.1.1.2): token characters, NUL/BEL/DEL in a quoted string, UTF-8 header values', () => {
    const m = request('intmeth');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.uri).toBe(
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
    );
    expect(m.headers.get('To')).toBe(
      '"BEL:\\\u0007 NUL:\\\u0000 DEL:\\\u007f" <sip:1_unusual.URI~(to-be!sure)&isn\'t+it$/crazy?,/;;*@example.com>',
    );
    expect(m.headers.get('From')).toBe(
      "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"работающий\";tag=_token~1'+`*%!-.",
    );
    expect(m.headers.get('Call-ID')).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.headers.get('CSeq')).toBe("139122385 !interesting-Method0123456789_*+`.%indeed'~");
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe('\ufeff大停電');
    expect(m.body).toBe('');
  });

  it('ABNF-14 ABNF-03 esc01 (3.1.1.3): escapes are left to the URI parser; compact i and C', () => {
    const m = request('esc01');
    expect(m.uri).toBe('sip:sips%3Auser%40example.com@example.net');
    expect(m.headers.get('To')).toBe('sip:%75se%72@example.com');
    expect(m.headers.get('Call-ID')).toBe('esc01.239409asdfakjkn23onasd0-3234');
    expect(m.headers.get('Content-Type')).toBe('application/sdp');
    expect(m.headers.get('Contact')).toBe('<sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>');
    expect(m.body).toBe(SDP_150);
  });

  it('ABNF-14 escnull (3.1.1.4): REGISTER with %00 in URIs, two Contact rows, compact L', () => {
    const m = request('escnull');
    expect(m.method).toBe('REGISTER');
    expect(m.headers.get('To')).toBe('sip:null-%00-null@example.com');
    expect(m.headers.getAll('Contact')).toEqual([
      '<sip:%00@host5.example.com>',
      '<sip:%00%00@host5.example.com>',
    ]);
    expect(m.headers.get('Content-Length')).toBe('0');
  });

  it('ABNF-14 esc02 (3.1.1.5): % is not an escape in a method or a header name', () => {
    const m = request('esc02');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.headers.get('CSeq')).toBe('29344 RE%47IST%45R');
    expect(m.headers.getAll('Contact')).toEqual([
      '<sip:alias1@host1.example.com>',
      '<sip:alias3@host3.example.com>',
    ]);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('ABNF-14 ABNF-02 lwsdisp (3.1.1.6): no LWS before <', () => {
    const m = request('lwsdisp');
    expect(m.method).toBe('OPTIONS');
    expect(m.headers.get('From')).toBe('caller<sip:caller@example.com>;tag=323');
  });

  it('ABNF-14 ABNF-10 longreq (3.1.1.7): long values and 34 Via rows in every spelling', () => {
    const m = request('longreq');
    const vias = m.headers.getAll('Via');
    expect(vias).toHaveLength(34);
    expect(vias[0]).toBe('SIP/2.0/TCP sip33.example.com');
    expect(vias[11]).toBe('SIP/2.0/TCP sip22.example.com');
    expect(vias[33]).toBe(
      `SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very${'long'.repeat(50)}branchvalue`,
    );
    expect(m.headers.get('Call-ID')).toBe(`longreq.one${'really'.repeat(20)}longcallid`);
    expect(m.headers.get('To')).toContain(`"I have a user name of ${'extreme'.repeat(10)} proportion"<sip:`);
    const longName = `Unknown-${'Long'.repeat(20)}-Name`;
    expect(m.headers.get(longName)).toBe(
      `unknown-${'long'.repeat(20)}-value; unknown-${'long'.repeat(20)}-parameter-name = unknown-${'long'.repeat(20)}-parameter-value`,
    );
    expect(m.body).toBe(SDP_150);
  });

  it('ABNF-14 TRN-09 dblreq (3.1.1.8): octets after Content-Length in a datagram are discarded', () => {
    const m = request('dblreq');
    expect(m.method).toBe('REGISTER');
    expect(m.headers.get('Call-ID')).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    expect(m.headers.getAll('To')).toEqual(['sip:j.user@example.com']);
    expect(m.headers.size).toBe(8);
    expect(m.body).toBe('');
  });

  it('ABNF-14 MSG-03 semiuri (3.1.1.9): ; in the user part, folded Accept with 8-space indents', () => {
    const m = request('semiuri');
    expect(m.uri).toBe('sip:user;par=u%40example.net@example.com');
    expect(m.headers.get('Accept')).toBe(
      'application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag',
    );
  });

  it('ABNF-14 ABNF-06 transports (3.1.1.10): unknown transports kept, Call-ID after two spaces', () => {
    const m = request('transports');
    expect(m.headers.getAll('Via').map((v) => v.split(' ')[0])).toEqual([
      'SIP/2.0/UDP',
      'SIP/2.0/SCTP',
      'SIP/2.0/TLS',
      'SIP/2.0/UNKNOWN',
      'SIP/2.0/TCP',
    ]);
    expect(m.headers.get('Call-ID')).toBe('transports.kijh4akdnaqjkwendsasfdj');
  });

  it('ABNF-14 TRN-09 mpart01 (3.1.1.11): a binary body with NUL bytes is framed by Content-Length', () => {
    const bytes = fixture('mpart01');
    const m = request('mpart01');
    expect(m.method).toBe('MESSAGE');
    expect(m.headers.get('Content-Length')).toBe('553');
    const bodyStart = bytes.indexOf('\r\n\r\n') + 4;
    expect(bytes.length - bodyStart).toBe(553);
    // The model's body is text: the binary part decodes with U+FFFD, but the cut is at byte 553.
    expect(m.body).toBe(bytes.toString('utf8', bodyStart, bodyStart + 553));
    expect(m.body.startsWith('--7a9cbec02ceef655\r\nContent-Type: text/plain\r\n')).toBe(true);
    expect(m.body.endsWith('\r\n--7a9cbec02ceef655--\r\n')).toBe(true);
    expect(m.body).toContain('\u0000');
  });

  it('ABNF-14 unreason (3.1.1.12): UTF-8 reason phrase; body cut by bytes after a multi-byte header block', () => {
    const m = response('unreason');
    expect(m.status).toBe(200);
    expect(m.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    expect(utf8Bytes(m.body)).toBe(154);
    expect(m.body.startsWith('v=0\r\n')).toBe(true);
    expect(m.body.endsWith('a=rtpmap:31 LPC\r\n')).toBe(true);
  });

  it('ABNF-14 noreason (3.1.1.13): empty reason phrase', () => {
    const m = response('noreason');
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
    expect(m.headers.get('Call-ID')).toBe('noreason.asndj203insdf99223ndf');
  });

  it('ABNF-14 every valid message gives the same result from bytes and from the decoded string', () => {
    for (const name of [
      'wsinv',
      'intmeth',
      'esc01',
      'escnull',
      'esc02',
      'lwsdisp',
      'longreq',
      'dblreq',
    ].concat(['semiuri', 'transports', 'unreason', 'noreason'])) {
      const bytes = fixture(name);
      const fromBytes = parseMessage(bytes);
      const fromString = parseMessage(bytes.toString('utf8'));
      expect(summary(fromString), name).toEqual(summary(fromBytes));
    }
  });
});

function summary(m: SipMessage): unknown {
  return {
    start: m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason],
    rows: m.headers.rows(),
    body: m.body,
  };
}

describe('ABNF-14 RFC 4475 §3.1.2 invalid messages rejected by the message parser', () => {
  const cases: [name: string, section: string, reason: SipParseErrorReason, header?: string][] = [
    ['clerr', '3.1.2.2', 'TRUNCATED_BODY', 'Content-Length'],
    ['ncl', '3.1.2.3', 'BAD_CONTENT_LENGTH', 'Content-Length'],
    ['ltgtruri', '3.1.2.7', 'BAD_REQUEST_URI'],
    ['lwsruri', '3.1.2.8', 'BAD_REQUEST_URI'],
    ['lwsstart', '3.1.2.9', 'BAD_START_LINE'],
    ['trws', '3.1.2.10', 'BAD_START_LINE'],
    ['badvers', '3.1.2.16', 'BAD_VERSION'],
    ['bigcode', '3.1.2.19', 'BAD_STATUS_CODE'],
    ['mcl01', '3.3.9', 'BAD_CONTENT_LENGTH', 'Content-Length'],
  ];
  for (const [name, section, reason, header] of cases) {
    it(`ABNF-14 ${name} (${section}) is rejected with ${reason}, from bytes and from a string`, () => {
      const bytes = fixture(name);
      for (const input of [bytes, bytes.toString('utf8')]) {
        const error = rejection(input);
        expect(error.reason).toBe(reason);
        expect(error.code).toBe('ERR_SIP_PARSE');
        if (header !== undefined) expect(error.header).toBe(header);
      }
    });
  }

  it('ABNF-09 ABNF-14 ncl names the bad value; clerr names both lengths', () => {
    expect(rejection(fixture('ncl')).message).toContain('"-999"');
    expect(rejection(fixture('clerr')).message).toMatch(/9999.*154/);
  });

  it('ABNF-08 ABNF-14 bigcode: a status code far beyond 3 digits is reported, not wrapped', () => {
    expect(rejection(fixture('bigcode')).message).toContain('4294967301');
  });
});

describe('ABNF-14 RFC 4475 messages invalid above the framing layer parse with the offending text intact', () => {
  it('ABNF-14 badinv01 (3.1.2.1): empty Via and Contact params reach the header grammar verbatim', () => {
    const m = request('badinv01');
    expect(m.headers.get('Via')).toBe('SIP/2.0/UDP 192.0.2.15;;,;,,');
    expect(m.headers.get('Contact')).toBe('"Joe" <sip:joe@example.org>;;;;');
    expect(utf8Bytes(m.body)).toBe(152);
  });

  it('ABNF-07 ABNF-14 scalar02 (3.1.2.4) and scalarlg (3.1.2.5): overlarge scalars stay text for their parsers', () => {
    const req = request('scalar02');
    expect(req.method).toBe('REGISTER');
    expect(req.headers.get('CSeq')).toBe('36893488147419103232 REGISTER');
    expect(req.headers.get('Max-Forwards')).toBe('300');
    expect(req.headers.get('Expires')).toMatch(/^10{100,}$/);
    const res = response('scalarlg');
    expect(res.status).toBe(503);
    expect(res.reason).toBe('Service Unavailable');
    expect(res.headers.get('CSeq')).toBe('9292394834772304023312 OPTIONS');
    expect(res.headers.get('Retry-After')).toBe('949302838503028349304023988');
    expect(res.headers.get('Warning')).toBe('1812 overture "In Progress"');
  });

  it('ABNF-01 ABNF-14 quotbal (3.1.2.6): the unterminated quoted string is left to the name-addr parser', () => {
    const m = request('quotbal');
    expect(m.headers.get('To')).toBe('"Mr. J. User <sip:j.user@example.com>');
    expect(m.headers.get('From')).toBe('sip:caller@example.net;tag=93334');
  });

  it('ABNF-14 escruri, baddate, regbadct, badaspec, baddn (3.1.2.11–15) keep their header text', () => {
    expect(request('escruri').uri).toBe('sip:user@example.com?Route=%3Csip:example.com%3E');
    expect(request('baddate').headers.get('Date')).toBe('Fri, 01 Jan 2010 16:00:00 EST');
    expect(request('regbadct').headers.get('Contact')).toBe(
      'sip:user@example.com?Route=%3Csip:sip.example.com%3E',
    );
    expect(request('badaspec').headers.get('To')).toBe('"Watson, Thomas" < sip:t.watson@example.org >');
    const baddn = request('baddn');
    expect(baddn.headers.get('From')).toBe('Bell, Alexander <sip:a.g.bell@example.com>;tag=43');
    expect(baddn.headers.get('Max-Forwards')).toBe('70');
  });

  it('ABNF-14 mismatch01, mismatch02 (3.1.2.17–18): CSeq method mismatch is for the transaction layer', () => {
    const a = request('mismatch01');
    expect([a.method, a.headers.get('CSeq')]).toEqual(['OPTIONS', '8 INVITE']);
    const b = request('mismatch02');
    expect([b.method, b.headers.get('CSeq')]).toEqual(['NEWMETHOD', '8 INVITE']);
    expect(utf8Bytes(b.body)).toBe(138);
  });
});

describe('ABNF-14 RFC 4475 §3.2–§3.4 transaction and application layer messages parse', () => {
  it('ABNF-14 badbranch (3.2.1), insuf (3.3.1), unkscm (3.3.2), novelsc (3.3.3)', () => {
    expect(request('badbranch').headers.get('Via')).toBe('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK');
    const insuf = request('insuf');
    expect(['To', 'From', 'Call-ID', 'Max-Forwards'].map((n) => insuf.headers.has(n))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(utf8Bytes(insuf.body)).toBe(152);
    expect(request('unkscm').uri).toBe('nobodyKnowsThisScheme:totallyopaquecontent');
    expect(request('novelsc').uri).toBe('soap.beep://192.0.2.103:3002');
  });

  it('ABNF-14 unksm2 (3.3.4), bext01 (3.3.5), invut (3.3.6), regaut01 (3.3.7)', () => {
    const unksm2 = request('unksm2');
    expect([unksm2.headers.get('To'), unksm2.headers.get('Contact')]).toEqual([
      'isbn:2983792873',
      '<name:John_Smith>',
    ]);
    expect(request('bext01').headers.get('Proxy-Require')).toBe(
      'noProxiesSupportThis, norDoAnyProxiesSupportThis',
    );
    expect(request('invut').body).toBe('<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
    const regaut01 = request('regaut01');
    expect(regaut01.headers.get('Authorization')).toBe('NoOneKnowsThisScheme opaque-data=here');
    expect(regaut01.headers.get('Content-Length')).toBe('0');
  });

  it('ABNF-14 MSG-05 multi01 (3.3.8): duplicate single-valued headers are kept, in order, for the validator', () => {
    const m = request('multi01');
    expect(m.headers.getAll('CSeq')).toEqual(['5 INVITE', '59 INVITE']);
    expect(m.headers.getAll('Call-ID')).toEqual(['multi01.98asdh@192.0.2.1', 'multi01.98asdh@192.0.2.2']);
    expect(m.headers.getAll('To')).toEqual(['sip:user@example.com', 'sip:other@example.net']);
    expect(m.headers.getAll('From')).toHaveLength(2);
    expect(m.headers.getAll('Max-Forwards')).toEqual(['70', '5']);
    expect(utf8Bytes(m.body)).toBe(154);
  });

  it('ABNF-14 bcast (3.3.10), zeromf (3.3.11)', () => {
    const bcast = response('bcast');
    expect(bcast.status).toBe(200);
    expect(bcast.headers.getAll('Via')[1]).toBe('SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1saber23');
    expect(request('zeromf').headers.get('Max-Forwards')).toBe('0');
  });

  it('ABNF-14 MSG-11 cparam01, cparam02, regescrt (3.3.12–14): REGISTER Contact forms kept verbatim', () => {
    expect(request('cparam01').headers.get('Contact')).toBe('sip:+19725552222@gw1.example.net;unknownparam');
    expect(request('cparam02').headers.get('Contact')).toBe(
      '<sip:+19725552222@gw1.example.net;unknownparam>',
    );
    const regescrt = request('regescrt');
    expect(regescrt.headers.get('Contact')).toBe('<sip:user@example.com?Route=%3Csip:sip.example.com%3E>');
    expect(regescrt.headers.rows()[6]).toEqual({
      name: 'M',
      value: '<sip:user@example.com?Route=%3Csip:sip.example.com%3E>',
    });
  });

  it('ABNF-14 TRN-09 sdp01 (3.3.15), inv2543 (3.4.1): no Content-Length in a datagram means the rest is the body', () => {
    expect(request('sdp01').headers.get('Accept')).toBe('text/nobodyKnowsThis');
    const m = request('inv2543');
    expect(m.headers.has('Content-Length')).toBe(false);
    expect(m.headers.has('Max-Forwards')).toBe(false);
    expect(m.body).toBe(
      'v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\nm=audio 49217 RTP/AVP 0\r\n',
    );
  });
});
