import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsole, consoleContentSecurityPolicy } from '#console/build.ts';
import { accessLogBucket } from './access-logs.ts';
import { acknowledgeGuard } from './guard.ts';

/** Props of {@link ConsoleSite}. */
export interface ConsoleSiteProps {
  /**
   * Origins the console may call besides its own, for its Content-Security-Policy: the API's
   * (`https://*.execute-api.<region>.amazonaws.com`, or the custom domain). A pattern rather than
   * the API's own URL, so that the site never depends on the API (the API's CORS depends on it).
   */
  readonly apiOrigins: readonly string[];
  /** Days to keep the CloudFront and S3 access logs. @default 30 */
  readonly logRetentionDays?: number;
}

/**
 * The reference admin console as a static site: a private S3 bucket read only by CloudFront
 * through Origin Access Control, HTTPS only, security headers (a strict CSP among them) on every
 * answer, access logs for both. {@link ConsoleSite.publish} uploads the console, built by esbuild
 * at synth, with a `config.json` naming the API.
 */
export class ConsoleSite extends Construct {
  /** Holds the console's files; private, encrypted, TLS only. */
  readonly bucket: Bucket;
  /** CloudFront in front of the bucket. */
  readonly distribution: Distribution;
  /** `https://<distribution>.cloudfront.net`: add it to the portal origins (CORS, OAuth return). */
  readonly origin: string;

  /**
   * @param scope - the stack
   * @param id - construct id
   * @param props - see {@link ConsoleSiteProps}
   */
  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const logs = accessLogBucket(
      this,
      'AccessLogs',
      'the console bucket and its CloudFront distribution',
      props.logRetentionDays ?? 30,
    );
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
    });
    acknowledgeGuard(this.bucket, {
      s3_bucket_default_encryption_kms_check:
        'The files are the public console (HTML, CSS, one script, config.json with the API URL), ' +
        'served to anyone by CloudFront; S3-managed keys encrypt them at rest, and a KMS key ' +
        'would only add a key policy for CloudFront to read them.',
      s3_bucket_object_lock_enabled_check:
        'Every deploy replaces and prunes the files by design; versioning keeps the replaced ' +
        'ones 30 days.',
      s3_event_notifications_enabled_check: 'Nothing reacts to an upload but the deploy itself.',
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers of the reference admin console',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy(props.apiOrigins.join(' ')),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'TradelyHQ QuickBooks reference admin console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          "Tenants' admins sign in from wherever they work; the site serves only static files " +
          'with no data, and every API call needs a tenant JWT.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only (HTML, CSS, one script) with no data or server-side logic; the API ' +
          'the console calls is throttled and behind a JWT authorizer.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, with which CloudFront ' +
          'cannot enforce a minimum TLS version; browsers negotiate TLS 1.2 or 1.3 with it, and ' +
          'HTTP is redirected to HTTPS.',
      },
    );
    const defaultCertificate =
      'The distribution uses the default *.cloudfront.net certificate (no custom domain for the ' +
      'reference console): no ACM certificate, SNI setting or security policy applies to it.';
    acknowledgeGuard(this.distribution, {
      cloudfront_custom_ssl_certificate_check: defaultCertificate,
      cloudfront_sni_enabled_check: defaultCertificate,
      cloudfront_security_policy_check: defaultCertificate,
      cloudfront_origin_failover_enabled_check:
        'One static bucket in one region holds the console; there is no second origin to fail ' +
        'over to, and the API, not the console, is what tenants depend on.',
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Uploads the console (built now by esbuild) and its `config.json`, and invalidates the
   * distribution's cache so a deploy shows the new version at once.
   *
   * @param config - the API's URL and the QuickBooks app environment (for links to invoices)
   */
  publish(config: { apiUrl: string; intuitEnvironment: 'sandbox' | 'production' }): void {
    const files = buildConsole();
    const qbo = config.intuitEnvironment === 'sandbox' ? 'app.sandbox.qbo' : 'app.qbo';
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        ...[...files].map(([name, file]) => Source.data(name, file.body)),
        Source.jsonData('config.json', {
          mode: 'deployed',
          apiUrl: config.apiUrl,
          invoiceLinkTemplate: `https://${qbo}.intuit.com/app/invoice?txnId={id}`,
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
    // The upload is CDK's own BucketDeployment function (a singleton at the stack's root); its
    // grants are CDK's, each scoped as narrowly as the construct allows.
    const stack = Stack.of(this);
    const bucketId = stack.getLogicalId(this.bucket.node.defaultChild as CfnResource);
    const wildcards: [string, string][] = [
      ['Action::s3:GetObject*', 'reads the deployment package it unpacks'],
      ['Action::s3:GetBucket*', 'reads the deployment package it unpacks'],
      ['Action::s3:List*', 'lists the console files it replaces or prunes'],
      ['Action::s3:DeleteObject*', 'prunes console files that are no longer part of the build'],
      ['Action::s3:Abort*', 'aborts its own multipart uploads on failure'],
      [
        `Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`,
        'only the CDK bootstrap assets bucket, where the deployment package is staged',
      ],
      [`Resource::<${bucketId}.Arn>/*`, "only the console's own bucket"],
      [
        'Resource::*',
        'cloudfront:CreateInvalidation and GetInvalidation, which have no narrower resource in ' +
          "CDK's grant; used once per deploy to show the new console at once",
      ],
    ];
    Validations.of(deployment.handlerRole).acknowledge(
      ...wildcards.map(([finding, why]) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason: `CDK's BucketDeployment function, run only during a deploy: ${why}.`,
      })),
    );
    const handler = deployment.handlerRole.node.scope;
    for (const scope of [deployment.handlerRole, handler].filter((s) => s !== undefined)) {
      Validations.of(scope).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's BucketDeployment function writes its own logs with the AWS managed basic " +
            'execution policy; it runs only during a deploy.',
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            "CDK's BucketDeployment function: its runtime is chosen and updated by aws-cdk-lib, " +
            'and it runs only during a deploy.',
        },
      );
      acknowledgeGuard(scope, {
        lambda_inside_vpc_check:
          "CDK's BucketDeployment function, run only during a deploy: it copies files to S3 and " +
          'invalidates CloudFront, both AWS endpoints; nothing it reaches is in a VPC.',
      });
    }
  }
}
