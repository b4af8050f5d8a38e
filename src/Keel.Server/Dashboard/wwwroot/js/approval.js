// Approve / Reject for a pending approval: POST /api/tasks/{id}/approval, then the caller refreshes.
import * as api from './api.js';
import { h } from './dom.js';

const REVIEWER_KEY = 'keel.reviewer';

/** Who decides, as recorded with the decision; remembered in this browser. */
export function reviewer() {
  try { return localStorage.getItem(REVIEWER_KEY) || 'dashboard'; } catch { return 'dashboard'; }
}

export function setReviewer(name) {
  try { localStorage.setItem(REVIEWER_KEY, name); } catch { /* not remembered */ }
}

/** A labelled input for the reviewer's name. */
export function reviewerField() {
  return h('label', { class: 'field inline' },
    h('span', {}, 'Deciding as'),
    h('input', {
      type: 'text', value: reviewer(), testid: 'reviewer', autocomplete: 'name',
      on: { change: (e) => setReviewer(e.target.value.trim() || 'dashboard') },
    }));
}

/**
 * The note field and the two buttons for one approval. onDecided({approved, answer}) runs after the server
 * accepted the decision; a 409 (decided elsewhere, or timed out) shows the server's message and calls onDecided too,
 * so the caller refreshes either way.
 */
export function decisionControls(taskId, approval, onDecided) {
  const note = h('input', { type: 'text', placeholder: 'note (optional)', testid: 'approval-note', 'aria-label': `Note for the decision on task ${taskId} step ${approval.seq}` });
  const message = h('span', { class: 'decision-message', role: 'status', testid: 'approval-message' });
  const approve = h('button', { type: 'button', class: 'approve', testid: 'approve-button', on: { click: () => decide(true) } }, 'Approve');
  const reject = h('button', { type: 'button', class: 'reject', testid: 'reject-button', on: { click: () => decide(false) } }, 'Reject');

  async function decide(approved) {
    approve.disabled = true;
    reject.disabled = true;
    message.classList.remove('error');
    message.textContent = approved ? 'Approving…' : 'Rejecting…';
    try {
      const body = { approved, by: reviewer() };
      if (note.value.trim()) body.note = note.value.trim();
      const answer = await api.post(`tasks/${api.seg(taskId)}/approval`, body);
      message.textContent = approved ? 'Approved: the task resumes.' : 'Rejected: the task resumes with the rejection.';
      onDecided?.({ approved, answer });
    } catch (error) {
      message.classList.add('error');
      message.textContent = error.status === 409 ? `Not decided: ${error.message}` : error.message;
      approve.disabled = false;
      reject.disabled = false;
      if (error.status === 409) onDecided?.({ approved, conflict: true });
    }
  }

  return h('div', { class: 'decision', testid: 'approval-actions' }, note, approve, reject, message);
}
