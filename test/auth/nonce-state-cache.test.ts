import { describe, expect, it } from 'vitest';
import { createPooledCnonce } from '../../src/auth/cnonce-pool.js';
import { NonceStateCache } from '../../src/auth/nonce-state-cache.js';

describe('NonceStateCache', () => {
  it('DIG-28 keeps one state per (realm, nonce, username) and returns the same object on a hit', () => {
    const cache = new NonceStateCache(10);
    const a = cache.touch('r', 'n', 'alice');
    a.count = 3;
    expect(cache.touch('r', 'n', 'alice')).toBe(a);
    expect(cache.touch('r', 'n', 'bob').count).toBe(0);
    expect(cache.touch('r', 'm', 'alice').count).toBe(0);
    expect(cache.touch('s', 'n', 'alice').count).toBe(0);
    expect(cache.size).toBe(4);
  });

  it('DIG-28 evicts exactly the least recently used entry, at any size', () => {
    const max = 50;
    const cache = new NonceStateCache(max);
    // Reference model: an array in recency order.
    const order: string[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let step = 0; step < 5000; step++) {
      const nonce = `n${next() % 80}`;
      const state = cache.touch('r', nonce, 'u');
      const at = order.indexOf(nonce);
      if (at === -1) {
        expect(state.count).toBe(0);
        if (order.length === max) order.shift();
      } else {
        expect(state.count).toBeGreaterThan(0);
        order.splice(at, 1);
      }
      order.push(nonce);
      state.count++;
      expect(cache.size).toBe(order.length);
    }
  });

  it('DIG-28 a cache of one keeps only the last nonce; clear() forgets everything', () => {
    const cache = new NonceStateCache(1);
    cache.touch('r', 'a', 'u').count = 1;
    expect(cache.touch('r', 'a', 'u').count).toBe(1);
    cache.touch('r', 'b', 'u');
    expect(cache.size).toBe(1);
    expect(cache.touch('r', 'a', 'u').count).toBe(0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.touch('r', 'a', 'u').count).toBe(0);
  });
});

describe('NonceStateCache keys', () => {
  it('DIG-28 long nonces (hashed keys) and short ones (plain keys) stay distinct per username and realm', () => {
    const cache = new NonceStateCache(100);
    const long = 'n'.repeat(200);
    const a = cache.touch('r', long, 'alice');
    a.count = 5;
    expect(cache.touch('r', long, 'alice')).toBe(a);
    expect(cache.touch('r', long, 'bob').count).toBe(0);
    expect(cache.touch('s', long, 'alice').count).toBe(0);
    expect(cache.touch('r', `${long}x`, 'alice').count).toBe(0);
    // Around the length where keys switch from plain text to a hash.
    for (let length = 50; length <= 70; length++) {
      const nonce = 'k'.repeat(length);
      cache.touch('realm', nonce, 'u').count = length;
    }
    for (let length = 50; length <= 70; length++)
      expect(cache.touch('realm', 'k'.repeat(length), 'u').count).toBe(length);
    expect(cache.size).toBe(4 + 21);
  });
});

describe('createPooledCnonce', () => {
  it('DIG-29 gives 32 hex digits, never the same twice across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const cnonce = createPooledCnonce();
      expect(cnonce).toMatch(/^[0-9a-f]{32}$/);
      seen.add(cnonce);
    }
    expect(seen.size).toBe(2000);
  });
});
