// Parser and serializer throughput: sip-registrant against the `sip` npm package and SIP.js,
// measured in one run on the same messages. Run with `npm run bench:parser` (builds first).
//
// Two figures for our parser: `parse` is parseMessage alone (header values stay raw until asked
// for), `parse+read` also parses every header a registrant reads (Via, From, To, Call-ID, CSeq,
// the Contact list, the challenges). The peers parse those headers eagerly, so `parse+read` is the
// like-for-like comparison; the ratios are computed on it.
import { createRequire } from 'node:module';
import { Parser as SipJsParser } from 'sip.js/lib/core/messages/parser.js';
import {
  getVias,
  parseChallenge,
  parseContactList,
  parseCSeq,
  parseFromTo,
  parseMessage,
  SipHeaders,
  serializeRequest,
} from '../../dist/index.js';

const require = createRequire(import.meta.url);
const kirmSip = require('sip');

const CRLF = '\r\n';
const lines = (...rows) => rows.join(CRLF) + CRLF + CRLF;

const OK_THREE_CONTACTS = lines(
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;rport=5060;received=198.51.100.7;branch=z9hG4bK776asdhds9a8df7a',
  'From: <sip:alice@example.com>;tag=1928301774',
  'To: <sip:alice@example.com>;tag=a6c85cf',
  'Call-ID: a84b4c76e66710c3f4e2b1d0@client.example.com',
  'CSeq: 2 REGISTER',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'Contact: "Alice desk" <sip:alice@198.51.100.20:5062>;expires=1800;q=0.8',
  'Contact: <sip:alice@[2001:db8::10]:5070;transport=tcp>;expires=600;methods="INVITE,BYE,OPTIONS"',
  'Date: Thu, 26 Nov 2026 09:00:00 GMT',
  'Server: Kamailio (5.6.3 (x86_64/linux))',
  'Content-Length: 0',
);

const UNAUTHORIZED_TWO_CHALLENGES = lines(
  'SIP/2.0 401 Unauthorized',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;rport=5060;received=198.51.100.7;branch=z9hG4bK776asdhds9a8df7b',
  'From: <sip:alice@example.com>;tag=1928301774',
  'To: <sip:alice@example.com>;tag=b7d96e0',
  'Call-ID: a84b4c76e66710c3f4e2b1d0@client.example.com',
  'CSeq: 1 REGISTER',
  'WWW-Authenticate: Digest realm="example.com", nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", algorithm=SHA-256, qop="auth,auth-int"',
  'WWW-Authenticate: Digest realm="example.com", nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", algorithm=MD5, qop="auth"',
  'Server: Kamailio (5.6.3 (x86_64/linux))',
  'Content-Length: 0',
);

function registerRequest() {
  return {
    kind: 'request',
    method: 'REGISTER',
    uri: 'sip:example.com',
    version: 'SIP/2.0',
    headers: new SipHeaders([
      ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds9a8df7c;rport'],
      ['Max-Forwards', '70'],
      ['To', '<sip:alice@example.com>'],
      ['From', '<sip:alice@example.com>;tag=1928301774'],
      ['Call-ID', 'a84b4c76e66710c3f4e2b1d0@client.example.com'],
      ['CSeq', '3 REGISTER'],
      ['Contact', '<sip:alice@192.0.2.10:5060;transport=udp>;expires=3600'],
      [
        'Authorization',
        'Digest username="alice", realm="example.com", nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", uri="sip:example.com", response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", algorithm=SHA-256, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, nc=00000001',
      ],
      ['User-Agent', 'sip-registrant/0.1.0'],
    ]),
    body: '',
  };
}

function kirmRegister() {
  return {
    method: 'REGISTER',
    uri: 'sip:example.com',
    version: '2.0',
    headers: {
      via: [
        {
          version: '2.0',
          protocol: 'UDP',
          host: '192.0.2.10',
          port: 5060,
          params: { branch: 'z9hG4bK776asdhds9a8df7c', rport: null },
        },
      ],
      'max-forwards': 70,
      to: { uri: 'sip:alice@example.com', params: {} },
      from: { uri: 'sip:alice@example.com', params: { tag: '1928301774' } },
      'call-id': 'a84b4c76e66710c3f4e2b1d0@client.example.com',
      cseq: { seq: 3, method: 'REGISTER' },
      contact: [{ uri: 'sip:alice@192.0.2.10:5060;transport=udp', params: { expires: 3600 } }],
      authorization: [
        {
          scheme: 'Digest',
          username: '"alice"',
          realm: '"example.com"',
          nonce: '"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK"',
          uri: '"sip:example.com"',
          response: '"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
          algorithm: 'SHA-256',
          cnonce: '"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"',
          qop: 'auth',
          nc: '00000001',
        },
      ],
      'user-agent': 'sip-registrant/0.1.0',
    },
    content: '',
  };
}

