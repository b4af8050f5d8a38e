// Step: the exact context window the model saw, what changed since the previous model call, the tool's arguments
// and result, the error with the chain of steps that fed it, and a fork of the task from here.
import * as api from '../api.js';
import { diffLines, foldable, message, request } from '../context.js';
import { h, link, replace } from '../dom.js';
import { between, count, duration, lower, money, shortId, time } from '../format.js';
import { path } from '../router.js';
import { crumbs, empty, errorMessage, facts, kindBadge, loading, pageTitle, section, statusBadge } from '../ui.js';

export function mount(root, route, { signal, title }) {
  const { id } = route.params;
  const seq = Number(route.params.seq);
  title(`Step ${seq} · task ${shortId(id)}`);
  replace(root, crumbs([['Tasks', '/tasks'], [shortId(id, 20), path('tasks', id)], [`Step ${seq}`]]), loading());
  load();

  async function load() {
    let detail;
    let task = null;
    try {
      [detail, task] = await Promise.all([
        api.get(`tasks/${api.seg(id)}/steps/${seq}`, {}, { signal }),
        api.get(`tasks/${api.seg(id)}`, {}, { signal }).catch(() => null),
      ]);
    } catch (error) {
      if (signal.aborted) return;
      replace(root, crumbs([['Tasks', '/tasks'], [shortId(id, 20), path('tasks', id)], [`Step ${seq}`]]),
        pageTitle(`Step ${seq}`), errorMessage(error, { testid: 'step-error-load' }));
      return;
    }
    if (signal.aborted) return;
    render(detail, task);
  }

  function render(detail, task) {
    const step = detail.step ?? {};
    const steps = task?.steps ?? [];
    const status = lower(step.status);
    const names = new Map(steps.map((s) => [s.seq, s]));
    const index = steps.findIndex((s) => s.seq === seq);
    const prev = index > 0 ? steps[index - 1] : null;
    const next = index >= 0 && index < steps.length - 1 ? steps[index + 1] : null;
    const error = detail.error ?? step.error;

    const tool = detail.tool ? section('Tool call', h('div', { class: 'grid-2' },
      h('div', {}, h('h3', {}, 'Arguments'), foldable(detail.tool.arguments, { testid: 'tool-arguments' })),
      h('div', {}, h('h3', {}, 'Result'), foldable(detail.tool.result, { testid: 'tool-result' }))), { testid: 'step-tool' }) : null;
    const context = detail.context ? contextSection(detail.context) : null;
    const diff = detail.diff ? diffSection(detail.diff, id)
      : detail.context ? section('Changes since the previous model call', empty('This is the first model call of the task: nothing to compare with.', { testid: 'diff-none' }), { testid: 'diff' }) : null;
    const result = detail.result !== null && detail.result !== undefined && detail.result !== ''
      ? section(lower(step.kind) === 'model' ? 'Answer' : 'Result', foldable(detail.result, { testid: 'step-result' }), { testid: 'step-result-section' }) : null;
    const replay = replayForm(id, seq, steps, names);

    replace(root,
      crumbs([['Tasks', '/tasks'], [shortId(id, 20), path('tasks', id)], [`Step ${seq}`]]),
      h('div', { class: 'page-title-row' },
        pageTitle(`Step ${seq}${steps.length ? ' of ' + steps.length : ''}`,
          kindBadge(step.kind),
          h('span', { class: 'step-name mono' }, step.name ?? ''),
          statusBadge(status, { testid: 'step-status', dataset: { status } })),
        h('nav', { class: 'pager', 'aria-label': 'Other steps' },
          prev ? link(path('tasks', id, 'steps', prev.seq), `‹ step ${prev.seq}`, { testid: 'prev-step' }) : null,
          next ? link(path('tasks', id, 'steps', next.seq), `step ${next.seq} ›`, { testid: 'next-step' }) : null)),
      jumps([['Tool call', tool], ['Context window', context], ['Changes', diff], [lower(step.kind) === 'model' ? 'Answer' : 'Result', result], ['Replay', replay]]),
      error ? errorBlock(error, detail.error_path ?? [], names, id, seq) : null,
      section(null, facts([
        ['Kind', lower(step.kind)],
        ['Name', step.name],
        ['Started', step.started_at ? time(step.started_at) : null],
        ['Duration', step.started_at && step.ended_at ? duration(between(step.started_at, step.ended_at)) : null],
        ['Attempts', step.attempts ? `${step.attempts} (${step.retries ?? 0} retries, ${step.fallbacks ?? 0} fallbacks)` : null],
        ['Tokens', step.input_tokens || step.output_tokens ? `${count(step.input_tokens)} in / ${count(step.output_tokens)} out` : null],
        ['Cost', step.cost_usd !== undefined && step.cost_usd !== null ? money(step.cost_usd) : null],
      ]), { testid: 'step-facts' }),
      tool, context, diff, result, replay);
  }
}

