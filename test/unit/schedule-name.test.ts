import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleName } from '#shared/ports/schedule-registry.ts';

const tenantId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);

describe('Function: scheduleName', () => {
  it('gives every tenant a valid Scheduler name of its own', () => {
    fc.assert(
      fc.property(tenantId, tenantId, (a, b) => {
        expect(scheduleName(a)).toMatch(/^[0-9a-zA-Z_.-]{1,64}$/);
        if (a !== b) expect(scheduleName(a)).not.toBe(scheduleName(b));
      }),
    );
  });

  it('never lets a plain name equal a hashed one, even for a tenant named like a hash', () => {
    const long = 'x'.repeat(64);
    const hashed = scheduleName(long);
    const lookalike = hashed.slice('reconcile.'.length);
    expect(lookalike).toMatch(/^[0-9a-f]{40}$/);
    expect(scheduleName(lookalike)).not.toBe(hashed);
  });
});
