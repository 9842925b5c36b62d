import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DeadlineQueue } from '../../src/transaction/deadline-queue.js';

function setup() {
  const clock = new FakeClock();
  const fired: [string, number][] = [];
  let onDue = (item: string) => {
    fired.push([item, clock.now()]);
  };
  const queue = new DeadlineQueue<string>(clock, (item) => onDue(item));
  return {
    clock,
    queue,
    fired,
    setOnDue: (f: (item: string) => void) => {
      onDue = f;
    },
  };
}

describe('DeadlineQueue (fixed-duration timers on one clock timer)', () => {
  it('TXN-11 fires every item exactly at its own deadline, in order, with one clock timer', () => {
    const { clock, queue, fired } = setup();
    queue.add('a', 100);
    clock.advance(10);
    queue.add('b', 110);
    queue.add('c', 110);
    clock.advance(50);
    queue.add('d', 160);
    expect(clock.pendingTimers).toBe(1);
    expect(queue.size).toBe(4);
    clock.advanceTo(99);
    expect(fired).toEqual([]);
    clock.runUntilIdle();
    expect(fired).toEqual([
      ['a', 100],
      ['b', 110],
      ['c', 110],
      ['d', 160],
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(queue.size).toBe(0);
  });

  it('TXN-11 a removed item never fires; removing the last one disarms the clock timer', () => {
    const { clock, queue, fired } = setup();
    const a = queue.add('a', 100);
    const b = queue.add('b', 200);
    queue.remove(a);
    queue.remove(a); // twice: nothing
    clock.advanceTo(150);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    queue.remove(b);
    expect(clock.pendingTimers).toBe(0);
    clock.runUntilIdle();
    expect(fired).toEqual([]);
    // Old tickets never name a new item.
    queue.add('c', 300);
    queue.remove(a);
    queue.remove(b);
    clock.runUntilIdle();
    expect(fired).toEqual([['c', 300]]);
  });

  it('items added or removed while firing are handled: added ones fire at their deadline', () => {
    const { clock, queue, fired, setOnDue } = setup();
    let late = -1;
    queue.add('a', 100);
    late = queue.add('late', 100);
    queue.add('b', 200);
    setOnDue((item) => {
      fired.push([item, clock.now()]);
      if (item === 'a') {
        queue.remove(late);
        queue.add('x', clock.now() + 150);
      }
    });
    clock.runUntilIdle();
    expect(fired).toEqual([
      ['a', 100],
      ['b', 200],
      ['x', 250],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a throwing callback leaves the queue armed for the rest', () => {
    const { clock, queue, fired, setOnDue } = setup();
    queue.add('boom', 100);
    queue.add('b', 200);
    setOnDue((item) => {
      if (item === 'boom') throw new Error('boom');
      fired.push([item, clock.now()]);
    });
    expect(() => clock.advanceTo(100)).toThrow('boom');
    clock.runUntilIdle();
    expect(fired).toEqual([['b', 200]]);
  });

  it('TXN-11 stays correct across compaction (many items, tickets removed before and after)', () => {
    const { clock, queue, fired } = setup();
    const tickets: number[] = [];
    for (let i = 0; i < 5000; i++) tickets.push(queue.add(`i${i}`, i));
    clock.advanceTo(2999);
    expect(fired).toHaveLength(3000);
    // Tickets already fired are ignored; tickets still waiting are removed exactly.
    for (let i = 0; i < 5000; i += 2) queue.remove(tickets[i]!);
    clock.runUntilIdle();
    expect(fired).toHaveLength(3000 + 1000);
    expect(fired.slice(3000).every(([item]) => Number(item.slice(1)) % 2 === 1)).toBe(true);
    expect(fired.every(([item, at]) => Number(item.slice(1)) === at)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clear() forgets everything and disarms', () => {
    const { clock, queue, fired } = setup();
    queue.add('a', 100);
    queue.clear();
    expect(clock.pendingTimers).toBe(0);
    expect(queue.size).toBe(0);
    clock.runUntilIdle();
    expect(fired).toEqual([]);
  });
});
