// A key the gateway never issued.
import { client, describeError, print } from './client.mjs';

try {
  const completion = await client('keel_sk_this_key_was_never_issued').chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Hello?' }],
  });
  print({ unexpected_success: completion });
} catch (error) {
  print({ error: describeError(error) });
}