const silentLogger = { error() {}, warn() {}, log() {}, debug() {} };

function readRegistrantHeaders(message) {
  let n = getVias(message).length;
  n += parseFromTo(message.headers.get('From'), 'From').tag ? 1 : 0;
  n += parseFromTo(message.headers.get('To'), 'To').tag ? 1 : 0;
  n += message.headers.get('Call-ID').length;
  n += parseCSeq(message.headers.get('CSeq')).seq;
  const contacts = message.headers.getAll('Contact');
  if (contacts.length > 0) {
    const list = parseContactList(contacts, { tolerant: true });
    if (!list.star) n += list.contacts.length;
  }
  for (const row of message.headers.getAll('WWW-Authenticate')) n += parseChallenge(row).params.size ?? 1;
  return n;
}

/** Runs `fn` repeatedly for about `ms` milliseconds after a warm-up; returns operations per second. */
function measure(fn, ms = 1500) {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += fn() ? 1 : 0;
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1_000; i++) sink += fn() ? 1 : 0;
    ops += 1_000;
    now = process.hrtime.bigint();
  }
  if (sink === -1) console.log('unreachable');
  return (ops * 1e9) / Number(now - start);
}

// Sanity: every parser must understand the messages, or the comparison means nothing.
for (const text of [OK_THREE_CONTACTS, UNAUTHORIZED_TWO_CHALLENGES]) {
  const ours = parseMessage(text);
  if (ours.kind !== 'response' || readRegistrantHeaders(ours) <= 0) throw new Error('our parser failed');
  const kirm = kirmSip.parse(text);
  if (!kirm?.status) throw new Error('sip package failed to parse');
  const sipjs = SipJsParser.parseMessage(text, silentLogger);
  if (!sipjs?.statusCode) throw new Error('SIP.js failed to parse');
}
if (!serializeRequest(registerRequest()).includes('Content-Length: 0')) throw new Error('serializer');

const cases = [
  ['200 OK, 3 Contacts', OK_THREE_CONTACTS],
  ['401, 2 challenges', UNAUTHORIZED_TWO_CHALLENGES],
];

const rows = [];
for (const [name, text] of cases) {
  const parse = measure(() => parseMessage(text));
  const parseRead = measure(() => readRegistrantHeaders(parseMessage(text)) > 0);
  const kirm = measure(() => kirmSip.parse(text));
  const sipjs = measure(() => SipJsParser.parseMessage(text, silentLogger));
  rows.push({ name, parse, parseRead, kirm, sipjs });
}
const request = registerRequest();
const kirmRequest = kirmRegister();
const serialize = measure(() => serializeRequest(request).length > 0);
const kirmSerialize = measure(() => kirmSip.stringify(kirmRequest).length > 0);

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(11);
const ratio = (a, b) => `${(a / b).toFixed(1)}×`.padStart(7);
console.log(`sip-registrant parser benchmark — node ${process.version}, ${new Date().toISOString()}`);
console.log('messages per second (higher is better); ratios use our parse+read figure\n');
console.log(
  `${'message'.padEnd(20)} ${'ours parse'.padStart(11)} ${'parse+read'.padStart(11)} ${'sip (npm)'.padStart(11)} ${'SIP.js'.padStart(11)}  ${'vs sip'.padStart(7)} ${'vs SIP.js'.padStart(9)}`,
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(20)} ${fmt(r.parse)} ${fmt(r.parseRead)} ${fmt(r.kirm)} ${fmt(r.sipjs)}  ${ratio(r.parseRead, r.kirm)} ${ratio(r.parseRead, r.sipjs).padStart(9)}`,
  );
}
console.log(
  `\n${'serialize REGISTER'.padEnd(20)} ${fmt(serialize)} ${''.padStart(11)} ${fmt(kirmSerialize)} ${'n/a'.padStart(11)}  ${ratio(serialize, kirmSerialize)}`,
);
const minKirm = Math.min(...rows.map((r) => r.parseRead / r.kirm));
const minSipjs = Math.min(...rows.map((r) => r.parseRead / r.sipjs));
console.log(
  `\ntargets: ≥3× sip (worst case ${minKirm.toFixed(1)}×: ${minKirm >= 3 ? 'met' : 'NOT met'}), ≥10× SIP.js (worst case ${minSipjs.toFixed(1)}×: ${minSipjs >= 10 ? 'met' : 'NOT met'})`,
);
