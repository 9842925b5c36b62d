/**
 * createRegistrantMetrics: exact text of the Prometheus 0.0.4 exposition, a strict parse-back, the
 * registration latency histogram (fake manager events and the real manager against the registrar
 * double over loopback, one FakeClock for all), counters after real registrations, no secrets.
 */
import { EventEmitter } from 'eventemitter3';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { SipInvalidArgumentError } from '../../src/errors.js';
import { DEFAULT_LATENCY_BUCKETS, LatencyHistogram } from '../../src/management/latency-histogram.js';
import { escapeHelp, escapeLabelValue, PrometheusTextWriter } from '../../src/management/prometheus-text.js';
import { createRegistrantMetrics } from '../../src/management/registrant-metrics.js';
import type { RegistrantManagerEvents, StateChangeEvent } from '../../src/registrant/manager-events.js';
import type { RegistrantManagerStats } from '../../src/registrant/registrant-manager.js';
import {
  RegistrantState,
  type RegistrantStateName,
  stateName,
} from '../../src/registrant/registrant-state.js';
import { account, makeRig, type Rig, turn, until } from '../registrant/manager-rig.js';
import { parseExposition, sampleValue } from './prometheus-parse.js';

const STATES: RegistrantStateName[] = Array.from({ length: 10 }, (_, i) => stateName(i as RegistrantState));

function zeroStats(): { -readonly [K in keyof RegistrantManagerStats]: RegistrantManagerStats[K] } {
  const byState = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<RegistrantStateName, number>;
  return {
    records: 0,
    recordsByState: byState,
    registersSent: 0,
    unregistersSent: 0,
    repliesByCode: {},
    timeouts: 0,
    localFailures: 0,
    lateResponses: 0,
    ticks: 0,
    deferred: 0,
    transactions: {
      active: 0,
      sent: 0,
      retransmissions: 0,
      received: 0,
      provisionalDelivered: 0,
      finalsDelivered: 0,
      absorbed: 0,
      timeouts: 0,
      sendFailures: 0,
      handlerErrors: 0,
      dropped: { parseError: 0, requestReceived: 0, badVia: 0, stray: 0, mismatch: 0, wrongSource: 0 },
    },
  };
}

/** A manager stand-in: settable stats, and events emitted by the test. */
class FakeStatsManager extends EventEmitter<RegistrantManagerEvents> {
  current: RegistrantManagerStats = zeroStats();
  statsCalls = 0;
  stats(): RegistrantManagerStats {
    this.statsCalls++;
    return this.current;
  }
  change(key: string, from: RegistrantState, to: RegistrantState): void {
    const event: StateChangeEvent = {
      key,
      aor: `sip:${key}@example.com`,
      contact: `sip:${key}@127.0.0.1`,
      registrar: 'sip:127.0.0.1',
      from,
      to,
      fromName: stateName(from),
      toName: stateName(to),
    };
    this.emit('stateChange', event);
  }
  remove(key: string): void {
    this.emit('removed', { key, aor: '', contact: '', registrar: '' });
  }
}

const S = RegistrantState;

/** The lines of one family (HELP, TYPE and samples) in the text. */
function familyBlock(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`# HELP ${name} `));
  if (start < 0) throw new Error(`no family ${name}`);
  let end = start + 2;
  while (end < lines.length && lines[end] !== '' && !lines[end]!.startsWith('#')) end++;
  return `${lines.slice(start, end).join('\n')}\n`;
}

