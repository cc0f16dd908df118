/**
 * Runs `fn` after the next frame has been painted: for start-up work the first screen does not
 * need (its scripts and IPC calls would otherwise compete with the first layout and paint).
 * Returns a function that cancels it if it has not run yet.
 */
export function afterNextPaint(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let frame: number | undefined;
  if (typeof requestAnimationFrame === 'function') {
    // The frame callback runs just before the paint; the task it queues runs after it.
    frame = requestAnimationFrame(() => {
      frame = undefined;
      timer = setTimeout(fn, 0);
    });
  } else {
    timer = setTimeout(fn, 0);
  }
  return () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(timer);
  };
}
