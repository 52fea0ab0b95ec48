import { Duration, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledgeGuard } from './guard.ts';

/**
 * A private bucket for CloudFront standard logs (and S3 server access logs), kept for the log
 * retention: ACLs on (CloudFront writes its log files with them), S3-managed keys, TLS only.
 *
 * @param scope - the construct that owns the distribution
 * @param id - construct id
 * @param what - what logs into it, for the acknowledgement texts
 * @param retentionDays - days to keep each log file
 */
export function accessLogBucket(
  scope: Construct,
  id: string,
  what: string,
  retentionDays: number,
): Bucket {
  const logs = new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    // CloudFront standard logging writes with ACLs; nothing else reads or writes here.
    objectOwnership: ObjectOwnership.OBJECT_WRITER,
    lifecycleRules: [{ expiration: Duration.days(retentionDays) }],
  });
  const logsReason =
    `This is the access-log bucket of ${what}; logging it into itself would loop, and it holds ` +
    'only logs, kept for the log retention.';
  Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: logsReason });
  acknowledgeGuard(logs, {
    s3_bucket_logging_enabled_check: logsReason,
    s3_bucket_acl_prohibited_check:
      'CloudFront standard logging writes its log files with ACLs (object writer ownership); ' +
      'the bucket blocks all public access and nothing else writes here.',
    s3_bucket_versioning_enabled_check:
      'Log files are written once and expire after the log retention; versions would only keep ' +
      'expired logs longer.',
    s3_bucket_default_encryption_kms_check:
      'Encrypted with S3-managed keys: CloudFront standard logging cannot deliver into a bucket ' +
      'encrypted with a customer-managed KMS key unless its key policy admits the log service, ' +
      'and the logs are request lines, without bodies or tokens.',
    s3_bucket_object_lock_enabled_check:
      'Logs expire after the log retention by a lifecycle rule; Object Lock would forbid that.',
    s3_event_notifications_enabled_check: 'Nothing reacts to a new log file.',
  });
  return logs;
}
