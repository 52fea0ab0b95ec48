import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyNetworkFailure, classifyResponse, parseFaults } from '#shared/qbo/faults.ts';

// Real QBO answers, byte for byte (where each was recorded: docs/qbo-facts.md).
const sample = (name: string) =>
  readFileSync(new URL(`../fixtures/qbo-samples/${name}`, import.meta.url)).toString();

/** QBO's throttle answer, which comes as XML even to Accept: application/json (docs/qbo-facts.md, *Faults*). */
const THROTTLE_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>';

describe('Function: parseFaults and classifyResponse', () => {
  it('reads the usual Fault shape: a duplicate name is a validation failure', () => {
    const faults = parseFaults(sample('fault-6240-duplicate-name.json'));
    expect(faults[0]).toMatchObject({ code: '6240', message: 'Duplicate Name Exists Error' });
    const error = classifyResponse(400, faults, true);
    expect(error).toMatchObject({ failure: 'validation', faultCode: '6240', ambiguous: false });
    expect(error.message).toMatch(/^QuickBooks said: Duplicate Name Exists Error/);
  });

  it('reads the lowercase fault of a 401 as an auth failure', () => {
    const faults = parseFaults(sample('fault-401-3200-token-expired.json'));
    expect(faults[0]?.code).toBe('3200');
    expect(classifyResponse(401, faults, false).failure).toBe('auth');
  });

  it('reads the XML body of a 429 as throttled', () => {
    const faults = parseFaults(THROTTLE_XML);
    expect(faults).toEqual([
      expect.objectContaining({
        code: '3001',
        detail: 'The request limit was reached.  Try again later',
      }),
    ]);
    expect(classifyResponse(429, faults, true)).toMatchObject({
      failure: 'throttled',
      ambiguous: false,
    });
  });

  it('classifies invalid queries and properties as validation, stale objects and missing ones apart', () => {
    expect(
      classifyResponse(400, parseFaults(sample('fault-4001-invalid-query.json')), false).failure,
    ).toBe('validation');
    expect(
      classifyResponse(400, parseFaults(sample('fault-2010-invalid-property.json')), true).failure,
    ).toBe('validation');
    expect(
      classifyResponse(400, [{ code: '5010', message: 'Stale Object Error', detail: '' }], true)
        .failure,
    ).toBe('stale_object');
    expect(
      classifyResponse(400, [{ code: '610', message: 'Object Not Found', detail: '' }], true)
        .failure,
    ).toBe('not_found');
  });

  it('marks a 5xx after a write, and a lost connection, as ambiguous (look before writing again)', () => {
    expect(classifyResponse(503, [], true)).toMatchObject({
      failure: 'transient',
      ambiguous: true,
    });
    expect(classifyResponse(503, [], false).ambiguous).toBe(false);
    const reset = classifyNetworkFailure(
      true,
      new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }),
    );
    expect(reset).toMatchObject({ failure: 'transient', ambiguous: true });
    const refused = classifyNetworkFailure(
      true,
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
    );
    expect(refused.ambiguous).toBe(false);
  });

  it('reads nothing from a body that is neither JSON nor XML', () => {
    expect(parseFaults('<html>Bad Gateway</html>')).toEqual([]);
    expect(parseFaults('not json')).toEqual([]);
  });
});
