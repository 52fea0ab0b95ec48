import { QboFaultError } from './errors.ts';

/**
 * Builders for the QBO faults the emulator raises. Messages and codes follow recorded
 * sandbox traffic (test/fixtures/qbo-samples; sources and limits in docs/qbo-facts.md, *Faults*).
 */

/**
 * 6240: a name already used (Customer/Vendor/Employee DisplayName, Item Name).
 *
 * @param kind - what the name collides with, for the detail text
 */
export function duplicateName(kind: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Duplicate Name Exists Error',
      Detail: `The name supplied already exists. : Another ${kind} is already using this name. Please use a different name.`,
      code: '6240',
    },
  ]);
}

/**
 * 2020: a required field is missing.
 *
 * @param field - the missing field
 */
export function requiredParam(field: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Required param missing, need to supply the required value for the API',
      Detail: `Required parameter ${field} is missing in the request`,
      code: '2020',
      element: field,
    },
  ]);
}

/**
 * 2010: a property the entity does not have.
 *
 * @param entity - the entity name
 * @param property - the unknown property
 */
export function invalidProperty(entity: string, property: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Request has invalid or unsupported property',
      Detail: `Property Name:Unrecognized field "${property}" (class com.intuit.schema.finance.v3.${entity}), not marked as ignorable specified is unsupported or invalid`,
      code: '2010',
    },
  ]);
}

/**
 * 2010 with a free-text detail (bad value type, unsupported operation).
 *
 * @param detail - the detail text
 */
export function invalidRequest(detail: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    { Message: 'Request has invalid or unsupported property', Detail: detail, code: '2010' },
  ]);
}

/**
 * 2500: a reference (CustomerRef, ItemRef, IncomeAccountRef, LinkedTxn) to something that
 * does not exist or is inactive.
 *
 * @param element - the offending reference field
 */
export function invalidReference(element: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Invalid Reference Id',
      Detail: `Invalid Reference Id : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${element})`,
      code: '2500',
      element,
    },
  ]);
}

/**
 * 610: the object addressed by Id does not exist (or was deleted).
 *
 * @param entity - entity name
 * @param id - the requested Id
 */
export function objectNotFound(entity: string, id: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Object Not Found',
      Detail: `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. (${entity} ${id})`,
      code: '610',
    },
  ]);
}

/** 5010: the SyncToken sent is not the current one. */
export function staleObject(): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Stale Object Error',
      Detail:
        'Stale Object Error : You and QuickBooks Emulator were working on this at the same time. QuickBooks Emulator finished before you did, so your work was not saved.',
      code: '5010',
    },
  ]);
}

/**
 * 6000: a business rule violation.
 *
 * @param detail - the rule that failed
 */
export function businessValidation(detail: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'A business validation error has occurred while processing your request',
      Detail: `Business Validation Error: ${detail}`,
      code: '6000',
    },
  ]);
}

/**
 * 6070: a sales line whose `Amount` is not `Qty × UnitPrice` rounded half-up to cents.
 * QBO re-checks every line and prints the supplied amount with thousands separators
 * ("Amount is not equal to UnitPrice * Qty. Supplied value:1,861.07", as quoted in
 * public integration logs, the only public source found).
 *
 * @param supplied - the Amount the request carried
 */
export function amountMismatch(supplied: number): QboFaultError {
  const shown = supplied.toLocaleString('en-US', { maximumFractionDigits: 10 });
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'A business validation error has occurred while processing your request',
      Detail: `Business Validation Error: Amount is not equal to UnitPrice * Qty. Supplied value:${shown}`,
      code: '6070',
      element: 'Line.Amount',
    },
  ]);
}

/**
 * 6100: a US sales line whose `TaxCodeRef` is neither `TAX` nor `NON`. Code and Message as
 * Intuit's error code list has them ("Invalid Line TaxCode in the request"); Detail as
 * integrators recorded it from QBO ("Valid line TaxCodes for US should be TAX or NON. Supplied
 * value: 10"; see emulator/README.md). No `element`: none was recorded.
 *
 * @param supplied - the TaxCodeRef value the line carried ('' when it carried none)
 */
export function invalidLineTaxCode(supplied: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Invalid Line TaxCode in the request',
      Detail: `Valid line TaxCodes for US should be TAX or NON. Supplied value: ${supplied}`,
      code: '6100',
    },
  ]);
}

