/**
 * CloudFormation Guard at synth (`@cdklabs/cdk-validator-cfnguard`, AWS Control Tower's proactive
 * controls, run by `bin/app.ts` beside cdk-nag): what the stack does to pass them, and the reasoned
 * acknowledgements where a control does not fit this stack. Each control's text is in
 * https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html.
 */
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import {
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
  Validations,
} from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

/**
 * The Guard plugin with the Control Tower rules it bundles (the `cfn-guard` binary and the rules
 * ship in the npm package: nothing is downloaded), made to fail the synth on every finding that
 * is not acknowledged. The plugin reports its findings without a severity, and once any of them
 * is acknowledged aws-cdk-lib judges the rest by severity alone, so an unexplained finding would
 * pass: each is marked an error here.
 */
export class GuardValidator implements IPolicyValidationPluginBeta1 {
  private readonly guard = new CfnGuardValidator();
  readonly name = this.guard.name;
  readonly version = this.guard.version;
  readonly ruleIds = this.guard.ruleIds;

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.guard.validate(context);
    return { ...report, violations: report.violations.map((v) => ({ ...v, severity: 'error' })) };
  }
}

/** The Guard rules this stack acknowledges somewhere, by the name the plugin reports. */
export type GuardRule =
  | 'api_gw_v2_authorization_type_configured_check'
  | 'cloudfront_custom_ssl_certificate_check'
  | 'cloudfront_default_root_object_configured_check'
  | 'cloudfront_origin_failover_enabled_check'
  | 'cloudfront_security_policy_check'
  | 'cloudfront_sni_enabled_check'
  | 'cloudwatch_log_group_encrypted_check'
  | 'cloudwatch_log_group_retention_period_check'
  | 'lambda_function_public_access_prohibited_check'
  | 'lambda_inside_vpc_check'
  | 's3_bucket_acl_prohibited_check'
  | 's3_bucket_default_encryption_kms_check'
  | 's3_bucket_logging_enabled_check'
  | 's3_bucket_object_lock_enabled_check'
  | 's3_bucket_versioning_enabled_check'
  | 's3_event_notifications_enabled_check';

/**
 * Acknowledges Guard findings on a construct (and what is under it), each with its reason, as the
 * cdk-nag findings are.
 *
 * @param scope - the construct the findings are on
 * @param reasons - for each Guard rule, why the control does not fit here
 */
export function acknowledgeGuard(
  scope: IConstruct,
  reasons: Partial<Record<GuardRule, string>>,
): void {
  Validations.of(scope).acknowledge(
    ...Object.entries(reasons).map(([rule, reason]) => ({
      id: `cdk-validator-cfnguard::${rule}`,
      reason,
    })),
  );
}

/**
 * CT.KMS.PR.3: only AWS services may create grants on the key (DynamoDB does, for a table
 * encrypted with it); nobody else, whatever IAM allows.
 *
 * @param key - a customer-managed key of the stack
 */
export function limitGrantsToAwsServices(key: Key): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'GrantsOnlyForAwsServices',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: {
          'kms:GrantIsForAWSResource': 'false',
          'aws:PrincipalIsAWSService': 'false',
        },
      },
    }),
  );
}

/** What CT.CLOUDWATCH.PR.2 asks for: a year of logs. */
const YEAR_OF_LOGS = 365;

/**
 * The two log-group controls for one of the stack's log groups: encryption with a KMS key
 * (CT.CLOUDWATCH.PR.3) and, when the deploy keeps logs for less than a year, retention
 * (CT.CLOUDWATCH.PR.2).
 *
 * @param logGroup - the log group
 * @param retentionDays - its retention, from the `logRetentionDays` context value
 */
export function acknowledgeLogGroup(logGroup: IConstruct, retentionDays: number): void {
  acknowledgeGuard(logGroup, {
    cloudwatch_log_group_encrypted_check:
      'CloudWatch Logs encrypts every log group at rest with its own key; these logs hold no ' +
      'token, code or secret (the log audit of every test checks it), and a customer-managed key ' +
      'would add a key policy that can silently stop log delivery.',
    ...(retentionDays < YEAR_OF_LOGS
      ? {
          cloudwatch_log_group_retention_period_check:
            `Kept ${retentionDays} days, as the logRetentionDays context value says (default 30: ` +
            'operational logs, no audit trail); -c logRetentionDays=365 or more meets this control.',
        }
      : {}),
  });
}
