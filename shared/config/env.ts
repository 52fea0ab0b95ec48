/**
 * Reads a required environment variable that is not the runtime's own (the ops CLI's queue ARNs,
 * local mode's master key file) and fails with its name when it is missing. The functions' settings
 * are parsed once, in `runtime-env.ts`.
 *
 * @param name - the variable's name
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}
