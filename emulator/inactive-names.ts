/**
 * What QBO does to the name of a name-list record made inactive: it appends " (deleted)"
 * (minimul/qbo_api recordings `spec/vcr/deactivate/employee.yml`, "Emily Platt (deleted)", and
 * `deactivate/account.yml`, "Fees Billed (deleted)"), which frees the plain name for a new record.
 * See emulator/README.md, "Clean-up after the first push".
 */

/** The suffix QBO gives an inactive name. */
const DELETED = ' (deleted)';

/**
 * The name a record is stored under after a write: with " (deleted)" appended when this write
 * makes an active record inactive (an update with `Active: false`, or a merge), unchanged
 * otherwise (a record already inactive keeps its name, as the recorded update of an inactive
 * employee shows; reactivating does not take the suffix off: unconfirmed). When that name is
 * taken too, " (deleted 2)", " (deleted 3)", …: QBO's form is unconfirmed. The base is cut so
 * the result fits the field's maximum (unconfirmed).
 *
 * @param name - the name the write would store
 * @param wasActive - whether the stored record was active before the write
 * @param active - the `Active` the write stores
 * @param max - the field's maximum length
 * @param taken - whether another record already has a name (compared as QBO compares names)
 */
export function storedName(
  name: string,
  wasActive: boolean,
  active: unknown,
  max: number,
  taken: (candidate: string) => boolean,
): string {
  if (!wasActive || active !== false) return name;
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? DELETED : ` (deleted ${n})`;
    const candidate = `${name.slice(0, max - suffix.length).trimEnd()}${suffix}`;
    if (!taken(candidate)) return candidate;
  }
}
