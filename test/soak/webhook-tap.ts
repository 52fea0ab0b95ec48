import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A signed delivery as Intuit sent it. */
export interface Delivery {
  readonly body: string;
  readonly contentType: string;
  readonly signature: string;
}

/**
 * A loopback hop between the emulator and the API's webhook route (the emulator keeps only its
 * last 1,000 deliveries): forwards each delivery untouched and answers with the API's answer, so
 * Intuit's retries behave as without it; counts deliveries, repeats of an identical body and
 * batches of several events (which the emulator shuffles); keeps each distinct delivery so the
 * soak can send old ones again later.
 */
export class WebhookTap {
  /** Deliveries received. */
  deliveries = 0;
  /** Deliveries whose exact body came before (the emulator's duplicates and retries). */
  repeated = 0;
  /** Distinct deliveries of more than one event. */
  batches = 0;
  /** Each distinct delivery, in arrival order. */
  readonly distinct: Delivery[] = [];
  private readonly seen = new Set<string>();

  private constructor(
    private readonly server: Server,
    /** The URL to register with the emulator. */
    readonly url: string,
  ) {}

  /**
   * Listens on a free loopback port.
   *
   * @param target - the API's webhook URL
   */
  static async start(target: string): Promise<WebhookTap> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const tap = new WebhookTap(server, `http://127.0.0.1:${port}/webhooks/quickbooks`);
    server.on('request', async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString();
      const delivery = {
        body,
        contentType: req.headers['content-type'] ?? 'application/json',
        signature: String(req.headers['intuit-signature'] ?? ''),
      };
      tap.count(delivery);
      try {
        const answer = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': delivery.contentType, 'intuit-signature': delivery.signature },
          body,
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(await answer.text());
      } catch {
        res.writeHead(502).end();
      }
    });
    return tap;
  }

  /** Stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private count(delivery: Delivery): void {
    this.deliveries += 1;
    const key = createHash('sha256').update(delivery.body).digest('hex');
    if (this.seen.has(key)) {
      this.repeated += 1;
      return;
    }
    this.seen.add(key);
    this.distinct.push(delivery);
    const parsed = JSON.parse(delivery.body) as unknown[] | { eventNotifications?: unknown[] };
    const events = Array.isArray(parsed)
      ? parsed.length
      : (parsed.eventNotifications ?? []).reduce<number>(
          (n, e) =>
            n +
            ((e as { dataChangeEvent?: { entities?: unknown[] } }).dataChangeEvent?.entities
              ?.length ?? 0),
          0,
        );
    if (events > 1) this.batches += 1;
  }
}
