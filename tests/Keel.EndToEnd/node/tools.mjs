// A tool call and its follow-up: tools in, tool_calls out, the tool's result back, the final answer.
import { client, print } from './client.mjs';

const openai = client();
const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The current weather in a city.',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string' },
          unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['city'],
      },
    },
  },
];
const messages = [{ role: 'user', content: 'What is the weather in Lisbon?' }];

const first = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
const assistant = first.choices[0].message;
const call = assistant.tool_calls[0];
const args = JSON.parse(call.function.arguments);

messages.push(assistant, { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ temperature_c: 21 }) });
const second = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });

print({
  first: {
    finish_reason: first.choices[0].finish_reason,
    tool_calls: assistant.tool_calls.map((c) => ({ id: c.id, type: c.type, name: c.function.name })),
    arguments: args,
  },
  second: {
    finish_reason: second.choices[0].finish_reason,
    content: second.choices[0].message.content,
    tool_calls: second.choices[0].message.tool_calls ?? [],
  },
  tool_call_id: call.id,
});
