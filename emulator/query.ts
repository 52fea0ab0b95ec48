import { queryParseError, queryValidationError } from './faults.ts';
import { isKnownField } from './fields.ts';
import { ENTITY_NAMES } from './state.ts';

/**
 * The subset of the QBO query language the emulator understands:
 *
 * ```
 * SELECT * | COUNT(*) FROM <Entity>
 *   [WHERE <cond> [AND <cond>]...]
 *   [ORDERBY <field> [ASC|DESC] [, ...]]
 *   [STARTPOSITION n] [MAXRESULTS n]
 * <cond> := <field> (= | != | < | > | <= | >= | LIKE) <value> | <field> IN (<value>, ...)
 * ```
 *
 * Strings are single-quoted with `\'` escaping a quote (IntuitDeveloperRelations gist 6582149).
 * There is no OR, no JOIN and no projection (qbo-facts.md §3 "Query language").
 */

/**
 * The entity names a query may select from. QBO matches them without regard to case
 * (`select * from customer` is answered under `Customer`): see emulator/README.md.
 */
export const QUERYABLE_ENTITIES = [
  ...ENTITY_NAMES,
  'CompanyInfo',
  'Preferences',
  'TaxCode',
  'TaxRate',
] as const;

/** One of {@link QUERYABLE_ENTITIES}. */
export type QueryableEntity = (typeof QUERYABLE_ENTITIES)[number];

/** A literal in a condition. */
export type Literal = string | number | boolean;

/** One WHERE condition. */
export interface Condition {
  readonly field: string;
  readonly op: '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';
  readonly values: readonly Literal[];
}

/** A parsed query. */
export interface ParsedQuery {
  readonly entity: QueryableEntity;
  readonly count: boolean;
  readonly where: readonly Condition[];
  readonly orderBy: readonly { field: string; desc: boolean }[];
  readonly startPosition: number;
  readonly maxResults: number;
}

/** QBO's page size when MAXRESULTS is not given. */
export const DEFAULT_MAX_RESULTS = 100;
/** QBO's largest page. */
export const MAX_RESULTS_LIMIT = 1000;

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'symbol'; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let text = '';
      i += 1;
      for (;;) {
        if (i >= input.length) throw queryParseError('Encountered "<EOF>": unterminated string');
        const c = input[i] as string;
        if (c === '\\' && i + 1 < input.length) {
          text += input[i + 1];
          i += 2;
        } else if (c === "'") {
          i += 1;
          break;
        } else {
          text += c;
          i += 1;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (/[0-9-]/.test(ch) && /^-?\d/.test(input.slice(i))) {
      const m = /^-?\d+(\.\d+)?/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else {
      const two = input.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
        tokens.push({ kind: 'symbol', text: two === '<>' ? '!=' : two });
        i += 2;
      } else if ('*(),=<>'.includes(ch)) {
        tokens.push({ kind: 'symbol', text: ch });
        i += 1;
      } else {
        throw queryParseError(`Lexical error: encountered "${ch}"`);
      }
    }
  }
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #pos = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }

  next(): Token {
    const token = this.#tokens[this.#pos];
    if (!token) throw queryParseError('Encountered "<EOF>" at end of query');
    this.#pos += 1;
    return token;
  }

  isKeyword(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }

  keyword(word: string): void {
    const token = this.next();
    if (token.kind !== 'word' || token.text.toUpperCase() !== word) {
      throw queryParseError(`Encountered "${token.text}", was expecting "${word}"`);
    }
  }

  symbol(text: string): void {
    const token = this.next();
    if (token.kind !== 'symbol' || token.text !== text) {
      throw queryParseError(`Encountered "${token.text}", was expecting "${text}"`);
    }
  }

  literal(): Literal {
    const token = this.next();
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && /^(true|false)$/i.test(token.text)) {
      return token.text.toLowerCase() === 'true';
    }
    throw queryParseError(`Encountered "${token.text}", was expecting a value`);
  }

  integer(): number {
    const token = this.next();
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) {
      throw queryParseError(`Encountered "${token.text}", was expecting an integer`);
    }
    return Number(token.text);
  }

  done(): boolean {
    return this.#pos >= this.#tokens.length;
  }
}

const OPS = new Set(['=', '!=', '<', '>', '<=', '>=']);

/**
 * Parses a query.
 *
 * @param text - the query text
 * @throws QboFaultError 4000 (syntax) or 4001 (unknown entity or property, bad limits)
 */
