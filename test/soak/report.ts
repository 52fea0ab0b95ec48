import { writeMarkedBlock } from '../../bench/support/marked-block.ts';

/** The counts a run ends with. */
export interface SoakReport {
  readonly seed: number;
  readonly tenants: number;
  /** TradelyHQ invoices. */
  readonly invoices: number;
  /** Pushes sent (revisions, repeats and stale revisions included). */
  readonly pushes: number;
  /** Live QBO invoices in the emulator's books. */
  readonly qboInvoices: number;
  readonly lost: number;
  /** Extra QBO invoices for one TradelyHQ invoice, plus QBO invoices without an owner. */
  readonly duplicated: number;
  /** Sync status, balance or QBO id not what the run made it. */
  readonly wrongStatus: number;
  /** QBO invoice not matching the latest revision (doc number, total, lines). */
  readonly wrongContent: number;
  /** Invoices wrong in any way above without an open sync error. */
  readonly invisibleFailures: number;
  readonly syncErrorsOpen: Readonly<Record<string, number>>;
  /** Open sync errors on invoices whose state is as expected (other than the expected kinds). */
  readonly unexpectedSyncErrors: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
  /** Injected faults no request consumed before the chaos stopped (cleared). */
  readonly faultsUnconsumed: number;
  /** Batch requests QBO answered (backlogs pushed together; faults hit them as any request). */
  readonly batchRequests: number;
  readonly payments: { readonly full: number; readonly partial: number };
  readonly voids: number;
  readonly deletes: number;
  readonly webhooks: {
    /** Deliveries by the emulator, counted on their way to the API. */
    readonly deliveries: number;
    /** Deliveries of a body delivered before (the emulator's duplicates, retries). */
    readonly duplicated: number;
    /** Distinct deliveries of several events, which the emulator sends shuffled. */
    readonly shuffled: number;
    /** Old deliveries the soak re-sent later, out of order. */
    readonly replayed: number;
  };
  readonly workerKills: number;
  /** Invocations in flight in the worker process when it was killed. */
  readonly killedInvocations: number;
  readonly revocations: number;
  readonly reconnects: number;
  /** Reconnects whose callback failed (a fault on its CompanyInfo read) and were clicked again. */
  readonly failedReconnects: number;
  readonly deadLetters: number;
  readonly qboRequests: number;
  readonly wallSeconds: number;
  /** The first problems found, one line each. */
  readonly problems: readonly string[];
}

/** The report as the table `npm run soak` prints and writes into docs/soak.md. */
export function formatReport(report: SoakReport): string {
  const kinds = (counts: Readonly<Record<string, number>>) =>
    Object.entries(counts)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ') || 'none';
  const rows: [string, string | number][] = [
    ['seed', report.seed],
    ['tenants', report.tenants],
    ['invoices (TradelyHQ)', report.invoices],
    ['pushes sent (revisions, repeats, stale)', report.pushes],
    ['QBO invoices (live)', report.qboInvoices],
    ['lost', report.lost],
    ['duplicated', report.duplicated],
    ['wrong status', report.wrongStatus],
    ['wrong content', report.wrongContent],
    ['invisible failures', report.invisibleFailures],
    ['sync errors open', kinds(report.syncErrorsOpen)],
    ['unexpected sync errors', report.unexpectedSyncErrors],
    ['faults injected', kinds(report.faultsInjected)],
    ['faults left unconsumed', report.faultsUnconsumed],
    ['batch requests', report.batchRequests],
    ['payments (full / partial)', `${report.payments.full} / ${report.payments.partial}`],
    ['voids / deletes in QBO', `${report.voids} / ${report.deletes}`],
    ['webhook deliveries', report.webhooks.deliveries],
    ['… repeats of an earlier delivery', report.webhooks.duplicated],
    ['… with several events, shuffled', report.webhooks.shuffled],
    ['… old ones replayed late', report.webhooks.replayed],
    ['worker kills (SIGKILL + restart)', report.workerKills],
    ['… invocations in flight killed', report.killedInvocations],
    ['revocations / reconnects', `${report.revocations} / ${report.reconnects}`],
    ['… reconnects that failed on a fault, retried', report.failedReconnects],
    ['dead-lettered messages', report.deadLetters],
    ['QBO requests', report.qboRequests],
    ['wall time', `${report.wallSeconds} s`],
  ];
  return ['| count | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** How a full run was made, for the line above its table. */
export interface SoakRun {
  /** The command line's options, as typed after `npm run soak --`. */
  readonly args: string;
  readonly passed: boolean;
  /** e.g. `linux x64, 2 cores, Node v20.20.2` */
  readonly machine: string;
  /** The machine's load average over the last minute when the run ended. */
  readonly loadAverage: number;
  readonly finishedAt: Date;
}

/**
 * Writes a run's table into the `soak` block of the docs page, under a line that says how the run
 * was made and how it ended.
 *
 * @param docFile - the page holding the block, e.g. `docs/soak.md`
 */
export function writeSoakTable(docFile: string, report: SoakReport, run: SoakRun): void {
  const command = run.args ? `npm run soak -- ${run.args}` : 'npm run soak';
  const when = run.finishedAt.toISOString().slice(0, 16).replace('T', ' ');
  const heading =
    `Last full run (\`${command}\`, ${when} UTC; ${run.machine}, load average ` +
    `${run.loadAverage.toFixed(1)}): ${run.passed ? 'passed' : 'FAILED'} in ${report.wallSeconds} s.`;
  writeMarkedBlock(docFile, 'soak', `${heading}\n\n${formatReport(report)}`);
}
