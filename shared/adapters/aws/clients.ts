/**
 * The process's AWS SDK clients, in one place: each is made the first time something asks for it,
 * once per process (a warm Lambda reuses it, its connections included), and traced, so every AWS
 * call is an X-Ray subsegment of the invocation in Lambda (Powertools' `captureAWSv3Client`; a
 * no-op locally and in the tests, where tracing is off).
 *
 * This module imports no SDK package: the adapter that calls a service passes its client class
 * (`awsClient(SQSClient)`), so a function's bundle holds only the SDKs its code uses, and a client
 * is never built at load for a function that does not call its service. `aws-sdk-client-mock`
 * mocks a class's prototype, which these clients share.
 */
import { tracer } from '#shared/observability/tracer.ts';

/** An AWS SDK v3 client class, built with the SDK's defaults (region and credentials from Lambda). */
type ClientClass<C extends object> = new () => C;

const made = new Map<ClientClass<object>, object>();

/**
 * The process's one traced client of a service, made on first use.
 *
 * @param Client - the SDK's client class, e.g. `SQSClient`
 * @returns the same instance on every call
 */
export function awsClient<C extends object>(Client: ClientClass<C>): C {
  let client = made.get(Client) as C | undefined;
  if (!client) {
    client = tracer.captureAWSv3Client(new Client());
    made.set(Client, client);
  }
  return client;
}
