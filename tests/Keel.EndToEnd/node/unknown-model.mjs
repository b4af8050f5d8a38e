// A model the gateway does not serve.
import { client, describeError, print } from './client.mjs';

try {
  const completion = await client().chat.completions.create({
    model: 'no-such-model',
    messages: [{ role: 'user', content: 'Hello?' }],
  });
  print({ unexpected_success: completion });
} catch (error) {
  print({ error: describeError(error) });
}
