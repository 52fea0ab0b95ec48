import { AppError, type ErrorKind } from '#shared/errors.ts';

/**
 * How a QBO call failed, in the terms a caller acts on:
 *
 * - `transient`: 5xx, network, timeout: retry later.
 * - `throttled`: 429 / ThrottleExceeded: wait 60 s for this company.
 * - `auth`: 401 even after a refresh: the grant is unusable.
 * - `forbidden`: 403 (AuthorizationFailed, e.g. the user is no longer an admin).
 * - `validation`: a 400 fault an admin must fix (duplicate name, invalid reference, …).
 * - `stale_object`: 5010: re-read for a fresh SyncToken and retry.
 * - `not_found`: the object is gone (610, 2030, 404).
 */
export type QboFailureKind =
  | 'transient'
  | 'throttled'
  | 'auth'
  | 'forbidden'
  | 'validation'
  | 'stale_object'
  | 'not_found';

/**
 * The QBO fault codes this stack acts on, each named once (Intuit's error code list:
 * https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes).
 */
export const QBO_FAULT = {
  /** Error code 100: a general authentication failure. */
  authentication: '100',
  /** 120: authorization failure (not an admin any more). */
  authorization: '120',
  /** 610: Object Not Found (also an inactive customer or item named by a line). */
  objectNotFound: '610',
  /** 1040: Batch size exceeds allowed limit (more items than one batch request takes). */
  batchTooLarge: '1040',
  /** 2050: Invalid String Length (a text longer than its field takes). */
  stringLength: '2050',
  /** 2030: Invalid ID. */
  invalidId: '2030',
  /** 2500: Invalid Reference Id (an inactive or unknown reference). */
  invalidReference: '2500',
  /** 3001: ThrottleExceeded. */
  throttled: '3001',
  /** 3100: ApplicationAuthorizationFailed. */
  applicationAuthorization: '3100',
  /** 3200: ApplicationAuthenticationFailed (token). */
  applicationAuthentication: '3200',
  /** 5010: Stale Object Error (an old SyncToken). */
  staleObject: '5010',
  /** 6100: Invalid Line TaxCode (a US company's line code other than `TAX` or `NON`). */
  invalidLineTaxCode: '6100',
  /** 6140: Duplicate Document Number (custom transaction numbers on). */
  duplicateDocNumber: '6140',
  /** 6190: Invalid Company Status (the subscription lapsed: read-only). */
  subscriptionLapsed: '6190',
  /** 6240: Duplicate Name Exists. */
  duplicateName: '6240',
} as const;

/** One error entry of a QBO fault, in either of its shapes. */
export interface QboFaultDetail {
  readonly code: string;
  readonly message: string;
  readonly detail: string;
  readonly element?: string;
}

const KIND_TO_ERROR_KIND: Record<QboFailureKind, ErrorKind> = {
  transient: 'unavailable',
  throttled: 'unavailable',
  auth: 'conflict',
  forbidden: 'forbidden',
  validation: 'invalid_input',
  stale_object: 'conflict',
  not_found: 'not_found',
};

/** A failed QBO call, classified. */
export class QboError extends AppError {
  /**
   * @param failure - the classification
   * @param status - HTTP status, 0 when no response came
   * @param faults - the fault entries QBO sent, if any
   * @param ambiguous - a write may have landed even though no success answer came (timeout,
   *   reset, 5xx after the request was sent): look before writing again
   * @param intuitTid - Intuit's transaction id, for support
   * @param options - keeps the cause (a network error)
   */
  constructor(
    readonly failure: QboFailureKind,
    readonly status: number,
    readonly faults: readonly QboFaultDetail[],
    readonly ambiguous: boolean,
    readonly intuitTid?: string,
    options?: ErrorOptions,
  ) {
    super(
      KIND_TO_ERROR_KIND[failure],
      `qbo_${failure}`,
      describe(failure, status, faults),
      options,
    );
    this.name = 'QboError';
  }

  /** The first fault code, e.g. `6240`, if QBO sent one. */
  get faultCode(): string | undefined {
    return this.faults[0]?.code;
  }
}

function describe(failure: QboFailureKind, status: number, faults: readonly QboFaultDetail[]) {
  const first = faults[0];
  if (first) {
    const where = first.element ? ` (field ${first.element})` : '';
    const said = `QuickBooks said: ${first.message}${first.detail ? ` — ${first.detail}` : ''}${where} [${first.code}]`;
    const fix = whatToChange(first);
    return fix ? `${said}. ${fix}` : said;
  }
  return status
    ? `QuickBooks answered HTTP ${status} (${failure})`
    : `QuickBooks did not answer (${failure})`;
}

/**
 * What an admin changes after a fault whose QuickBooks wording does not say it plainly (after
 * QBO's own words, which the message keeps).
 */
function whatToChange(fault: QboFaultDetail): string | undefined {
  if (fault.code === QBO_FAULT.invalidLineTaxCode) {
    return "In a US company a line's tax code can only be TAX or NON: leave the line's taxCode out (its taxable flag then decides) or send TAX or NON.";
  }
  const length = stringLengthFault(fault);
  if (!length) return undefined;
  const sent = length.supplied === undefined ? '' : `; ${length.supplied} were sent`;
  return `${length.field ?? 'The field'} takes at most ${length.max} characters${sent}.`;
}

