/**
 * What every function bundle gets in place of `semver` (`FUNCTION_BUNDLING.alias`): only
 * aws-xray-sdk-core requires it, in its AWS SDK v2 patcher (`captureAWS`, a version check), which
 * nothing here calls: the SDK v3 clients are captured with `captureAWSv3Client`. The real package
 * is 28 KB of every bundle, compiled and run at each cold start (`docs/benchmarks.md`).
 *
 * @throws Error always: a caller would be new code capturing the AWS SDK v2
 */
export function gte(): never {
  throw new Error('semver is left out of the function bundles (lib/bundling/semver-left-out.ts)');
}