/** Buttons that scroll to the parts of a long step page (links would change the route: it lives in the hash). */
function jumps(targets) {
  const present = targets.filter(([, el]) => el);
  if (present.length < 2) return null;
  return h('nav', { class: 'jump', 'aria-label': 'On this page' },
    present.map(([label, el]) => h('button', { type: 'button', class: 'link', on: { click: () => el.scrollIntoView({ behavior: 'smooth', block: 'start' }) } }, label)));
}

/**
 * The error, then its path back to the cause: the earlier steps whose outputs fed this one, directly or through
 * other steps, newest first as the API gives them, each a link.
 */
function errorBlock(error, errorPath, names, taskId, seq) {
  const items = errorPath.map(Number).filter((s) => Number.isFinite(s));
  const here = names.get(seq);
  const describe = (info) => info ? [' ', kindBadge(info.kind), ' ', h('span', { class: 'mono' }, info.name ?? '')] : null;
  return h('section', { class: 'callout callout-error', testid: 'step-error', role: 'alert' },
    h('h2', {}, 'Error'),
    h('pre', { class: 'block error-text', testid: 'step-error-message' }, error),
    items.length === 0 ? null : h('div', { class: 'error-path', testid: 'error-path' },
      h('h3', {}, 'Error path'),
      h('p', { class: 'muted small' }, 'Back from this step to the steps whose outputs fed it, directly or through others; open one to see what it passed on.'),
      h('ol', { class: 'path-list' },
        h('li', { class: 'path-self', testid: 'error-path-self', dataset: { seq } }, h('strong', {}, `Step ${seq}`), describe(here), ' ', statusBadge('failed')),
        items.map((s) => {
          const info = names.get(s);
          return h('li', { testid: 'error-path-item', dataset: { seq: s, status: lower(info?.status) || null } },
            h('span', { class: 'path-arrow', 'aria-hidden': 'true' }, '← '),
            link(path('tasks', taskId, 'steps', s), `Step ${s}`),
            describe(info),
            info?.result_preview ? h('span', { class: 'muted small path-preview', title: info.result_preview }, ' ' + oneLine(info.result_preview)) : null,
            lower(info?.status) === 'failed' ? [' ', statusBadge('failed')] : null);
        }))));
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > 90 ? flat.slice(0, 90) + '…' : flat;
}

function contextSection(context) {
  const messages = context.messages ?? [];
  return section(`Context window (${messages.length} message${messages.length === 1 ? '' : 's'})`,
    h('div', {},
      request(context.request),
      h('div', { class: 'messages', testid: 'context-messages' }, messages.map(message))),
    { testid: 'context' });
}

