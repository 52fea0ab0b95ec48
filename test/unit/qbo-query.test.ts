import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery, runQuery } from '#emulator/query.ts';
import { quote } from '#shared/qbo/query.ts';

/** Text heavy in the characters QBO's query language gives a meaning to. */
const tricky = fc.oneof(
  fc.string({ unit: fc.constantFrom("'", '\\', '%', '_', '"', ' ', 'a', 'O', ')', ',', '=') }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom("O'Brien", "O\\'Brien", "\\'", "' OR '1'='1", "x' AND Id = '1", '100%'),
);

describe('Function: quote', () => {
  it('round-trips any text through the query parser as one literal, injecting nothing', () => {
    fc.assert(
      fc.property(tricky, (name) => {
        const query = parseQuery(
          `SELECT * FROM Customer WHERE DisplayName = ${quote(name)} AND Active = true`,
        );
        expect(query.where).toEqual([
          { field: 'DisplayName', op: '=', values: [name] },
          { field: 'Active', op: '=', values: [true] },
        ]);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds the entity with that exact name and never another, % and _ included', () => {
    fc.assert(
      fc.property(tricky, tricky, (name, other) => {
        // The emulator compares names like QBO, without regard to case.
        fc.pre(name.trim() !== '' && name.toLowerCase().localeCompare(other.toLowerCase()) !== 0);
        const rows = [
          { Id: '1', DisplayName: other },
          { Id: '2', DisplayName: name },
        ];
        const answer = runQuery(
          parseQuery(`SELECT * FROM Customer WHERE DisplayName = ${quote(name)}`),
          rows,
        );
        expect(answer.Customer).toEqual([rows[1]]);
      }),
      { numRuns: 2000 },
    );
  });
});
