// What every script shares: the official client pointed at the gateway, and one JSON line of output.
import OpenAI from 'openai';

export const baseURL = required('BASE_URL');
export const apiKey = required('API_KEY');

/** The client as an application would build it; maxRetries 0 so the client's own retries hide nothing. */
export function client(key = apiKey) {
  return new OpenAI({ baseURL, apiKey: key, maxRetries: 0, timeout: 20_000 });
}

/** The script's result: one JSON object on stdout, read by the C# test. */
export function print(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** An error as the test asserts on it: which of the client's error classes it is, and its fields. */
export function describeError(error) {
  const kinds = [
    ['NotFoundError', OpenAI.NotFoundError],
    ['AuthenticationError', OpenAI.AuthenticationError],
    ['BadRequestError', OpenAI.BadRequestError],
    ['APIConnectionError', OpenAI.APIConnectionError],
    ['APIError', OpenAI.APIError],
  ];
  const kind = kinds.find(([, type]) => error instanceof type)?.[0] ?? error?.constructor?.name ?? typeof error;
  return {
    kind,
    status: error?.status ?? null,
    code: error?.code ?? null,
    type: error?.type ?? null,
    param: error?.param ?? null,
    message: String(error?.message ?? error),
  };
}

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}
