// A stream whose upstream breaks off mid-answer: iterating it must throw, not end as if the answer were whole.
import { client, describeError, print } from './client.mjs';

const stream = await client().chat.completions.create({
  model: 'flaky-stream',
  messages: [{ role: 'user', content: 'Stream something that breaks' }],
  stream: true,
});

let chunks = 0;
let text = '';
try {
  for await (const chunk of stream) {
    chunks += 1;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  print({ finished_cleanly: true, chunks, text });
} catch (error) {
  print({ finished_cleanly: false, chunks_before_error: chunks, text, error: describeError(error) });
}
