// Live updates by polling: one request at a time, paused while the tab is hidden, stopped with the page.

export const LIVE_INTERVAL_MS = 2000;

/**
 * Calls fn every intervalMs, never overlapping; errors are the caller's to show (fn catches them).
 * Returns { stop(), now() }: now() polls at once (after the user changed something) and resets the timer.
 */
export function poll(fn, intervalMs = LIVE_INTERVAL_MS) {
  let stopped = false;
  let timer = null;
  let busy = false;
  let again = false;

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(tick, intervalMs);
  };

  async function tick() {
    if (stopped) return;
    if (busy) { again = true; return; }
    if (document.hidden) { schedule(); return; }
    busy = true;
    clearTimeout(timer);
    try { await fn(); } catch { /* fn shows its own errors */ }
    busy = false;
    if (again) { again = false; await tick(); return; }
    schedule();
  }

  const onVisible = () => { if (!document.hidden) tick(); };
  document.addEventListener('visibilitychange', onVisible);
  schedule();

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    },
    now: tick,
  };
}
