import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText } from '#shared/domain/text.ts';

/** Any text, with lone surrogate halves and control characters mixed in often. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0xd800, max: 0xdfff }).map((cp) => String.fromCharCode(cp)),
      fc.integer({ min: 0, max: 0x20 }).map((cp) => String.fromCharCode(cp)),
      fc.constantFrom('a', 'é', '😀', '\u007f', '\ufffe', '\uffff'),
    ),
  }),
);

describe('Function: isStorableText', () => {
  it('accepts exactly the text that survives UTF-8 and has no control character', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const survivesUtf8 = Buffer.from(text, 'utf8').toString('utf8') === text;
        const controls = [...text].some((c) => {
          const cp = c.codePointAt(0) as number;
          return (
            (cp < 0x20 && !'\t\n\r'.includes(c)) || cp === 0x7f || cp === 0xfffe || cp === 0xffff
          );
        });
        expect(isStorableText(text)).toBe(survivesUtf8 && !controls);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps what people type: accents, emoji, scripts, tabs and line breaks', () => {
    for (const text of ['José', 'Zoë 😀🔧', 'שלום', '東京', 'a\tb\r\nc', "O'Brien <x> %_\\"]) {
      expect(isStorableText(text)).toBe(true);
    }
  });

  it('refuses NUL, escape sequences, lone surrogates and noncharacters', () => {
    for (const text of [
      'a\u0000',
      '\u001b[31m',
      '\u007f',
      'x\ud800',
      '\udc00',
      '\ufffe',
      '\uffff',
    ]) {
      expect(isStorableText(text), JSON.stringify(text)).toBe(false);
    }
  });
});
