import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipInvalidArgumentError } from '../../src/errors.js';
import {
  aorHash,
  DuplicateRegistrantError,
  RegistrantTable,
  type TableEntry,
  validateHashSize,
} from '../../src/registrant/registrant-table.js';

function entry(aor: string, contact = 'sip:c@192.0.2.1'): TableEntry {
  return { key: JSON.stringify([aor, contact, 'sip:r.example.com']), aor, bucket: -1, slot: -1 };
}

describe('aorHash', () => {
  it('is FNV-1a 32-bit (known vectors) and stable', () => {
    expect(aorHash('')).toBe(0x811c9dc5);
    expect(aorHash('a')).toBe(0xe40c292c);
    expect(aorHash('foobar')).toBe(0xbf9cf968);
    expect(aorHash('sip:alice@example.com')).toBe(aorHash('sip:alice@example.com'));
  });
});

describe('RegistrantTable', () => {
  it('has 2^hashSize buckets, default hashSize 1 (OpenSIPS)', () => {
    expect(new RegistrantTable().bucketCount).toBe(2);
    expect(new RegistrantTable({ hashSize: 0 }).bucketCount).toBe(1);
    expect(new RegistrantTable({ hashSize: 10 }).bucketCount).toBe(1024);
  });

  it.each([[-1], [21], [1.5], ['4'], [Number.NaN], [null]])(
    'rejects hashSize %s with a message naming hashSize, the range and the value',
    (value) => {
      let error: unknown;
      try {
        new RegistrantTable({ hashSize: value as number });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SipInvalidArgumentError);
      expect((error as Error).message).toMatch(/"hashSize".*0\.\.20.*received/);
      if (typeof value === 'string') expect((error as Error).message).toContain('"4"');
    },
  );

  it('validateHashSize returns a valid exponent', () => {
    expect(validateHashSize(20)).toBe(20);
  });

  it('adds, finds, removes by key; a duplicate identity is an error with its own code', () => {
    const table = new RegistrantTable<TableEntry>({ hashSize: 3 });
    const a = entry('sip:a@x');
    const b = entry('sip:a@x', 'sip:other@192.0.2.2');
    table.add(a);
    table.add(b);
    expect(table.size).toBe(2);
    expect(table.get(a.key)).toBe(a);
    expect(a.bucket).toBe(b.bucket);
    expect(a.bucket).toBe(table.bucketOf('sip:a@x'));
    let error: unknown;
    try {
      table.add(entry('sip:a@x'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DuplicateRegistrantError);
    expect((error as DuplicateRegistrantError).code).toBe('ERR_DUPLICATE_REGISTRANT');
    expect(table.size).toBe(2);
    expect(table.remove(a.key)).toBe(a);
    expect(table.remove(a.key)).toBeUndefined();
    expect(a.slot).toBe(-1);
    expect(table.bucket(b.bucket)).toEqual([b]);
    expect(b.slot).toBe(0);
    expect(table.has(b.key)).toBe(true);
    expect([...table.values()]).toEqual([b]);
  });

  it('keeps bucket arrays and slots consistent under random adds and removes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }),
        (hashSize, ops) => {
          const table = new RegistrantTable<TableEntry>({ hashSize });
          const present = new Map<string, TableEntry>();
          for (const [add, n] of ops) {
            const e = entry(`sip:user${n}@example.com`);
            if (add && !present.has(e.key)) {
              table.add(e);
              present.set(e.key, e);
            } else if (!add) {
              const removed = table.remove(e.key);
              expect(removed).toBe(present.get(e.key));
              present.delete(e.key);
            }
          }
          expect(table.size).toBe(present.size);
          let total = 0;
          for (let i = 0; i < table.bucketCount; i++) {
            const list = table.bucket(i);
            list.forEach((record, slot) => {
              expect(record.slot).toBe(slot);
              expect(record.bucket).toBe(i);
              expect(present.get(record.key)).toBe(record);
            });
            total += list.length;
          }
          expect(total).toBe(present.size);
        },
      ),
    );
  });

  it('spreads sequential AORs evenly over the buckets', () => {
    const table = new RegistrantTable<TableEntry>({ hashSize: 6 });
    const n = 64_000;
    for (let i = 0; i < n; i++) table.add(entry(`sip:${1_000_000 + i}@trunk.example.com`));
    const expected = n / table.bucketCount;
    for (let i = 0; i < table.bucketCount; i++) {
      const size = table.bucket(i).length;
      expect(size).toBeGreaterThan(expected * 0.85);
      expect(size).toBeLessThan(expected * 1.15);
    }
  });

  it('the sweep cursor visits every bucket exactly once per sweep, in order', () => {
    const table = new RegistrantTable<TableEntry>({ hashSize: 3 });
    const visits = Array.from({ length: 24 }, () => table.nextBucket());
    expect(visits).toEqual([...Array(3)].flatMap(() => [0, 1, 2, 3, 4, 5, 6, 7]));
    const single = new RegistrantTable<TableEntry>({ hashSize: 0 });
    expect([single.nextBucket(), single.nextBucket()]).toEqual([0, 0]);
  });

  it('ticks every timerInterval / buckets so a sweep takes timerInterval', () => {
    expect(new RegistrantTable({ hashSize: 1 }).tickIntervalMs(100)).toBe(50_000);
    expect(new RegistrantTable({ hashSize: 4 }).tickIntervalMs(100)).toBe(6250);
    expect(new RegistrantTable({ hashSize: 3 }).tickIntervalMs(10)).toBe(1250);
    expect(() => new RegistrantTable().tickIntervalMs(0)).toThrow(/"timerInterval"/);
  });

  it('a tick touches only its bucket: per-tick work is the bucket size, not the table size', () => {
    const table = new RegistrantTable<TableEntry>({ hashSize: 4 });
    for (let i = 0; i < 1600; i++) table.add(entry(`sip:u${i}@example.com`));
    const index = table.nextBucket();
    let visited = 0;
    table.visitBucket(index, (record) => {
      expect(record.bucket).toBe(index);
      visited++;
    });
    expect(visited).toBe(table.bucket(index).length);
    expect(visited).toBeLessThan(200);
  });

  it('visitBucket tolerates removing the visited record', () => {
    const table = new RegistrantTable<TableEntry>({ hashSize: 0 });
    const entries = Array.from({ length: 10 }, (_, i) => entry(`sip:u${i}@x`));
    for (const e of entries) table.add(e);
    const seen: string[] = [];
    table.visitBucket(0, (record) => {
      seen.push(record.aor);
      if (record.aor.endsWith('3@x') || record.aor.endsWith('7@x')) table.remove(record.key);
    });
    expect(new Set(seen).size).toBe(10);
    expect(seen).toHaveLength(10);
    expect(table.size).toBe(8);
  });

  it('bucket() rejects an index out of range', () => {
    expect(() => new RegistrantTable({ hashSize: 1 }).bucket(2)).toThrow(SipInvalidArgumentError);
  });
});