export function parseQuery(text: string): ParsedQuery {
  const p = new Parser(tokenize(text));
  p.keyword('SELECT');
  let count = false;
  if (p.isKeyword('COUNT')) {
    p.next();
    p.symbol('(');
    p.symbol('*');
    p.symbol(')');
    count = true;
  } else {
    const token = p.next();
    if (token.kind !== 'symbol' || token.text !== '*') {
      throw queryValidationError('only SELECT * and SELECT COUNT(*) are supported');
    }
  }
  p.keyword('FROM');
  const entityToken = p.next();
  if (entityToken.kind !== 'word') {
    throw queryParseError(`Encountered "${entityToken.text}", was expecting an entity`);
  }
  const named = entityToken.text.toLowerCase();
  const entity = QUERYABLE_ENTITIES.find((e) => e.toLowerCase() === named);
  if (!entity) throw queryValidationError(`invalid context declaration: ${entityToken.text}`);

  const where: Condition[] = [];
  if (p.isKeyword('WHERE')) {
    p.next();
    for (;;) {
      where.push(parseCondition(p, entity));
      if (p.isKeyword('AND')) {
        p.next();
        continue;
      }
      if (p.isKeyword('OR'))
        throw queryParseError('Encountered " <OR> "OR "": OR is not supported');
      break;
    }
  }

  const orderBy: { field: string; desc: boolean }[] = [];
  let startPosition = 1;
  let maxResults = DEFAULT_MAX_RESULTS;
  while (!p.done()) {
    if (p.isKeyword('ORDERBY') || p.isKeyword('ORDER')) {
      if (p.next().text.toUpperCase() === 'ORDER') p.keyword('BY');
      for (;;) {
        const field = p.next();
        if (field.kind !== 'word') throw queryParseError(`Encountered "${field.text}"`);
        checkField(entity, field.text);
        let desc = false;
        if (p.isKeyword('DESC') || p.isKeyword('ASC'))
          desc = p.next().text.toUpperCase() === 'DESC';
        orderBy.push({ field: field.text, desc });
        const comma = p.peek();
        if (comma?.kind === 'symbol' && comma.text === ',') {
          p.next();
          continue;
        }
        break;
      }
    } else if (p.isKeyword('STARTPOSITION')) {
      p.next();
      startPosition = p.integer();
      if (startPosition < 1) startPosition = 1;
    } else if (p.isKeyword('MAXRESULTS')) {
      p.next();
      maxResults = p.integer();
      if (maxResults > MAX_RESULTS_LIMIT) {
        throw queryValidationError(
          `MAXRESULTS ${maxResults} exceeds the maximum of ${MAX_RESULTS_LIMIT}`,
        );
      }
    } else {
      const token = p.next();
      throw queryParseError(`Encountered "${token.text}" at unexpected position`);
    }
  }
  return { entity, count, where, orderBy, startPosition, maxResults };
}

function checkField(entity: QueryableEntity, field: string): void {
  const [head, ...rest] = field.split('.');
  if (head === 'MetaData') {
    if (rest.length === 1 && (rest[0] === 'CreateTime' || rest[0] === 'LastUpdatedTime')) return;
    throw queryValidationError(`property '${field}' is not queryable`);
  }
  if (!head || !isKnownField(entity, head)) {
    throw queryValidationError(`property '${field}' is not queryable`);
  }
}

function parseCondition(p: Parser, entity: QueryableEntity): Condition {
  const fieldToken = p.next();
  if (fieldToken.kind !== 'word') {
    throw queryParseError(`Encountered "${fieldToken.text}", was expecting a property`);
  }
  checkField(entity, fieldToken.text);
  const opToken = p.next();
  if (opToken.kind === 'word' && opToken.text.toUpperCase() === 'IN') {
    p.symbol('(');
    const values: Literal[] = [p.literal()];
    for (;;) {
      const t = p.next();
      if (t.kind === 'symbol' && t.text === ')') break;
      if (t.kind !== 'symbol' || t.text !== ',') {
        throw queryParseError(`Encountered "${t.text}", was expecting "," or ")"`);
      }
      values.push(p.literal());
    }
    return { field: fieldToken.text, op: 'IN', values };
  }
  if (opToken.kind === 'word' && opToken.text.toUpperCase() === 'LIKE') {
    const value = p.literal();
    if (typeof value !== 'string') throw queryParseError('LIKE needs a string pattern');
    return { field: fieldToken.text, op: 'LIKE', values: [value] };
  }
  if (opToken.kind === 'symbol' && OPS.has(opToken.text)) {
    return { field: fieldToken.text, op: opToken.text as Condition['op'], values: [p.literal()] };
  }
  throw queryParseError(`Encountered "${opToken.text}", was expecting an operator`);
}

