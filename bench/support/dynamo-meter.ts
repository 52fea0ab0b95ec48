import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Requests and capacity units by DynamoDB operation. */
export type DynamoUsage = Record<
  string,
  { requests: number; readUnits: number; writeUnits: number }
>;

/** The kind of item a request is about: the first part of its sort key (`INVOICE`, `TOKENS`…). */
function itemKind(json: Record<string, unknown>): string {
  const key = (json.Key ?? json.Item ?? json.ExpressionAttributeValues) as
    | Record<string, { S?: string }>
    | undefined;
  const sk = key?.sk?.S ?? key?.[':sk']?.S ?? key?.pk?.S ?? '';
  return sk.split('#')[0] || 'other';
}

/** A meter in front of DynamoDB Local. */
export interface DynamoMeter {
  readonly endpoint: string;
  /** Usage since start or the last reset. */
  usage(): DynamoUsage;
  /** Requests by operation and kind of item (`GetItem INVOICE`…) since start or the last reset. */
  requestsByItem(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const WRITES = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/**
 * A pass-through HTTP proxy to a DynamoDB endpoint that asks every data call for its consumed
 * capacity (`ReturnConsumedCapacity: TOTAL`, which DynamoDB Local computes as DynamoDB does) and
 * adds it up per operation. DynamoDB Local does not check request signatures, so the rewritten
 * body passes. Hand-written: no library meters DynamoDB Local.
 *
 * @param target - the DynamoDB endpoint, e.g. `http://127.0.0.1:8000`
 */
export async function startDynamoMeter(target: string): Promise<DynamoMeter> {
  let usage: DynamoUsage = {};
  let byItem: Record<string, number> = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
      let body = Buffer.concat(chunks);
      const metered = op !== 'Unknown' && !/Table|Describe|List|Tag|TimeToLive/.test(op);
      if (metered) {
        const json = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
        const label = `${op} ${itemKind(json)}`;
        byItem[label] = (byItem[label] ?? 0) + 1;
        json.ReturnConsumedCapacity = 'TOTAL';
        body = Buffer.from(JSON.stringify(json));
      }
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const upstream = request(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers },
        (up) => {
          const out: Buffer[] = [];
          up.on('data', (c: Buffer) => out.push(c));
          up.on('end', () => {
            const text = Buffer.concat(out);
            if (metered) {
              usage[op] ??= { requests: 0, readUnits: 0, writeUnits: 0 };
              const row = usage[op];
              row.requests += 1;
              const parsed = JSON.parse(text.toString() || '{}') as {
                ConsumedCapacity?: Consumed | Consumed[];
              };
              const consumed = [parsed.ConsumedCapacity ?? []].flat();
              // A refused conditional write returns no ConsumedCapacity, yet DynamoDB bills it
              // (at least one write unit).
              if (
                up.statusCode === 400 &&
                WRITES.has(op) &&
                text.includes('ConditionalCheckFailed')
              )
                row.writeUnits += 1;
              for (const c of consumed) {
                const units = c.CapacityUnits ?? 0;
                if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
                  row.readUnits += c.ReadCapacityUnits ?? 0;
                  row.writeUnits += c.WriteCapacityUnits ?? 0;
                } else if (WRITES.has(op)) row.writeUnits += units;
                else row.readUnits += units;
              }
            }
            res.writeHead(up.statusCode ?? 500, up.headers);
            res.end(text);
          });
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    usage: () => structuredClone(usage),
    requestsByItem: () => ({ ...byItem }),
    reset: () => {
      usage = {};
      byItem = {};
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
