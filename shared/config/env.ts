/**
 * Reads a required environment variable once, at module load, and fails fast with a clear message
 * when it is missing: a function with half its configuration must not start.
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

/**
 * Reads an optional environment variable, with a default.
 *
 * @param name - the variable's name
 * @param fallback - the value used when it is unset or empty
 */
export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}
