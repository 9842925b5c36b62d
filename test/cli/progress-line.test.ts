import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../src/cli/progress-line.js';
import { formatProgress } from '../../src/cli/progress-summary.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (text: string) => writes.push(text) } };
}

describe('ProgressLine', () => {
  it('redraws in place on a TTY and writes log lines above the status', () => {
    const { writes, stream: s } = stream(true);
    const line = new ProgressLine(s);
    line.update('registered 1/2');
    line.writeAbove('a log line\n');
    line.clear();
    expect(writes).toEqual(['\r\x1b[2Kregistered 1/2', '\r\x1b[2Ka log line\nregistered 1/2', '\r\x1b[2K']);
  });

  it('draws nothing when not a TTY: plain lines only', () => {
    const { writes, stream: s } = stream(false);
    const line = new ProgressLine(s);
    line.update('registered 1/2');
    line.writeAbove('a log line\n');
    line.clear();
    expect(line.enabled).toBe(false);
    expect(writes).toEqual(['a log line\n']);
  });

  it('formats the counts an operator watches', () => {
    expect(
      formatProgress({
        total: 1000,
        registered: 812,
        inFlight: 150,
        failing: 3,
        idle: 35,
        registersSent: 1774,
      }),
    ).toBe('registered 812/1,000 · in flight 150 · failing 3 · idle 35 · REGISTERs sent 1,774');
  });
});

describe('formatRegListTable at scale', () => {
  it('prints 200,000 rows without overflowing the stack (column widths by a loop)', async () => {
    const { formatRegListTable } = await import('../../src/cli/reg-list-table.js');
    const info = {
      key: 'k',
      aor: 'sip:a@example.com',
      expires: 3600,
      requestedExpires: 3600,
      state: 3,
      stateName: 'REGISTERED',
      enabled: true,
      lastRegisterSent: 0,
      registrationTimeout: 60_000,
      nextAttemptAt: undefined,
      registrar: 'sip:r.example.com',
      binding: 'sip:a@192.0.2.1',
      bindingParams: '',
      thirdPartyRegistrant: undefined,
      socket: undefined,
      proxy: undefined,
      pinnedDestination: undefined,
      lastCode: 200,
      lastReason: 'OK',
      failureCount: 0,
      callId: 'c',
      username: 'a',
    } as const;
    const rows = Array.from({ length: 200_000 }, () => info);
    const text = formatRegListTable(rows as never, { maxRows: Number.POSITIVE_INFINITY, now: 0 });
    expect(text.endsWith('200000 records: REGISTERED 200000\n')).toBe(true);
  });
});
