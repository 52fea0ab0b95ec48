import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './metric-names.ts';

/**
 * The one X-Ray tracer of a function (Powertools). Active in Lambda; off locally and in tests
 * (`POWERTOOLS_TRACE_ENABLED=false`).
 */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/**
 * Runs a call as an X-Ray subsegment of the current invocation (e.g. one QBO request), with
 * annotations to search by; a plain call when tracing is off.
 *
 * @param name - the subsegment's name, e.g. `QBO POST invoice`
 * @param annotations - indexed fields (realm, status)
 * @param fn - the call
 */
export async function traced<T>(
  name: string,
  annotations: Readonly<Record<string, string>>,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  const sub = parent?.addNewSubsegment(name);
  for (const [k, v] of Object.entries(annotations)) sub?.addAnnotation(k, v);
  try {
    return await fn();
  } catch (err) {
    sub?.addError(err as Error);
    throw err;
  } finally {
    sub?.close();
  }
}
