import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildStack } from '../support/stack.ts';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

describe('Console site (context flag consoleSite)', () => {
  it('adds no bucket, distribution or upload when the flag is off', () => {
    const { template } = buildStack();
    // Only the API's edge: its distribution and its log bucket.
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    template.resourcePropertiesCountIs(
      'AWS::CloudFront::Distribution',
      { DistributionConfig: Match.objectLike({ DefaultRootObject: 'index.html' }) },
      0,
    );
    expect(template.findOutputs('ConsoleUrl')).toEqual({});
  });

  it('refuses a flag that is not true or false', () => {
    expect(() => buildStack({ consoleSite: 'yes' })).toThrow(/consoleSite: true or false/);
  });

  describe('when on', () => {
    const built = buildStack({ consoleSite: 'true' });
    const { template, stack } = built;
    const site = stack.consoleSite;
    const resources = template.toJSON().Resources as Resources;

    it('keeps the bucket private: no public access, TLS only, read by CloudFront through OAC', () => {
      expect(site).toBeDefined();
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
      });
      template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
      const filesPolicy = JSON.stringify(
        Object.values(resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy'),
      );
      expect(filesPolicy).toContain('cloudfront.amazonaws.com');
      expect(filesPolicy).toContain('aws:SecureTransport');
    });

    it('serves HTTPS only, with security headers and a CSP that allows only the API', () => {
      template.hasResourceProperties('AWS::CloudFront::Distribution', {
        DistributionConfig: Match.objectLike({
          DefaultRootObject: 'index.html',
          DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
          Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
        }),
      });
      const headers = JSON.stringify(
        Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy'),
      );
      expect(headers).toContain("default-src 'none'");
      expect(headers).toContain("script-src 'self'");
      // The API is served by its own distribution (the edge), whose name the site cannot know
      // without a cycle (the API's CORS names the site).
      expect(headers).toContain('https://*.cloudfront.net');
      expect(headers).toContain('StrictTransportSecurity');
      expect(headers).toContain('"FrameOption":"DENY"');
    });

    it("uploads the built console and a config.json naming the API, and adds the site's origin to CORS", () => {
      template.resourceCountIs('Custom::CDKBucketDeployment', 1);
      const api = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api');
      const cors = JSON.stringify(api?.Properties.CorsConfiguration);
      expect(cors).toContain('https://admin.tradelyhq.test');
      expect(cors).toContain('DomainName');
      expect(template.findOutputs('ConsoleUrl')).not.toEqual({});
    });

    it('passes cdk-nag AwsSolutions (acknowledgements next to the resources, with reasons)', () => {
      const report = new AwsSolutionsChecks().validateScope(stack);
      const findings = report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName}: ${r.resourceLogicalId ?? r.constructPath}`),
      );
      expect(findings).toEqual([]);
    });
  });
});
