import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanName, fitText, NAME_LIMITS, suffixedName } from '#shared/qbo/names.ts';

/** QBO's 2050 check as the emulator makes it: UTF-16 code units. */
const fits = (text: string, limit: number) => text.length <= limit;
/** No lone surrogate half: the text survives UTF-8 (DynamoDB, QBO) unchanged. */
const whole = (text: string) => text === Buffer.from(text, 'utf8').toString('utf8');

describe('names fitted to QBO maxima', () => {
  it('never exceeds the limit in UTF-16 units, never splits a character, and keeps a prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.nat(200), (text, limit) => {
        const out = fitText(text, limit);
        expect(fits(out, limit)).toBe(true);
        expect(whole(out)).toBe(true);
        expect(text.startsWith(out)).toBe(true);
      }),
    );
  });

  it('cuts a name of 120 wrenches (240 UTF-16 units) to 50 of them for a 100-unit item name', () => {
    const name = cleanName('🔧'.repeat(120), NAME_LIMITS.item);
    expect(name).toBe('🔧'.repeat(50));
    expect(suffixedName(name, 'service', NAME_LIMITS.item)).toHaveLength(100);
  });
});
