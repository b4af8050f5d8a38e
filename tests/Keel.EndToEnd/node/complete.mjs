// A plain chat completion through the gateway.
import { client, print } from './client.mjs';

const completion = await client().chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Hello from the openai npm client' }],
});

const choice = completion.choices[0];
print({
  object: completion.object,
  model: completion.model,
  role: choice.message.role,
  content: choice.message.content,
  finish_reason: choice.finish_reason,
  usage: completion.usage,
});
