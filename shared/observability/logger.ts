import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of a function. Level from `POWERTOOLS_LOG_LEVEL` (default INFO), service name
 * from `POWERTOOLS_SERVICE_NAME`; both are set by the CDK function construct and the local runtime.
 */
export const logger = new Logger({ serviceName: 'tradelyhq-quickbooks' });
