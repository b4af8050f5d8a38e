// A body that is not JSON, sent with fetch since the client never sends one.
import { apiKey, baseURL, print } from './client.mjs';

const response = await fetch(`${baseURL}/chat/completions`, {
  method: 'POST',
  headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
  body: '{"model": "gpt-4o-mini", "messages": [',
});

const text = await response.text();
let body;
try {
  body = JSON.parse(text);
} catch {
  body = { not_json: text };
}
print({ status: response.status, content_type: response.headers.get('content-type'), body });
