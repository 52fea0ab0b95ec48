import { inject } from 'vitest';
import { applyTestEnvironment } from './test-env.ts';

/**
 * Runs in every test worker before any test file: points the AWS SDK at the run's DynamoDB
 * and gives handlers the configuration they read at load, as the local runtime does.
 */
applyTestEnvironment(inject('dynamoEndpoint'), inject('localAws'));