function diffSection(diff, taskId) {
  const lines = diff.lines ?? [];
  const added = lines.filter((l) => l.op === 'added').length;
  const removed = lines.filter((l) => l.op === 'removed').length;
  return section('Changes since the previous model call',
    h('div', {},
      h('p', { class: 'muted' },
        'Compared with ',
        diff.previous_seq !== null && diff.previous_seq !== undefined
          ? link(path('tasks', taskId, 'steps', diff.previous_seq), `step ${diff.previous_seq}`, { testid: 'diff-previous' })
          : 'the previous call',
        ': ',
        h('span', { class: 'added-count', testid: 'diff-added-count' }, `+${added}`), ' ',
        h('span', { class: 'removed-count', testid: 'diff-removed-count' }, `−${removed}`)),
      added + removed === 0 ? empty('The context is the same as the previous call\'s.') : null,
      diffLines(lines)),
    { testid: 'diff' });
}

/**
 * "Replay from this step": a fork that reuses steps 1..N-1 and runs on from N, optionally on another model or with
 * step N-1's result replaced. POST /api/tasks/{id}/replay, then a link to the new task.
 */
function replayForm(taskId, seq, steps, names) {
  const maxStep = steps.length ? Math.max(...steps.map((s) => s.seq)) + 1 : seq;
  const from = h('input', { type: 'number', name: 'from_step', min: '1', max: String(maxStep), value: String(seq), required: true, testid: 'replay-from', id: 'replay-from' });
  const model = h('input', { type: 'text', name: 'set_model', placeholder: 'same as the original', testid: 'replay-model', id: 'replay-model', autocomplete: 'off' });
  const editLabel = h('span', {});
  const edit = h('textarea', { name: 'edit_message', rows: '4', placeholder: 'leave empty to reuse it as recorded', testid: 'replay-message', id: 'replay-message' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'replay-submit' }, 'Replay from this step');
  const outcome = h('div', { role: 'status', testid: 'replay-outcome' });

  const describeEdit = () => {
    const n = Number(from.value);
    const previous = names.get(n - 1);
    edit.disabled = !(n > 1);
    editLabel.textContent = n > 1
      ? `Replace the result of step ${n - 1}${previous ? ` (${lower(previous.kind)} ${previous.name ?? ''})` : ''} (optional)`
      : 'Replace a result (needs a fork from step 2 or later)';
  };
  from.addEventListener('input', describeEdit);
  describeEdit();

  const form = h('form', {
    class: 'replay', testid: 'replay-form', 'aria-labelledby': 'replay-title',
    on: {
      submit: async (event) => {
        event.preventDefault();
        const body = { from_step: Number(from.value) };
        if (model.value.trim()) body.set_model = model.value.trim();
        if (!edit.disabled && edit.value !== '') body.edit_message = edit.value;
        submit.disabled = true;
        replace(outcome, h('span', { class: 'muted' }, 'Starting the fork…'));
        try {
          const answer = await api.post(`tasks/${api.seg(taskId)}/replay`, body);
          replace(outcome, h('p', { class: 'success', testid: 'replay-result' },
            'Started task ',
            link(path('tasks', answer.task_id), answer.task_id, { class: 'mono', testid: 'replay-link' }),
            `, forked from step ${answer.from_step ?? body.from_step}. It is queued: a worker runs it.`));
        } catch (error) {
          replace(outcome, errorMessage(error, { testid: 'replay-error' }));
        } finally {
          submit.disabled = false;
        }
      },
    },
  },
  h('h2', { id: 'replay-title' }, 'Replay from this step'),
  h('p', { class: 'muted small' }, 'Creates a new task that reuses the recorded results of the steps before the one chosen (they are not paid again) and runs the agent live from there.'),
  h('div', { class: 'form-grid' },
    h('label', { for: 'replay-from' }, 'From step'), from,
    h('label', { for: 'replay-model' }, 'Model alias (optional)'), model,
    h('label', { for: 'replay-message' }, editLabel), edit),
  h('div', { class: 'actions' }, submit),
  outcome);
  return h('section', { class: 'card' }, form);
}
