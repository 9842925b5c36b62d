import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError, SipParseError } from '../../src/errors.js';
import { type Contact, parseContact, parseContactList } from '../../src/sip/contact.js';
import { formatUri } from '../../src/sip/uri.js';
import { uriEquals } from '../../src/sip/uri-compare.js';

function contactsOf(values: string[], tolerant = false): Contact[] {
  const list = parseContactList(values, { tolerant });
  if (list.star) throw new Error('unexpected *');
  return list.contacts;
}

describe('parseContactList', () => {
  it('MSG-05 treats several rows and one comma-separated row as the same list, in order', () => {
    const rows = contactsOf(['<sip:a@h1>;expires=60', '<sip:b@h2>;expires=120']);
    const joined = contactsOf(['<sip:a@h1>;expires=60, <sip:b@h2>;expires=120']);
    expect(rows.map((c) => formatUri(c.uri))).toEqual(['sip:a@h1', 'sip:b@h2']);
    expect(joined.map((c) => [formatUri(c.uri), c.expires])).toEqual(
      rows.map((c) => [formatUri(c.uri), c.expires]),
    );
  });

  it('PIT-25 MSG-09 keeps vendor params as data and does not split on commas inside quotes or <> (methods="INVITE,BYE")', () => {
    const contacts = contactsOf([
      '"Smith, J" <sip:j@h;x=1>;methods="INVITE,BYE";+sip.ice;pn-prid="a,b", <sip:k@h>;+sip.instance="<urn:uuid:1,2>"',
    ]);
    expect(contacts).toHaveLength(2);
    expect(contacts[0]!.displayName).toBe('Smith, J');
    expect(contacts[0]!.params.get('methods')).toBe('INVITE,BYE');
    expect(contacts[0]!.params.has('+sip.ice')).toBe(true);
    expect(contacts[1]!.params.get('+sip.instance')).toBe('<urn:uuid:1,2>');
  });

  it('EXP-09 reads expires as unsigned decimal, with leading zeros, clamping past 2^32-1', () => {
    const contacts = contactsOf([
      '<sip:a@h>;expires=0',
      '<sip:b@h>;expires=003600',
      '<sip:c@h>;expires=4294967295',
      '<sip:d@h>;expires=280297596632815',
      '<sip:e@h>',
    ]);
    expect(contacts.map((c) => c.expires)).toEqual([0, 3600, 4294967295, 4294967295, undefined]);
  });

  it('EXP-09 treats a non-numeric expires as absent, not as 0', () => {
    const contacts = contactsOf(['<sip:a@h>;expires=soon', '<sip:b@h>;expires=-1', '<sip:c@h>;expires=1.5']);
    expect(contacts.map((c) => c.expires)).toEqual([undefined, undefined, undefined]);
    expect(contacts[0]!.params.get('expires')).toBe('soon');
  });

  it('reads q as a qvalue and ignores invalid ones', () => {
    const contacts = contactsOf([
      '<sip:a@h>;q=0.7, <sip:b@h>;q=1, <sip:c@h>;q=1.000, <sip:d@h>;q=0., <sip:e@h>;q=1.5, <sip:f@h>;q=0.1234, <sip:g@h>;q=x',
    ]);
    expect(contacts.map((c) => c.q)).toEqual([0.7, 1, 1, 0, undefined, undefined, undefined]);
  });

  it('MSG-11 reads expires and q from header parameters, not URI parameters', () => {
    const [bracketed] = contactsOf(['<sip:a@h;expires=60>']);
    expect(bracketed!.expires).toBeUndefined();
    const [bare] = contactsOf(['sip:a@h;expires=60']);
    expect(bare!.expires).toBe(60);
  });

  it('EXP-11 accepts "*" only as the sole value', () => {
    expect(parseContactList(['*'])).toEqual({ star: true, skipped: 0 });
    expect(parseContactList([' * '])).toEqual({ star: true, skipped: 0 });
    expect(() => parseContactList(['*', '<sip:a@h>'])).toThrow(SipParseError);
    expect(() => parseContactList(['*, *'])).toThrow(/'\*' must be the only Contact value/);
    expect(() => parseContactList(['*;expires=0'])).toThrow(SipParseError);
    const tolerant = parseContactList(['*', '<sip:a@h>'], { tolerant: true });
    expect(tolerant.star).toBe(false);
    expect(tolerant.skipped).toBe(1);
  });

  it('returns an empty list for no rows', () => {
    expect(parseContactList([])).toEqual({ star: false, contacts: [], skipped: 0 });
  });

  it('rejects the extraneous separators of RFC 4475 §3.1.2.1 and empty elements in strict mode', () => {
    for (const rows of [[';;,;;,;'], ['<sip:a@h>,,<sip:b@h>'], [''], ['<sip:a@h>, ']]) {
      const error = (() => {
        try {
          parseContactList(rows);
        } catch (e) {
          return e;
        }
      })();
      expect(error, JSON.stringify(rows)).toBeInstanceOf(SipParseError);
      expect((error as SipParseError).header).toBe('Contact');
    }
  });

  it('PIT-24 tolerant mode skips each malformed value and keeps the others', () => {
    const ours = 'sip:alice@203.0.113.5:5060;transport=udp';
    const list = parseContactList(
      [
        '<sip:other@[2001:db8::zz]>;expires=30',
        'sip:bad@host?x=1;expires=30, <sip:alice@203.0.113.5:5060;TRANSPORT=UDP>;expires=1800',
        '<sip:third@h>;expires=3;expires=4',
        '"unterminated <sip:x@h>, <sip:lost@h>',
        '<sip:fourth@h>;expires=90',
      ],
      { tolerant: true },
    );
    expect(list.star).toBe(false);
    if (list.star) return;
    expect(list.skipped).toBe(4);
    expect(list.contacts.map((c) => formatUri(c.uri))).toEqual([
      'sip:alice@203.0.113.5:5060;transport=UDP',
      'sip:fourth@h',
    ]);
    const mine = list.contacts.find((c) => uriEquals(c.uri, ours));
    expect(mine?.expires).toBe(1800);
  });

  it('PIT-24 strict mode rejects the whole list on the first malformed value', () => {
    expect(() => parseContactList(['<sip:a@h>', '<sip:b@[::zz]>'])).toThrow(SipParseError);
  });

  it('PIT-03 leaves the choice of binding to the caller: other devices may come first', () => {
    const contacts = contactsOf([
      '<sip:alice@198.51.100.20:5070>;expires=30, <sip:alice@203.0.113.5:5060>;expires=3600',
    ]);
    expect(contacts.find((c) => uriEquals(c.uri, 'sip:alice@203.0.113.5:5060'))?.expires).toBe(3600);
  });

  it('parses the RFC 4475 escnull and esc02 Contact rows', () => {
    const contacts = contactsOf(['<sip:%00@host5.example.com>', '<sip:%00%00@host5.example.com>']);
    expect(contacts.map((c) => c.uri.kind === 'sip' && c.uri.user)).toEqual(['%00', '%00%00']);
  });

  it('validates options', () => {
    expect(() => parseContactList([], { tolerant: 'yes' as unknown as boolean })).toThrow(
      SipInvalidArgumentError,
    );
    expect(() => parseContactList([], { header: 3 as unknown as string })).toThrow(/options.header/);
  });

  it('uses the header name of the options in errors', () => {
    expect(() => parseContactList(['<sip:a@h'], { header: 'Path' })).toThrow(/^Path: /);
  });

  it('parseContact parses a single value', () => {
    expect(parseContact('<sip:a@h>;expires=5;q=0.5')).toMatchObject({
      expires: 5,
      q: 0.5,
      displayName: undefined,
    });
  });
});
