// The same call to an alias whose primary always fails and to one that has a single healthy deployment; the raw
// responses say how each was served.
import { client, print } from './client.mjs';

const openai = client();

async function call(model) {
  const { data, response } = await openai.chat.completions
    .create({ model, messages: [{ role: 'user', content: `Which deployment serves ${model}?` }] })
    .withResponse();
  return {
    status: response.status,
    content: data.choices[0].message.content,
    fallbacks: response.headers.get('x-keel-fallbacks'),
    attempts: response.headers.get('x-keel-attempts'),
    deployment: response.headers.get('x-keel-deployment'),
    task_id: response.headers.get('x-keel-task-id'),
  };
}

print({ primary_failing: await call('gpt-4o-mini'), plain: await call('plain') });
