/**
 * Builds the reference admin console (`console/`): its TypeScript bundled by esbuild into one
 * browser script, next to the page and its stylesheet. The result stays in memory: the local server
 * serves it (`bin/local/console-routes.ts`) and the CDK console site uploads it
 * (`lib/console-site.ts`), so no build output is ever committed.
 */
import { readFileSync } from 'node:fs';
import { buildSync } from 'esbuild';

const root = new URL('.', import.meta.url).pathname;

/** One file of the built console. */
export interface ConsoleFile {
  readonly contentType: string;
  readonly body: string;
}

/** The built console by path (`index.html`, `styles.css`, `app.js`). */
export type ConsoleFiles = ReadonlyMap<string, ConsoleFile>;

/**
 * Bundles the console (a few milliseconds): `src/main.ts` and its modules into `app.js`, for
 * browsers of the last few years (ES2022), minified, without source maps.
 *
 * @returns the files to serve, keyed by their path under `/`
 */
export function buildConsole(): ConsoleFiles {
  const bundle = buildSync({
    entryPoints: [`${root}src/main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]?.text ?? '';
  return new Map([
    [
      'index.html',
      {
        contentType: 'text/html; charset=utf-8',
        body: readFileSync(`${root}index.html`, 'utf8'),
      },
    ],
    [
      'styles.css',
      { contentType: 'text/css; charset=utf-8', body: readFileSync(`${root}styles.css`, 'utf8') },
    ],
    ['app.js', { contentType: 'text/javascript; charset=utf-8', body: js }],
  ]);
}

/**
 * The console's Content-Security-Policy: its own script and styles only, API calls to its own
 * origin plus `connectSources`, no frames, no plugins, no inline code.
 *
 * @param connectSources - other origins the console calls (the deployed API), space-separated
 */
export function consoleContentSecurityPolicy(connectSources = ''): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${connectSources ? ` ${connectSources}` : ''}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