/** What a 2050 says: the field (when QBO names it), its maximum and the length sent. */
export interface StringLengthFault {
  /** The field, from the fault's `element` (e.g. `DocNumber`, `CompanyName`). */
  readonly field?: string;
  /** The most characters the field takes. */
  readonly max: number;
  /** How many were sent, when the Detail says. */
  readonly supplied?: number;
}

/**
 * Reads a 2050 fault: the field from its `element`, the maximum and the length sent from its
 * Detail, worded as QBO answers it ("String length specified does not match the supported
 * length. Min:0 Max:50 supported. Supplied length:51", consolibyte/quickbooks-php issue 79) or as
 * Intuit's error code list gives it ("Min: XXX, Max: XXX, Supplied length: XXX").
 *
 * @param fault - one fault entry
 * @returns undefined for another code, or a 2050 whose Detail names no maximum
 */
export function stringLengthFault(fault: QboFaultDetail): StringLengthFault | undefined {
  if (fault.code !== QBO_FAULT.stringLength) return undefined;
  const max = /\bMax:\s*(\d+)/i.exec(fault.detail)?.[1];
  if (max === undefined) return undefined;
  const supplied = /\bSupplied length:\s*(\d+)/i.exec(fault.detail)?.[1];
  return {
    ...(fault.element ? { field: fault.element } : {}),
    max: Number(max),
    ...(supplied === undefined ? {} : { supplied: Number(supplied) }),
  };
}

/**
 * Reads the fault entries of a QBO error body: the usual `{"Fault":{"Error":[…]}}`, the
 * lower-case `{"fault":{"error":[…]}}` of 401/403, or the XML `<Fault><Error code=…>` that 429
 * answers carry even to `Accept: application/json`.
 *
 * @param body - the raw response body
 */
export function parseFaults(body: string): QboFaultDetail[] {
  const trimmed = body.trim();
  if (trimmed.startsWith('<')) return parseXmlFaults(trimmed);
  try {
    const json = JSON.parse(trimmed) as Record<string, unknown>;
    const fault = (json.Fault ?? json.fault) as Record<string, unknown> | undefined;
    const errors = (fault?.Error ?? fault?.error ?? []) as Record<string, unknown>[];
    return errors.map((e) => ({
      code: String(e.code ?? ''),
      message: String(e.Message ?? e.message ?? ''),
      detail: String(e.Detail ?? e.detail ?? ''),
      ...(e.element ? { element: String(e.element) } : {}),
    }));
  } catch {
    return [];
  }
}

function parseXmlFaults(xml: string): QboFaultDetail[] {
  const faults: QboFaultDetail[] = [];
  for (const m of xml.matchAll(/<Error\b[^>]*\bcode="([^"]*)"[^>]*>([\s\S]*?)<\/Error>/g)) {
    const inner = m[2] ?? '';
    const text = (tag: string) =>
      new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(inner)?.[1] ?? '';
    faults.push({ code: m[1] ?? '', message: text('Message'), detail: text('Detail') });
  }
  return faults;
}

/**
 * Classifies a QBO answer that was not a success.
 *
 * @param status - HTTP status
 * @param faults - parsed fault entries
 * @param isWrite - whether the request could have changed data
 * @param intuitTid - `intuit_tid` response header
 */
export function classifyResponse(
  status: number,
  faults: readonly QboFaultDetail[],
  isWrite: boolean,
  intuitTid?: string,
): QboError {
  const codes = new Set(faults.map((f) => f.code));
  let failure: QboFailureKind;
  const f = QBO_FAULT;
  if (status === 429 || codes.has(f.throttled)) failure = 'throttled';
  else if (status === 401 || codes.has(f.applicationAuthentication) || codes.has(f.authentication))
    failure = 'auth';
  else if (status === 403 || codes.has(f.applicationAuthorization) || codes.has(f.authorization))
    failure = 'forbidden';
  else if (codes.has(f.staleObject)) failure = 'stale_object';
  else if (status === 404 || codes.has(f.objectNotFound) || codes.has(f.invalidId))
    failure = 'not_found';
  else if (status >= 500) failure = 'transient';
  else failure = 'validation';
  // A 5xx after the request was sent may still have committed a write.
  const ambiguous = isWrite && failure === 'transient';
  return new QboError(failure, status, faults, ambiguous, intuitTid);
}

/**
 * Classifies a call that got no answer (reset, refused, timeout).
 *
 * @param isWrite - whether the request could have changed data
 * @param cause - the network error
 */
export function classifyNetworkFailure(isWrite: boolean, cause: unknown): QboError {
  // fetch wraps the socket error: `TypeError('fetch failed', { cause: { code } })`.
  const code = (cause as { cause?: { code?: string } } | undefined)?.cause?.code;
  const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND';
  return new QboError('transient', 0, [], isWrite && !neverSent, undefined, { cause });
}
