import { describe, expect, it } from 'vitest';
import { createLogger, redactFields } from '../../src/cli/logger.js';

function capture(options: { level?: 'debug' | 'info' | 'warn' | 'error'; format?: 'text' | 'json' } = {}) {
  const lines: string[] = [];
  const log = createLogger({
    ...options,
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 10, 26, 12),
  });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes text lines with the level and key=value fields, quoting values with spaces', () => {
    const { log, lines } = capture();
    log.info('registration failed', { aor: 'sip:a@example.com', code: 403, reason: 'Forbidden here' });
    expect(lines).toEqual([
      '2026-11-26T12:00:00.000Z INFO  registration failed aor=sip:a@example.com code=403 reason="Forbidden here"\n',
    ]);
  });

  it('writes JSON lines with time, level and msg', () => {
    const { log, lines } = capture({ format: 'json' });
    log.warn('x', { aor: 'sip:a@b' });
    expect(JSON.parse(lines[0]!)).toEqual({
      time: '2026-11-26T12:00:00.000Z',
      level: 'warn',
      msg: 'x',
      aor: 'sip:a@b',
    });
  });

  it('drops lines below the level', () => {
    const { log, lines } = capture({ level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['WARN', 'ERROR']);
  });

  it('never writes a password, whatever the key spelling or nesting', () => {
    for (const format of ['text', 'json'] as const) {
      const { log, lines } = capture({ format });
      log.info('account', {
        password: 's3cret-1',
        account: { Password: 's3cret-2', pass_word: 'x', ha1: 's3cret-3' },
      });
      log.info('auth', { authorization: 'Digest response="s3cret-4"', 'proxy-authorization': 's3cret-5' });
      const text = lines.join('');
      for (const secret of ['s3cret-1', 's3cret-2', 's3cret-3', 's3cret-4', 's3cret-5'])
        expect(text).not.toContain(secret);
      expect(text).toContain('[redacted]');
    }
  });

  it('redactFields keeps errors readable and stops at cycles', () => {
    const cyclic: Record<string, unknown> = { password: 'p' };
    cyclic.self = cyclic;
    const out = redactFields({ error: new Error('boom'), cyclic }) as Record<string, Record<string, unknown>>;
    expect(out.error).toMatchObject({ name: 'Error', message: 'boom' });
    expect(out.cyclic!.password).toBe('[redacted]');
  });
});
