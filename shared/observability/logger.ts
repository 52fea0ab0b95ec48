import { Logger } from '@aws-lambda-powertools/logger';
import { SERVICE_NAME } from './metric-names.ts';

/** Keys whose values are never logged, wherever they appear in a log item. */
const SECRET_KEYS =
  /^(access_?token|refresh_?token|id_?token|client_?secret|password|authorization|intuit-signature|signature|verifier_?tokens?|webhook_?verifier_?tokens?|raw_?body|body|blob|edk|state)$/i;
/** Values that are credentials whatever their key: bearer and basic headers, JWTs. */
const SECRET_VALUES = /^(bearer|basic)\s|^eyJ[\w-]+\.[\w-]+\./i;

/**
 * The redaction rule of every log line: secret-named keys and credential-looking values are
 * replaced, at any depth, so a token, code, secret, signature or webhook body cannot be logged even
 * by mistake. An OAuth `code` is long, an error `code` short: only the long ones are hidden.
 *
 * @param key - the property name
 * @param value - its value
 */
export function redact(key: string, value: unknown): unknown {
  if (SECRET_KEYS.test(key)) return '[redacted]';
  if (key === 'code' && typeof value === 'string' && value.length > 32) return '[redacted]';
  if (typeof value === 'string' && SECRET_VALUES.test(value)) return '[redacted]';
  return value;
}

/**
 * The one logger of a function. Level from `POWERTOOLS_LOG_LEVEL` (default INFO), service name
 * from `POWERTOOLS_SERVICE_NAME`; both are set by the CDK function construct and the local runtime.
 */
export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redact });