/** Reads a dotted path, case-insensitively per segment; a `{value}` reference compares by value. */
function valueAt(entity: Record<string, unknown>, path: string): unknown {
  let current: unknown = entity;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    const obj = current as Record<string, unknown>;
    const key = Object.keys(obj).find((k) => k.toLowerCase() === segment.toLowerCase());
    current = key === undefined ? undefined : obj[key];
  }
  if (typeof current === 'object' && current !== null && 'value' in current) {
    return (current as { value: unknown }).value;
  }
  return current;
}

function compare(actual: unknown, expected: Literal, field: string): number | undefined {
  if (actual === undefined || actual === null) return undefined;
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    return String(actual) === String(expected) ? 0 : 1;
  }
  const isTime = /Time$|Date$/i.test(field);
  if (isTime) {
    const a = Date.parse(String(actual));
    const b = Date.parse(String(expected));
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  }
  // Numbers compare as numbers, and so do Ids (strings in JSON, numbers in QBO's store, so
  // ORDERBY Id puts '9' before '10'). Other strings stay strings: DocNumber '007' is not '7'.
  const numeric = typeof actual === 'number' || /(^|\.)Id$/.test(field);
  const a = Number(actual);
  const b = Number(expected);
  if (numeric && String(actual).trim() !== '' && String(expected).trim() !== '') {
    if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  }
  // QBO compares names without regard to case.
  return String(actual).toLowerCase().localeCompare(String(expected).toLowerCase());
}

function matches(entity: Record<string, unknown>, cond: Condition): boolean {
  const actual = valueAt(entity, cond.field);
  switch (cond.op) {
    case 'IN':
      return cond.values.some((v) => compare(actual, v, cond.field) === 0);
    case 'LIKE': {
      if (actual === undefined || actual === null) return false;
      const pattern = String(cond.values[0])
        .split('%')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      return new RegExp(`^${pattern}$`, 'is').test(String(actual));
    }
    default: {
      const c = compare(actual, cond.values[0] as Literal, cond.field);
      if (c === undefined) return false;
      if (cond.op === '=') return c === 0;
      if (cond.op === '!=') return c !== 0;
      if (cond.op === '<') return c < 0;
      if (cond.op === '>') return c > 0;
      if (cond.op === '<=') return c <= 0;
      return c >= 0;
    }
  }
}

const NAME_LISTS: ReadonlySet<QueryableEntity> = new Set([
  'Account',
  'Customer',
  'Vendor',
  'Employee',
  'Item',
]);

/**
 * Runs a parsed query over a collection.
 *
 * @param query - the parsed query
 * @param rows - live entities of the queried type
 * @param leading - rows QBO answers before all others, in this order, unless the query has an
 *   ORDERBY (a US company's pseudo tax codes)
 * @returns the `QueryResponse` object
 */
export function runQuery(
  query: ParsedQuery,
  rows: readonly Record<string, unknown>[],
  leading: readonly Record<string, unknown>[] = [],
): Record<string, unknown> {
  // Name lists answer only active records unless the query asks about Active itself.
  const filtersActive = query.where.some((c) => c.field.toLowerCase() === 'active');
  const selected = (list: readonly Record<string, unknown>[]) =>
    list.filter(
      (row) =>
        (!NAME_LISTS.has(query.entity) || filtersActive || row.Active !== false) &&
        query.where.every((cond) => matches(row, cond)),
    );
  const first = query.orderBy.length > 0 ? [] : selected(leading);
  let result = selected(query.orderBy.length > 0 ? [...leading, ...rows] : rows);
  if (query.count) return { totalCount: first.length + result.length };
  const order = query.orderBy.length > 0 ? query.orderBy : [{ field: 'Id', desc: false }];
  result = [...result].sort((a, b) => {
    for (const { field, desc } of order) {
      const av = valueAt(a, field);
      const bv = valueAt(b, field);
      const c = compare(av, (bv ?? '') as Literal, field) ?? -1;
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });
  result = [...first, ...result];
  const page = result.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
  if (page.length === 0) return {};
  return { [query.entity]: page, startPosition: query.startPosition, maxResults: page.length };
}
