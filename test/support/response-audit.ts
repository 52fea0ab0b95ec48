import { afterAll, expect } from 'vitest';
import { STORED_SECRET_SHAPES } from './secret-shapes.ts';

/**
 * Runs in every test worker: every answer of an API route a test receives (the local API marks
 * them with API Gateway's `apigw-requestid` header, which neither the emulator nor the local
 * token endpoint sends) is kept, and after each test file no status line, header or body may
 * hold a token, an authorization code or a secret, nor a table key (`pk`, `sk`). Responses carry cursors (base64url JSON,
 * `eyJ…`), so the shapes are the stored ones: a JWT must have its dots.
 */
const answers: { readonly where: string; readonly text: string }[] = [];
const realFetch = globalThis.fetch;

globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
  const res = await realFetch(...args);
  if (res.headers.has('apigw-requestid')) {
    const text = `${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`;
    answers.push({ where: `${res.status} from ${new URL(res.url).pathname}`, text });
  }
  return res;
};

afterAll(() => {
  // Say where, never the secret itself.
  const leaks = answers.flatMap(({ where, text }) =>
    Object.entries(STORED_SECRET_SHAPES)
      .filter(([, shape]) => shape.test(text))
      .map(([what]) => `${what} in the ${where}`),
  );
  expect(leaks, 'API responses holding a secret').toEqual([]);
  // Nor the store's keys: an answer is a view, never a raw DynamoDB item.
  const rawItems = answers.filter(({ text }) => /"(pk|sk)":"/.test(text)).map((a) => a.where);
  expect(rawItems, 'API responses exposing table keys').toEqual([]);
});
