// A streamed completion, assembled from its deltas, with the final usage chunk asked for.
import { client, print } from './client.mjs';

const stream = await client().chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Stream to the openai npm client' }],
  stream: true,
  stream_options: { include_usage: true },
});

let text = '';
let chunks = 0;
let finishReason = null;
let usage = null;
let usageChunk = null;
for await (const chunk of stream) {
  chunks += 1;
  for (const choice of chunk.choices) {
    text += choice.delta?.content ?? '';
    finishReason = choice.finish_reason ?? finishReason;
  }
  if (chunk.usage) {
    usage = chunk.usage;
    usageChunk = { index: chunks - 1, choices: chunk.choices.length };
  }
}

print({ text, chunks, finish_reason: finishReason, usage, usage_chunk: usageChunk });