describe('PrometheusTextWriter', () => {
  it('writes HELP, TYPE and samples with escaped help and label values', () => {
    const text = new PrometheusTextWriter()
      .family('demo_total', 'counter', 'Help with \\ backslash\nand newline.', [
        { labels: { path: 'C:\\dir', quote: 'say "hi"\nbye' }, value: 3 },
        { value: 0.25 },
      ])
      .single('demo_gauge', 'gauge', 'G.', Number.POSITIVE_INFINITY)
      .text();
    expect(text).toBe(
      '# HELP demo_total Help with \\\\ backslash\\nand newline.\n' +
        '# TYPE demo_total counter\n' +
        'demo_total{path="C:\\\\dir",quote="say \\"hi\\"\\nbye"} 3\n' +
        'demo_total 0.25\n' +
        '# HELP demo_gauge G.\n' +
        '# TYPE demo_gauge gauge\n' +
        'demo_gauge +Inf\n',
    );
    const parsed = parseExposition(text);
    expect(parsed.get('demo_total')?.help).toBe('Help with \\ backslash\nand newline.');
    expect(parsed.get('demo_total')?.samples[0]?.labels).toEqual({ path: 'C:\\dir', quote: 'say "hi"\nbye' });
  });

  it('escapes only what the format names', () => {
    expect(escapeHelp('a"b\\c\nd')).toBe('a"b\\\\c\\nd');
    expect(escapeLabelValue('a"b\\c\nd\te')).toBe('a\\"b\\\\c\\nd\te');
  });

  it('writes histogram buckets ending with +Inf, then _sum and _count', () => {
    const h = new LatencyHistogram([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
    expect(new PrometheusTextWriter().histogram('lat_seconds', 'L.', h.data()).text()).toBe(
      '# HELP lat_seconds L.\n# TYPE lat_seconds histogram\n' +
        'lat_seconds_bucket{le="0.1"} 2\nlat_seconds_bucket{le="1"} 3\nlat_seconds_bucket{le="+Inf"} 4\n' +
        'lat_seconds_sum 3.65\nlat_seconds_count 4\n',
    );
  });

  it('refuses an invalid metric or label name and a family written twice', () => {
    expect(() => new PrometheusTextWriter().single('9bad', 'gauge', 'x', 1)).toThrow(SipInvalidArgumentError);
    expect(() => new PrometheusTextWriter().single('bad-name', 'gauge', 'x', 1)).toThrow(/bad-name/);
    expect(() =>
      new PrometheusTextWriter().family('ok', 'gauge', 'x', [{ labels: { 'a-b': '1' }, value: 1 }]),
    ).toThrow(/a-b/);
    const w = new PrometheusTextWriter().single('twice', 'gauge', 'x', 1);
    expect(() => w.single('twice', 'gauge', 'x', 2)).toThrow(/twice/);
  });
});

describe('LatencyHistogram', () => {
  it("counts a value equal to a bound in that bound's bucket (le semantics) and ignores NaN", () => {
    const h = new LatencyHistogram([1, 2]);
    h.observe(1);
    h.observe(2);
    h.observe(2.0001);
    h.observe(Number.NaN);
    expect(h.data()).toEqual({ bounds: [1, 2], cumulative: [1, 2], sum: 5.0001, count: 3 });
  });
});

describe('createRegistrantMetrics: exposition text', () => {
  it('renders every family with exact HELP/TYPE lines, all ten states, codes in order', () => {
    const manager = new FakeStatsManager();
    const stats = zeroStats();
    stats.records = 7;
    stats.recordsByState = { ...stats.recordsByState, REGISTERED: 5, REGISTRAR_ERROR: 2 };
    stats.registersSent = 12;
    stats.unregistersSent = 3;
    stats.repliesByCode = { 503: 1, 200: 9, 401: 4 };
    stats.timeouts = 2;
    stats.localFailures = 1;
    stats.lateResponses = 6;
    stats.ticks = 40;
    stats.deferred = 8;
    stats.transactions = {
      ...stats.transactions,
      active: 2,
      retransmissions: 11,
      dropped: { ...stats.transactions.dropped, stray: 4, parseError: 1 },
    };
    manager.current = stats;
    const metrics = createRegistrantMetrics(manager, { processMetrics: false, clock: new FakeClock() });
    const text = metrics.render();
    expect(familyBlock(text, 'sip_registrant_records')).toBe(
      '# HELP sip_registrant_records Records in the manager.\n# TYPE sip_registrant_records gauge\nsip_registrant_records 7\n',
    );
    expect(familyBlock(text, 'sip_registrant_records_by_state')).toBe(
      [
        '# HELP sip_registrant_records_by_state Records per state (OpenSIPS uac_registrant state names).',
        '# TYPE sip_registrant_records_by_state gauge',
        'sip_registrant_records_by_state{state="NOT_REGISTERED"} 0',
        'sip_registrant_records_by_state{state="REGISTERING"} 0',
        'sip_registrant_records_by_state{state="AUTHENTICATING"} 0',
        'sip_registrant_records_by_state{state="REGISTERED"} 5',
        'sip_registrant_records_by_state{state="REGISTER_TIMEOUT"} 0',
        'sip_registrant_records_by_state{state="INTERNAL_ERROR"} 0',
        'sip_registrant_records_by_state{state="WRONG_CREDENTIALS"} 0',
        'sip_registrant_records_by_state{state="REGISTRAR_ERROR"} 2',
        'sip_registrant_records_by_state{state="UNREGISTERING"} 0',
        'sip_registrant_records_by_state{state="AUTHENTICATING_UNREGISTER"} 0',
        '',
      ].join('\n'),
    );
    expect(familyBlock(text, 'sip_registrant_replies_total')).toBe(
      [
        '# HELP sip_registrant_replies_total Final responses received from registrars, by status code.',
        '# TYPE sip_registrant_replies_total counter',
        'sip_registrant_replies_total{code="200"} 9',
        'sip_registrant_replies_total{code="401"} 4',
        'sip_registrant_replies_total{code="503"} 1',
        '',
      ].join('\n'),
    );
    expect(text).toContain(
      '# TYPE sip_registrant_registers_sent_total counter\nsip_registrant_registers_sent_total 12\n',
    );
    expect(text).toContain('\nsip_registrant_unregisters_sent_total 3\n');
    expect(text).toContain('\nsip_registrant_transaction_timeouts_total 2\n');
    expect(text).toContain('\nsip_registrant_local_failures_total 1\n');
    expect(text).toContain('\nsip_registrant_late_responses_total 6\n');
    expect(text).toContain('\nsip_registrant_timer_ticks_total 40\n');
    expect(text).toContain(
      '# TYPE sip_registrant_deferred_records gauge\nsip_registrant_deferred_records 8\n',
    );
    expect(text).toContain('\nsip_registrant_transactions_active 2\n');
    expect(text).toContain('\nsip_registrant_transaction_retransmissions_total 11\n');
    expect(text).toContain('\nsip_registrant_transaction_messages_dropped_total{reason="stray"} 4\n');
    expect(text).toContain('\nsip_registrant_transaction_messages_dropped_total{reason="parse_error"} 1\n');
    expect(text).toContain('\nsip_registrant_transaction_messages_dropped_total{reason="wrong_source"} 0\n');
    expect(text).not.toContain('process_');
    metrics.dispose();
  });

  it('parses back under a strict reader: typed families, _total counters, cumulative buckets', () => {
    const manager = new FakeStatsManager();
    const clock = new FakeClock();
    const metrics = createRegistrantMetrics(manager, { clock });
    manager.change('a', S.NOT_REGISTERED, S.REGISTERING);
    clock.advance(30);
    manager.change('a', S.REGISTERING, S.REGISTERED);
    const families = parseExposition(metrics.render());
    for (const family of families.values()) {
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
      else expect(family.name).not.toMatch(/_total$/);
      // Only the replies family may be empty (no reply yet): HELP and TYPE alone are valid.
      if (family.name !== 'sip_registrant_replies_total') expect(family.samples.length).toBeGreaterThan(0);
      expect(family.help).not.toBe('');
    }
    const states = families.get('sip_registrant_records_by_state')!.samples.map((s) => s.labels.state);
    expect(states).toEqual(STATES);
    const histogram = families.get('sip_registrant_registration_duration_seconds')!;
    expect(histogram.type).toBe('histogram');
    const buckets = histogram.samples.filter((s) => s.name.endsWith('_bucket'));
    expect(buckets.map((b) => b.labels.le)).toEqual([...DEFAULT_LATENCY_BUCKETS.map(String), '+Inf']);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
    expect(sampleValue(families, 'sip_registrant_registration_duration_seconds_count')).toBe(1);
    expect(buckets.at(-1)!.value).toBe(1);
    // Standard process metrics, with their standard names and types.
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(sampleValue(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sampleValue(families, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    metrics.dispose();
  });

  it('takes a prefix for its own families only', () => {
    const metrics = createRegistrantMetrics(new FakeStatsManager(), {
      prefix: 'edge:reg_',
      clock: new FakeClock(),
    });
    const families = parseExposition(metrics.render());
    expect(families.has('edge:reg_records')).toBe(true);
    expect(families.has('sip_registrant_records')).toBe(false);
    expect(families.has('process_cpu_seconds_total')).toBe(true);
  });

  it('validates its options and the manager, naming what is wrong', () => {
    const m = new FakeStatsManager();
    expect(() => createRegistrantMetrics(m, { prefix: '1abc' })).toThrow(
      /option prefix.*received string "1abc"/,
    );
    expect(() => createRegistrantMetrics(m, { latencyBuckets: [1, 1] })).toThrow(
      /latencyBuckets must be strictly ascending/,
    );
    expect(() => createRegistrantMetrics(m, { latencyBuckets: [] })).toThrow(
      /latencyBuckets must be a non-empty array/,
    );
    expect(() => createRegistrantMetrics(m, { latencyBuckets: [0.1, Number.NaN] })).toThrow(
      /latencyBuckets\[1\]/,
    );
    expect(() => createRegistrantMetrics(m, { clock: {} as never })).toThrow(/option clock must be a Clock/);
    expect(() => createRegistrantMetrics(m, { processMetrics: 'yes' as never })).toThrow(
      /processMetrics must be a boolean/,
    );
    expect(() => createRegistrantMetrics({} as never)).toThrow(SipInvalidArgumentError);
    expect(m.listenerCount('stateChange')).toBe(0);
  });
});

describe('createRegistrantMetrics: registration latency from stateChange events', () => {
  function setup() {
    const manager = new FakeStatsManager();
    const clock = new FakeClock(5_000);
    const metrics = createRegistrantMetrics(manager, {
      clock,
      processMetrics: false,
      latencyBuckets: [0.1, 0.5, 1, 10],
    });
    const read = () => parseExposition(metrics.render());
    const value = (name: string, labels?: Record<string, string>) =>
      sampleValue(read(), `sip_registrant_${name}`, labels);
    return { manager, clock, metrics, value };
  }

  it('times initial, challenged, refreshed and retried attempts; failures are not observed', () => {
    const { manager, clock, value } = setup();
    // Initial attempt with a Digest round trip: 0.2 s + 0.2 s.
    manager.change('a', S.NOT_REGISTERED, S.REGISTERING);
    clock.advance(200);
    manager.change('a', S.REGISTERING, S.AUTHENTICATING);
    clock.advance(200);
    manager.change('a', S.AUTHENTICATING, S.REGISTERED);
    expect(value('registration_duration_seconds_count')).toBe(1);
    expect(value('registration_duration_seconds_sum')).toBeCloseTo(0.4, 9);
    expect(value('registration_duration_seconds_bucket', { le: '0.1' })).toBe(0);
    expect(value('registration_duration_seconds_bucket', { le: '0.5' })).toBe(1);
    // Refresh, later: timed from the refresh, not from the first attempt.
    clock.advance(60_000);
    manager.change('a', S.REGISTERED, S.REGISTERING);
    clock.advance(50);
    manager.change('a', S.REGISTERING, S.REGISTERED);
    expect(value('registration_duration_seconds_bucket', { le: '0.1' })).toBe(1);
    // A failed attempt ends unobserved; the retry is a new attempt.
    manager.change('a', S.REGISTERED, S.REGISTERING);
    clock.advance(32_000);
    manager.change('a', S.REGISTERING, S.REGISTER_TIMEOUT);
    expect(value('registration_attempts_open')).toBe(0);
    expect(value('registration_attempts_unsuccessful_total')).toBe(1);
    clock.advance(5_000);
    manager.change('a', S.REGISTER_TIMEOUT, S.REGISTERING);
    clock.advance(700);
    manager.change('a', S.REGISTERING, S.REGISTERED);
    expect(value('registration_duration_seconds_count')).toBe(3);
    expect(value('registration_duration_seconds_sum')).toBeCloseTo(0.4 + 0.05 + 0.7, 9);
    expect(value('registration_duration_seconds_bucket', { le: '1' })).toBe(3);
    expect(value('state_transitions_total', { state: 'REGISTERING' })).toBe(3 + 1);
    expect(value('state_transitions_total', { state: 'REGISTERED' })).toBe(3);
    expect(value('state_transitions_total', { state: 'AUTHENTICATING' })).toBe(1);
    expect(value('state_transitions_total', { state: 'REGISTER_TIMEOUT' })).toBe(1);
    expect(value('state_transitions_total', { state: 'NOT_REGISTERED' })).toBe(0);
  });

  it('a 423 resend after a challenge (AUTHENTICATING → REGISTERING) keeps the attempt start', () => {
    const { manager, clock, value } = setup();
    manager.change('b', S.NOT_REGISTERED, S.REGISTERING);
    clock.advance(300);
    manager.change('b', S.REGISTERING, S.AUTHENTICATING);
    clock.advance(300);
    manager.change('b', S.AUTHENTICATING, S.REGISTERING);
    clock.advance(300);
    manager.change('b', S.REGISTERING, S.REGISTERED);
    expect(value('registration_duration_seconds_sum')).toBeCloseTo(0.9, 9);
  });

  it('an attempt open when the metrics were created is not timed (its start is unknown)', () => {
    const { manager, clock, value } = setup();
    manager.change('c', S.REGISTERING, S.AUTHENTICATING);
    clock.advance(100);
    manager.change('c', S.AUTHENTICATING, S.REGISTERING);
    manager.change('c', S.REGISTERING, S.REGISTERED);
    expect(value('registration_duration_seconds_count')).toBe(0);
  });

  it('removal forgets an open attempt; dispose() detaches from the manager', () => {
    const { manager, metrics, value } = setup();
    manager.change('d', S.NOT_REGISTERED, S.REGISTERING);
    manager.change('e', S.NOT_REGISTERED, S.REGISTERING);
    expect(value('registration_attempts_open')).toBe(2);
    manager.remove('d');
    expect(value('registration_attempts_open')).toBe(1);
    metrics.dispose();
    metrics.dispose();
    expect(manager.listenerCount('stateChange')).toBe(0);
    expect(manager.listenerCount('removed')).toBe(0);
    expect(value('registration_attempts_open')).toBe(0);
    manager.change('e', S.REGISTERING, S.REGISTERED);
    expect(value('registration_duration_seconds_count')).toBe(0);
  });

  it('holds 100,000 records: one Map entry per open attempt, none after; render cost does not grow', () => {
    const { manager, clock, metrics, value } = setup();
    const before = metrics.render().length;
    const keys = Array.from({ length: 100_000 }, (_, i) => `sip:u${i}@example.com|sip:u${i}@127.0.0.1|sip:r`);
    for (const key of keys) manager.change(key, S.NOT_REGISTERED, S.REGISTERING);
    expect(value('registration_attempts_open')).toBe(100_000);
    clock.advance(80);
    for (let i = 0; i < keys.length; i++)
      if (i % 2 === 0) manager.change(keys[i]!, S.REGISTERING, S.REGISTERED);
      else manager.remove(keys[i]!);
    expect(value('registration_attempts_open')).toBe(0);
    expect(value('registration_duration_seconds_count')).toBe(50_000);
    expect(value('registration_duration_seconds_bucket', { le: '0.1' })).toBe(50_000);
    // Same families and series whatever the number of records (only digits change).
    expect(Math.abs(metrics.render().length - before)).toBeLessThan(200);
    const statsCalls = manager.statsCalls;
    metrics.render();
    expect(manager.statsCalls).toBe(statsCalls + 1);
  });
});

describe('createRegistrantMetrics with the real RegistrantManager and the registrar double', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const PASSWORD = 'pa55-Zebra-Quartz';

  it('counters move after real registrations; latency includes the Digest round trip; no secret in the text', async () => {
    rig = await makeRig({}, { realm: 'example.com', users: { carol: PASSWORD } });
    const r = rig;
    const metrics = createRegistrantMetrics(r.manager, {
      clock: r.clock,
      latencyBuckets: [0.1, 0.25, 0.5, 1],
    });
    const DELAY = 150;
    // Every answer (the 401 and the 200) held DELAY ms of the shared fake clock.
    r.registrar.setBehaviour(() => ({ type: 'process', delayMs: DELAY }));
    r.manager.add(account(r, 'carol', { username: 'carol', password: PASSWORD, expiry: 600 }));
    const before = parseExposition(metrics.render());
    expect(sampleValue(before, 'sip_registrant_records')).toBe(1);
    expect(sampleValue(before, 'sip_registrant_registers_sent_total')).toBe(0);

    r.manager.start();
    r.clock.advance(0); // the first sweep tick: REGISTER sent at START
    // Each request reaches the double (real loopback), which holds the answer DELAY ms of fake time.
    for (let requests = 1; requests <= 2; requests++) {
      await until(`request ${requests} at the double`, () => r.registrar.stats().registers >= requests);
      await turn(2);
      r.clock.advance(DELAY);
      await until(`answer ${requests} handled`, () =>
        r.changes.some((c) => c.to === (requests === 1 ? S.AUTHENTICATING : S.REGISTERED)),
      );
    }
    const after = parseExposition(metrics.render());
    const v = (name: string, labels?: Record<string, string>) =>
      sampleValue(after, `sip_registrant_${name}`, labels);
    expect(v('records_by_state', { state: 'REGISTERED' })).toBe(1);
    expect(v('records_by_state', { state: 'NOT_REGISTERED' })).toBe(0);
    expect(v('registers_sent_total')).toBe(2);
    expect(v('replies_total', { code: '401' })).toBe(1);
    expect(v('replies_total', { code: '200' })).toBe(1);
    expect(v('transaction_requests_sent_total')).toBe(2);
    expect(v('transaction_messages_received_total')).toBeGreaterThanOrEqual(2);
    expect(v('timer_ticks_total')).toBeGreaterThanOrEqual(1);
    expect(v('state_transitions_total', { state: 'REGISTERING' })).toBe(1);
    expect(v('state_transitions_total', { state: 'AUTHENTICATING' })).toBe(1);
    expect(v('state_transitions_total', { state: 'REGISTERED' })).toBe(1);
    // Two answers held DELAY ms each: the attempt lasted exactly 2 × DELAY of the shared clock.
    expect(v('registration_duration_seconds_count')).toBe(1);
    expect(v('registration_duration_seconds_sum')).toBeCloseTo((2 * DELAY) / 1000, 9);
    expect(v('registration_duration_seconds_bucket', { le: '0.25' })).toBe(0);
    expect(v('registration_duration_seconds_bucket', { le: '0.5' })).toBe(1);
    expect(v('registration_attempts_open')).toBe(0);

    const text = metrics.render();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('carol');
    metrics.dispose();
  });
});
