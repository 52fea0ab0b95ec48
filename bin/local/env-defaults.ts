/**
 * `npm start`'s defaults for the runtime's environment, imported first by `bin/local.ts`: modules
 * read some of these when they load (the metrics buffer, the AWS SDK's version check), so setting
 * them in `main()` came too late and printed CloudWatch EMF lines and Node 20 warnings locally.
 */
import { ENV } from '#shared/config/names.ts';
import { SERVICE_NAME } from '#shared/observability/metric-names.ts';

process.env[ENV.tenantClaim] ??= 'tenant_id';
process.env.POWERTOOLS_SERVICE_NAME ??= SERVICE_NAME;
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'; // EMF lines are for CloudWatch only
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false'; // no X-Ray daemon here
// Lambda runs Node 24; Node 20.19+ runs the local stack, and the SDK's notice says nothing new.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
