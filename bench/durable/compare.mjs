#!/usr/bin/env node
// Side-by-side table of one durable-step run: Keel (bench/Keel.Bench.Durable), LangGraph JS and DBOS (the shared
// peers), from their JSON results, with ratios and the goals (≤ 150 µs and ≤ 1,600 B per step).
// Usage: node compare.mjs durable-keel-*.json durable-langgraph-*.json durable-dbos-*.json
import fs from 'node:fs';

const [keelPath, lgPath, dbosPath] = process.argv.slice(2);
const read = (p) => (p && fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) : null);
const keel = read(keelPath), lg = read(lgPath), dbos = read(dbosPath);
const GOAL_US = 150, GOAL_BYTES = 1600;
const n = (v, d = 0) => (v == null || Number.isNaN(v) ? '–' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
// How many times Keel (b) is cheaper than a peer (a); below 1, how many times Keel costs more.
const x = (a, b) => (!a || !b ? '–' : a >= b ? `${(a / b).toFixed(1)}x lower` : `${(b / a).toFixed(1)}x HIGHER`);
const syncName = (v) => ({ 0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' })[v] ?? String(v);

const rows = [];
const k = (mode, sync) => keel?.summary.find((s) => s.mode === mode && s.synchronous === sync && s.variant === 'shipped');
for (const s of keel?.summary ?? []) {
  const variant = s.variant === 'shipped' ? '' : ` [what-if: ${s.variant}]`;
  rows.push({ name: `Keel, ${s.mode === 'pool' ? 'worker pool (submit + claim + run)' : 'inline RunAsync'}${variant}`, durability: `SQLite WAL, synchronous=${s.synchronous}`,
    p50: s.stepP50, p99: s.stepP99, mean: s.usPerStepMean, marginal: s.usPerStepMarginal, task: s.usPerTask, bytes: s.bytesPerStep });
}
if (lg) {
  const sq = lg.runs.find((r) => r.sqlite)?.sqlite;
  const lgSync = sq ? `SQLite ${sq.journalMode.toUpperCase()}, synchronous=${syncName(sq.synchronous)}` : 'SQLite';
  const names = { none: ['LangGraph, no checkpointer', 'none (in memory only)'], memory: ['LangGraph, MemorySaver', 'none (in memory only)'],
    sqlite: ['LangGraph, SqliteSaver (durability "async")', lgSync], 'sqlite-sync': ['LangGraph, SqliteSaver (durability "sync")', lgSync] };
  for (const [mode, s] of Object.entries(lg.summary)) {
    rows.push({ name: names[mode]?.[0] ?? mode, durability: names[mode]?.[1] ?? '', mean: s.usPerStep.median, task: s.usPerInvoke.median, bytes: s.bytesPerStep?.median });
  }
}
if (dbos) {
  const s = dbos.summary;
  rows.push({ name: 'DBOS', durability: `PostgreSQL 15, fsync=${dbos.meta.fsync}, synchronous_commit=${dbos.meta.synchronousCommit}`,
    mean: s.usPerStepNaive.median, marginal: s.usPerStepMarginal.median, task: s.msPerWorkflow.median * 1000, bytes: s.bytesPerStep.median });
}

const meta = keel?.meta ?? {};
console.log(`=== durable step, ${meta.steps ?? lg?.meta.nodes} steps x ${meta.payloadBytes ?? lg?.meta.payloadBytes} B, ${meta.tasks ?? lg?.meta.threads} tasks per rep, median of ${meta.reps ?? lg?.meta.reps} reps (µs; B) ===`);
console.log('| system | durability | step p50 | step p99 | mean (wall / steps) | marginal (per-task cost out) | per task | B/step |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.name} | ${r.durability} | ${n(r.p50, 1)} | ${n(r.p99, 1)} | ${n(r.mean, 1)} | ${n(r.marginal, 1)} | ${n(r.task)} | ${n(r.bytes)} |`);

const kn = k('inline', 'NORMAL'), kf = k('inline', 'FULL'), kp = k('pool', 'NORMAL');
const lgs = lg?.summary.sqlite, lgss = lg?.summary['sqlite-sync'], db = dbos?.summary;
console.log('\n=== ratios (Keel against each peer) ===');
if (kn && lgs) console.log(`LangGraph SqliteSaver vs Keel NORMAL, mean µs/step: ${x(lgs.usPerStep.median, kn.usPerStepMean)}` +
  (lgss ? ` (durability "sync": ${x(lgss.usPerStep.median, kn.usPerStepMean)})` : '') + `; B/step: ${x(lgs.bytesPerStep.median, kn.bytesPerStep)}`);
if (kn && db) console.log(`DBOS vs Keel NORMAL, marginal µs/step: ${x(db.usPerStepMarginal.median, kn.usPerStepMarginal)}; B/step: ${x(db.bytesPerStep.median, kn.bytesPerStep)}`);
if (kf && db) console.log(`DBOS vs Keel FULL (both fsync every commit), marginal µs/step: ${x(db.usPerStepMarginal.median, kf.usPerStepMarginal)}; mean µs/step: ${x(db.usPerStepNaive.median, kf.usPerStepMean)}`);
if (kp && kn) console.log(`Keel worker pool vs inline (NORMAL), per task: ${kp.usPerTask >= kn.usPerTask ? '+' : '−'}${n(Math.abs(kp.usPerTask - kn.usPerTask))} µs (submit ${n(kp.usPerSubmit)} µs, claim + run ${n(kp.usPerClaimAndRun)} µs)`);

if (kn) {
  const ok = (v, goal) => (v <= goal ? 'met' : 'NOT met');
  console.log(`\n=== goals (Keel, synchronous=NORMAL: survives a process kill) ===`);
  console.log(`≤ ${GOAL_US} µs per step: p50 ${n(kn.stepP50, 1)} (${ok(kn.stepP50, GOAL_US)}), p99 ${n(kn.stepP99, 1)} (${ok(kn.stepP99, GOAL_US)}), mean incl. per-task cost ${n(kn.usPerStepMean, 1)} (${ok(kn.usPerStepMean, GOAL_US)})`);
  console.log(`≤ ${n(GOAL_BYTES)} B per step: ${n(kn.bytesPerStep)} B (${ok(kn.bytesPerStep, GOAL_BYTES)})`);
}
