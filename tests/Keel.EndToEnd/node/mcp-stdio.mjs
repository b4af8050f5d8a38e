// The official MCP TypeScript SDK's stdio client starting `keel mcp` itself, as an MCP host (an IDE, a desktop
// assistant) does: KEEL_COMMAND and KEEL_ARGS (a JSON array) say how. Prints the round trip's answers as JSON.
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect, memoryRoundTrip, print, required } from './mcp-flow.mjs';

const transport = new StdioClientTransport({
  command: required('KEEL_COMMAND'),
  args: JSON.parse(required('KEEL_ARGS')),
  env: { ...process.env },
  stderr: 'inherit', // the server's logs join ours on stderr; its stdout is the protocol
});
const client = await connect(transport);
try {
  print(await memoryRoundTrip(client));
} finally {
  await client.close();
}
