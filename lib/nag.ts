import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges the two wildcard KMS actions (`kms:GenerateDataKey*`, `kms:ReEncrypt*`) that CDK's
 * standard grants add for a table or queue encrypted with a customer-managed key. The service calls
 * them on the caller's behalf, and the statement's resource is that one key, never `*`.
 *
 * @param scope - the role (or its function) that received the grant
 * @param what - what the key encrypts, for the reason text
 */
export function acknowledgeKmsGrantWildcards(scope: IConstruct, what: string): void {
  for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        `CDK's standard grant for ${what} encrypted with a customer-managed key; the service uses ` +
        "these on the caller's behalf, and the statement is scoped to that single key.",
    });
  }
}