/**
 * 1040: a batch request with more items than QBO takes. Code and Message as Intuit's error code
 * list has them ("Batch size exceeds allowed limit"; its Detail "The batch limit size is stated
 * by the XXX value"); the exact Detail text is unconfirmed (see emulator/README.md).
 *
 * @param max - the most items a batch takes
 */
export function batchTooLarge(max: number): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Batch size exceeds allowed limit',
      Detail: `The batch size for the batch request or BatchItemRequest is too big. The batch limit size is ${max}.`,
      code: '1040',
    },
  ]);
}

/**
 * 6190: a write to a company whose subscription lapsed (trial over, cancelled, billing problem).
 * Message and detail as Intuit lists them (blog 2017-06-08, "Top QuickBooks Online API errors")
 * and as a user received them on an add (intuit/QuickBooks-V3-PHP-SDK issue 211).
 */
export function invalidCompanyStatus(): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Invalid Company Status',
      Detail:
        "Subscription period has ended or been canceled, or there was a billing problem : You can't add data to QuickBooks Online Plus because your trial or subscription period ended, you canceled your subscription, or there was a billing problem. To update your subscription, click the gear icon and view your account information.",
      code: '6190',
    },
  ]);
}

/**
 * 2500 for an item of type Category on a transaction line (consolibyte/quickbooks-php issue 178:
 * "Invalid Reference Id : Categories cannot be used in transactions.").
 */
export function categoryOnTransaction(): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    {
      Message: 'Invalid Reference Id',
      Detail: 'Invalid Reference Id : Categories cannot be used in transactions.',
      code: '2500',
      element: 'ItemRef',
    },
  ]);
}

/**
 * 4000: the query does not parse.
 *
 * @param detail - what the parser choked on
 */
export function queryParseError(detail: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    { Message: 'Error parsing query', Detail: `QueryParserError: ${detail}`, code: '4000' },
  ]);
}

/**
 * 4001: the query parses but is not valid (unknown entity or property, limits).
 *
 * @param detail - why it is invalid
 */
export function queryValidationError(detail: string): QboFaultError {
  return new QboFaultError(400, 'ValidationFault', [
    { Message: 'Invalid query', Detail: `QueryValidationError: ${detail}`, code: '4001' },
  ]);
}

/** 10000: the generic 500 "application error". */
export function systemFailure(): QboFaultError {
  return new QboFaultError(500, 'SystemFault', [
    {
      Message: 'An application error has occurred while processing your request',
      Detail:
        'System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again. If the problem persists, contact customer support.',
      code: '10000',
    },
  ]);
}

/**
 * The JSON body of a capitalised fault.
 *
 * @param fault - the fault
 * @param time - the response `time` text
 */
export function faultBody(fault: QboFaultError, time: string): Record<string, unknown> {
  return { Fault: { Error: fault.errors, type: fault.type }, time };
}

/**
 * The lowercase auth-failure body Intuit returns with 401 (code 3200) and 403 (code 3100).
 *
 * @param status - 401 or 403
 * @param detail - the detail text
 * @param nowMs - epoch ms for the `time` field (a number in this shape)
 */
export function authFaultBody(
  status: 401 | 403,
  detail: string,
  nowMs: number,
): Record<string, unknown> {
  const error =
    status === 401
      ? {
          message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          code: '3200',
          type: 'AUTHENTICATION',
        }
      : {
          message: 'message=AuthorizationFailed; errorCode=003100; statusCode=403',
          code: '3100',
          type: 'SERVICE',
        };
  return {
    warnings: null,
    intuitObject: null,
    fault: {
      error: [{ message: error.message, detail, code: error.code, element: null }],
      type: error.type,
    },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: nowMs,
    status: null,
    cdcresponse: [],
  };
}

/**
 * The 429 body Intuit sends, as XML (observed even with `Accept: application/json`).
 *
 * @param time - the response `time` text
 */
export function throttleXml(time: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${time}">` +
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
    '<Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>'
  );
}

/**
 * The same 429 fault in the JSON shape, which Intuit sends at other times.
 *
 * @param time - the response `time` text
 */
export function throttleJson(time: string): Record<string, unknown> {
  return {
    Fault: {
      Error: [
        {
          Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          Detail: 'The request limit was reached.  Try again later',
          code: '3001',
        },
      ],
      type: 'SERVICE',
    },
    time,
  };
}
