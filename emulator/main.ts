/**
 * `node --import tsx emulator/main.ts` (`npm run emulator`): runs the QuickBooks Online + Intuit
 * OAuth emulator until SIGINT/SIGTERM.
 *
 * Environment:
 * - `EMULATOR_PORT` or `PORT`: port (default 4010; 0 picks a free one)
 * - `EMULATOR_HOST`: interface (default 127.0.0.1)
 * - `EMULATOR_STATE_FILE`: JSON file to keep state across restarts
 * - `EMULATOR_LATENCY_MS`: delay added to each Accounting API request
 * - `EMULATOR_BATCH_ITEM_LATENCY_MS`: delay added to a batch request per item
 * - `INTUIT_CLIENT_ID`, `INTUIT_CLIENT_SECRET`: the app credentials it accepts
 * - `INTUIT_REDIRECT_URI`: the only redirect URI it accepts (default: any loopback URL)
 */
import { startEmulator } from './server.ts';

const env = process.env;
const started = performance.now();
const emulator = await startEmulator({
  port: Number(env.EMULATOR_PORT ?? env.PORT ?? 4010),
  host: env.EMULATOR_HOST ?? '127.0.0.1',
  latencyMs: Number(env.EMULATOR_LATENCY_MS ?? 0),
  batchItemLatencyMs: Number(env.EMULATOR_BATCH_ITEM_LATENCY_MS ?? 0),
  ...(env.EMULATOR_STATE_FILE ? { stateFile: env.EMULATOR_STATE_FILE } : {}),
  ...(env.INTUIT_CLIENT_ID ? { clientId: env.INTUIT_CLIENT_ID } : {}),
  ...(env.INTUIT_CLIENT_SECRET ? { clientSecret: env.INTUIT_CLIENT_SECRET } : {}),
  ...(env.INTUIT_REDIRECT_URI ? { redirectUris: [env.INTUIT_REDIRECT_URI] } : {}),
});
const ms = Math.round(performance.now() - started);
process.stdout.write(`QBO emulator listening on ${emulator.url} (started in ${ms} ms)\n`);
process.stdout.write(`  client_id=${emulator.clientId}\n`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`QBO emulator stopping (${signal})\n`);
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
