/**
 * The calendar date (`YYYY-MM-DD`) of an instant in a time zone: the key of a tenant's nightly
 * run, so each local date has one run whatever the clocks do around it.
 *
 * @param instant - ISO-8601 instant or epoch ms
 * @param timeZone - IANA time zone
 */
export function localDate(instant: string | number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/**
 * The dates after `from` up to and including `to` (both `YYYY-MM-DD`): the local dates a run
 * covers when earlier ones were skipped (a 2 AM that did not exist, an outage).
 *
 * @param from - the last date that had a run, or `undefined`
 * @param to - this run's date
 */
export function datesSince(from: string | undefined, to: string): string[] {
  if (!from || from >= to) return [to];
  const dates: string[] = [];
  const day = new Date(`${from}T00:00:00Z`);
  for (;;) {
    day.setUTCDate(day.getUTCDate() + 1);
    const text = day.toISOString().slice(0, 10);
    dates.push(text);
    if (text >= to || dates.length > 366) return dates;
  }
}
