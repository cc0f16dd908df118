import { describe, expect, it } from 'vitest';
import { afterNextPaint } from './paint';

const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

describe('afterNextPaint', () => {
  it('runs the work after the next frame, not synchronously', async () => {
    let ran = 0;
    afterNextPaint(() => (ran += 1));
    expect(ran).toBe(0);
    await frame();
    await frame();
    expect(ran).toBe(1);
  });

  it('cancelled before the frame, the work never runs', async () => {
    let ran = 0;
    const cancel = afterNextPaint(() => (ran += 1));
    cancel();
    await frame();
    await frame();
    expect(ran).toBe(0);
  });
});
