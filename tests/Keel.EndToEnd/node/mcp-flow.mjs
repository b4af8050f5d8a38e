// What both MCP scripts share: the official MCP TypeScript SDK's client, the memory round trip an agent makes
// (list tools, remember, recall, forget, recall again) and a tool-state compare-and-set, printed as one JSON line.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';

/** A connected client of the official SDK, as an MCP host application builds it. */
export async function connect(transport) {
  const client = new Client({ name: 'keel-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls a tool; its JSON answer parsed, or {error} when the tool reported one (isError). */
export async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content?.find((c) => c.type === 'text')?.text ?? '';
  if (result.isError) {
    return { error: text };
  }
  return JSON.parse(text);
}

/** The round trip: every answer the test asserts on. */
export async function memoryRoundTrip(client) {
  const listed = await client.listTools();
  const tools = Object.fromEntries(listed.tools.map((t) => [t.name, {
    description: t.description ?? '',
    properties: Object.keys(t.inputSchema?.properties ?? {}).sort(),
    required: [...(t.inputSchema?.required ?? [])].sort(),
  }]));

  const added = await call(client, 'memory_add', {
    text: 'Ann prefers a window seat on long flights',
    kind: 'semantic',
    user_id: 'ann',
    importance: 0.8,
  });
  const unrelated = await call(client, 'memory_add', { text: 'The quarterly report is due on Friday', user_id: 'ann' });
  const id = added.memory?.id;
  const found = await call(client, 'memory_search', { query: 'Which seat does Ann like when flying?', user_id: 'ann', k: 5 });
  const forgot = await call(client, 'memory_forget', { id });
  const after = await call(client, 'memory_search', { query: 'Which seat does Ann like when flying?', user_id: 'ann', k: 5 });
  const forgetAgain = await call(client, 'memory_forget', { id });
  const badKind = await call(client, 'memory_add', { text: 'x', kind: 'gossip' });

  const stateBefore = await call(client, 'tool_state_get', { tool: 'cart', key: 'items' });
  const stateSet = await call(client, 'tool_state_set', { tool: 'cart', key: 'items', value: { skus: ['a1'] }, expected_version: 0 });
  const stateConflict = await call(client, 'tool_state_set', { tool: 'cart', key: 'items', value: { skus: ['b2'] }, expected_version: 0 });
  const stateAfter = await call(client, 'tool_state_get', { tool: 'cart', key: 'items' });

  return {
    server: client.getServerVersion(),
    tools,
    added,
    unrelated_id: unrelated.memory?.id ?? null,
    found_ids: (found.data ?? []).map((h) => h.memory.id),
    found,
    forgot,
    after_ids: (after.data ?? []).map((h) => h.memory.id),
    forget_again: forgetAgain,
    bad_kind: badKind,
    state_before: stateBefore,
    state_set: stateSet,
    state_conflict: stateConflict,
    state_after: stateAfter,
  };
}

export function print(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}
