/**
 * The optional custom domain (`customDomain`): a certificate the partner controls, so the callback URL can be
 * pinned at bunq. The domain, its mapping to the stage, the alias records and the outputs the CLI reads.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { type PipelineConfigInput, parsePipelineConfig } from '../../shared/config/pipeline-config';
import { onlyLogicalId, SYNTH_TIMEOUT_MS, synthStack } from './support/synth';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const WITH_ZONE: PipelineConfigInput = {
  environment: 'production',
  customDomain: {
    domainName: 'callbacks.example.com',
    certificateArn: CERTIFICATE_ARN,
    hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'example.com' },
  },
};
const WITHOUT_ZONE: PipelineConfigInput = {
  customDomain: { domainName: 'hooks.example.org', certificateArn: CERTIFICATE_ARN },
};

let withZone: Template;
let withoutZone: Template;
let plain: Template;
beforeAll(() => {
  withZone = synthStack(WITH_ZONE, { bundle: false }).template;
  withoutZone = synthStack(WITHOUT_ZONE, { bundle: false }).template;
  plain = synthStack({}, { bundle: false }).template;
}, SYNTH_TIMEOUT_MS);

describe('custom domain', () => {
  test('creates a regional domain with the configured ACM certificate', () => {
    withZone.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'callbacks.example.com',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL' }),
      ],
    });
  });

  test('maps the domain to the API’s $default stage', () => {
    withZone.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    withZone.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: { Ref: onlyLogicalId(withZone, 'AWS::ApiGatewayV2::Api') },
      DomainName: { Ref: onlyLogicalId(withZone, 'AWS::ApiGatewayV2::DomainName') },
      Stage: '$default',
    });
  });

  test('disables the execute-api endpoint, so callbacks cannot bypass the pinned certificate', () => {
    withZone.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
    plain.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
  });

  test('with a hosted zone, creates A and AAAA alias records of the domain in it', () => {
    for (const type of ['A', 'AAAA']) {
      withZone.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'callbacks.example.com.',
        Type: type,
        HostedZoneId: 'Z0123456789ABCDEFGHIJ',
        AliasTarget: Match.objectLike({
          DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestApiDomainName'), 'RegionalDomainName'] },
        }),
      });
    }
  });

  test('without a hosted zone, creates no record and outputs the CNAME target', () => {
    withoutZone.resourceCountIs('AWS::Route53::RecordSet', 0);
    withoutZone.hasOutput('CustomDomainTarget', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('IngestApiDomainName'), 'RegionalDomainName'] },
    });
  });

  test('the CallbackBaseUrl output, which register and rotate-token read, is on the custom domain', () => {
    withZone.hasOutput('CallbackBaseUrl', { Value: 'https://callbacks.example.com/callbacks/' });
    withoutZone.hasOutput('CallbackBaseUrl', { Value: 'https://hooks.example.org/callbacks/' });
  });

  test('without customDomain there is no domain, mapping or CNAME target output', () => {
    plain.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    plain.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 0);
    expect(Object.keys(plain.findOutputs('CustomDomainTarget'))).toEqual([]);
  });
});

describe('customDomain validation', () => {
  test.each([
    [{ domainName: 'Callbacks.Example.com', certificateArn: CERTIFICATE_ARN }, /customDomain.domainName/],
    [{ domainName: '*.example.com', certificateArn: CERTIFICATE_ARN }, /customDomain.domainName/],
    [
      { domainName: 'callbacks.example.com', certificateArn: 'arn:aws:iam::123456789012:role/x' },
      /customDomain.certificateArn/,
    ],
    [
      {
        domainName: 'callbacks.example.com',
        certificateArn: CERTIFICATE_ARN,
        hostedZone: { id: 'Z0123456789ABCDEFGHIJ', name: 'example.org' },
      },
      /customDomain.hostedZone.name: "callbacks.example.com" is not inside the zone "example.org"/,
    ],
  ])('refuses %j, naming the field', (customDomain, message) => {
    expect(() => parsePipelineConfig({ customDomain })).toThrow(message);
  });
});
