// The official MCP TypeScript SDK's streamable HTTP client against `keel serve`'s /mcp (MCP_URL), with a customer's
// API key (API_KEY) as its bearer token. Also: another customer's key (OTHER_API_KEY) must not find the first's
// memory, and a wrong key must not connect. Prints the answers as JSON.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { call, connect, memoryRoundTrip, print, required } from './mcp-flow.mjs';

const url = new URL(required('MCP_URL'));
const http = (key) => new StreamableHTTPClientTransport(url, { requestInit: { headers: { Authorization: `Bearer ${key}` } } });

const client = await connect(http(required('API_KEY')));
const other = await connect(http(required('OTHER_API_KEY')));
try {
  const kept = await call(client, 'memory_add', { text: 'Bob is allergic to peanuts', user_id: 'bob' });
  const trip = await memoryRoundTrip(client);
  const otherSearch = await call(other, 'memory_search', { query: 'Is Bob allergic to peanuts?', k: 10 });
  const otherForget = await call(other, 'memory_forget', { id: kept.memory.id });
  const ownSearch = await call(client, 'memory_search', { query: 'Is Bob allergic to peanuts?', k: 10 });

  let badKey;
  try {
    const intruder = await connect(http('keel_sk_not_a_real_key'));
    badKey = { connected: true, tools: (await intruder.listTools()).tools.length };
  } catch (error) {
    badKey = { connected: false, message: String(error?.message ?? error) };
  }

  print({
    ...trip,
    kept_id: kept.memory.id,
    other_found_ids: (otherSearch.data ?? []).map((h) => h.memory.id),
    other_forget: otherForget,
    own_found_ids: (ownSearch.data ?? []).map((h) => h.memory.id),
    bad_key: badKey,
  });
} finally {
  await client.close();
  await other.close();
}
