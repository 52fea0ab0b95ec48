import * as z from 'zod';
import * as zm from 'zod/mini';

/**
 * Text a person typed, as it may be stored and sent to QuickBooks: well-formed Unicode (no lone
 * surrogate halves, which UTF-8 cannot encode: DynamoDB and QBO would each store a replacement
 * character, so the lookup by name would never find the customer it created) and no control
 * characters other than tab, line feed and carriage return (XML 1.0, which QBO's API also
 * speaks, cannot carry them), nor the noncharacters U+FFFE and U+FFFF.
 *
 * @param value - the text
 */
export function isStorableText(value: string): boolean {
  for (const char of value) {
    const cp = char.codePointAt(0) as number;
    const control = (cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || cp === 0x7f;
    const loneSurrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (control || loneSurrogate || cp === 0xfffe || cp === 0xffff) return false;
  }
  return true;
}

/** The message for text that {@link isStorableText} refuses. */
export const UNSTORABLE_TEXT = 'must not contain control characters or broken Unicode';

/** A zod string of {@link isStorableText} text, trimmed; add the length rules at the call site. */
export const storableText = () => z.string().refine(isStorableText, UNSTORABLE_TEXT).trim();

/**
 * The same rules for a `zod/mini` schema (a route kept off the full zod, see `FUNCTION_BUNDLING`):
 * `zm.string().check(...storableTextChecks(), zm.minLength(1), …)`.
 */
export const storableTextChecks = () =>
  [zm.refine<string>(isStorableText, UNSTORABLE_TEXT), zm.trim()] as const;
