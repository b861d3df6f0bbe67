/** The callback endpoint: `POST /callbacks/{token}` on an HTTP API, answered by the ingest function. */
import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  ApiMapping,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties } from 'aws-cdk-lib/aws-route53-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CallbackSignatureMode } from '../../shared/pipeline/ingest/callback-signature';
import { INGEST_ENV } from '../../shared/wiring/function-env';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { functionEntry, PipelineFunction } from './pipeline-function';

/** The route bunq calls; `{token}` is the callback token the ingest function checks. */
export const CALLBACK_ROUTE_PATH = '/callbacks/{token}';
/**
 * A provisioned user's route: the same token check, and `{userId}` becomes the event's `detail.userId`
 * (onboarding registers each provisioned user's filters at this URL).
 */
export const USER_CALLBACK_ROUTE_PATH = '/callbacks/{token}/u/{userId}';

/** The ingest only verifies and enqueues: a few seconds at most, well inside bunq's request timeout. */
const INGEST_TIMEOUT = Duration.seconds(10);

/**
 * One JSON line per request. Deliberately without `$context.path`: the path holds the callback token, which
 * must never reach a log. The route key (`POST /callbacks/{token}`) is logged instead. Nothing that is the
 * same on every line (protocol) or fixed by the function (response length): at one line per callback, every
 * field is a share of the log bill (docs/COST.md).
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLatency: '$context.responseLatency',
    integrationStatus: '$context.integrationStatus',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
  }),
);

export interface IngestApiProps {
  /** The queue accepted callback bodies are put on. */
  readonly queue: IQueue;
  /** The secret holding the callback token (`{"token": "..."}`). */
  readonly tokenSecret: ISecret;
  /** Source ranges (CIDR) allowed to call the endpoint; everything else gets a 4xx. */
  readonly allowedSourceCidrs: readonly string[];
  /** Largest accepted body in bytes; larger ones get 413. */
  readonly maxBodyBytes: number;
  /** How long an ingest instance caches the token before re-reading the secret. */
  readonly tokenCacheTtl: Duration;
  /** Steady-state requests per second and burst of the endpoint. */
  readonly throttle: Required<ThrottleSettings>;
  /** Memory of the ingest function, in MiB. */
  readonly memorySize: number;
  /** How long the function's and the API's log groups keep events. */
  readonly logRetention: RetentionDays;
  /**
   * X-Ray tracing mode of the ingest function.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
  /**
   * What the ingest does with `X-Bunq-Server-Signature`, and a configured server public key (PEM).
   * @default { mode: 'off' }
   */
  readonly callbackSignature?: { readonly mode: CallbackSignatureMode; readonly serverPublicKeyPem?: string };
  /**
   * Concurrent executions reserved for (and capping) the ingest function.
   * @default - none: the account's unreserved pool, uncapped
   */
  readonly reservedConcurrency?: number;
  /**
   * A custom domain (with a certificate you control, so it can be pinned at bunq) mapped to the stage; the
   * default `execute-api` endpoint is then disabled, so callbacks cannot bypass the pinned certificate.
   * @default - none: the `execute-api` hostname
   */
  readonly customDomain?: CustomDomainProps;
}

/** A custom domain of the callback endpoint. */
export interface CustomDomainProps {
  /** The hostname, e.g. `callbacks.example.com`. */
  readonly domainName: string;
  /** ARN of an ACM certificate in the stack's region that covers {@link domainName}. */
  readonly certificateArn: string;
  /**
   * The Route 53 public hosted zone to create alias records (A and AAAA) in.
   * @default - none: point a CNAME at {@link IngestApi.customDomainTarget} yourself
   */
  readonly hostedZone?: { readonly id: string; readonly name: string };
}

/**
 * An HTTP API whose only route, `POST /callbacks/{token}`, invokes the ingest function (Lambda proxy
 * integration, payload format 2.0). The default stage is throttled and writes access logs. The ingest
 * function may send to the queue and read the token secret, nothing else.
 */
export class IngestApi extends Construct {
  /** The HTTP API. */
  public readonly api: HttpApi;
  /** The `$default` stage: throttled, access-logged, auto-deployed. */
  public readonly stage: HttpStage;
  /** The access log group of {@link stage}. */
  public readonly accessLogGroup: LogGroup;
  /** The ingest function. */
  public readonly function: NodejsFunction;
  /** The base of the callback URL, ending in `/callbacks/`; the token completes it. */
  public readonly callbackBaseUrl: string;
  private readonly signatureMode: CallbackSignatureMode;
  private readonly hasConfiguredKey: boolean;
  /** The custom domain, when configured. */
  public readonly domainName: DomainName | undefined;
  /** The regional hostname a CNAME of the custom domain points at; only with a custom domain. */
  public readonly customDomainTarget: string | undefined;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);

    const ingest = new PipelineFunction(this, 'Ingest', {
      entry: functionEntry('ingest'),
      description: 'Verifies a bunq callback (source, token, size) and enqueues its raw body',
      serviceName: SERVICE_NAMES.ingest,
      memorySize: props.memorySize,
      timeout: INGEST_TIMEOUT,
      logRetention: props.logRetention,
      tracing: props.tracing,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        [INGEST_ENV.queueUrl]: props.queue.queueUrl,
        [INGEST_ENV.tokenSecretArn]: props.tokenSecret.secretArn,
        [INGEST_ENV.allowedSourceCidrs]: props.allowedSourceCidrs.join(','),
        [INGEST_ENV.maxBodyBytes]: String(props.maxBodyBytes),
        [INGEST_ENV.tokenCacheSeconds]: String(props.tokenCacheTtl.toSeconds()),
        [INGEST_ENV.callbackSignatureMode]: props.callbackSignature?.mode ?? 'off',
        ...(props.callbackSignature?.serverPublicKeyPem === undefined
          ? {}
          : { [INGEST_ENV.serverPublicKeyPem]: props.callbackSignature.serverPublicKeyPem }),
      },
    });
    this.function = ingest.function;
    this.signatureMode = props.callbackSignature?.mode ?? 'off';
    this.hasConfiguredKey = props.callbackSignature?.serverPublicKeyPem !== undefined;
    props.queue.grantSendMessages(this.function);
    props.tokenSecret.grantRead(this.function);

    // The default stage is created here rather than by HttpApi, which offers no throttling or access logs.
    this.api = new HttpApi(this, 'Api', {
      description: 'Receives bunq callbacks',
      createDefaultStage: false,
      // With a custom domain, only it serves callbacks: the execute-api hostname's AWS certificate cannot be
      // pinned, and leaving it open would let a caller bypass the pinned one.
      disableExecuteApiEndpoint: props.customDomain !== undefined,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
    const integration = new HttpLambdaIntegration('IngestIntegration', this.function, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    for (const path of [CALLBACK_ROUTE_PATH, USER_CALLBACK_ROUTE_PATH]) {
      this.api.addRoutes({ path, methods: [HttpMethod.POST], integration });
    }
    const custom = props.customDomain;
    if (custom === undefined) {
      this.domainName = undefined;
      this.customDomainTarget = undefined;
      this.callbackBaseUrl = `${this.stage.url}callbacks/`;
      return;
    }
    this.domainName = new DomainName(this, 'DomainName', {
      domainName: custom.domainName,
      certificate: Certificate.fromCertificateArn(this, 'Certificate', custom.certificateArn),
    });
    new ApiMapping(this, 'ApiMapping', { api: this.api, domainName: this.domainName, stage: this.stage });
    this.customDomainTarget = this.domainName.regionalDomainName;
    if (custom.hostedZone !== undefined) {
      const zone = HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
        hostedZoneId: custom.hostedZone.id,
        zoneName: custom.hostedZone.name,
      });
      const target = RecordTarget.fromAlias(
        new ApiGatewayv2DomainProperties(
          this.domainName.regionalDomainName,
          this.domainName.regionalHostedZoneId,
        ),
      );
      new ARecord(this, 'AliasRecord', { zone, recordName: custom.domainName, target });
      new AaaaRecord(this, 'AliasRecordIpv6', { zone, recordName: custom.domainName, target });
    }
    this.callbackBaseUrl = `https://${custom.domainName}/callbacks/`;
  }

  /**
   * Partner onboarding: the ingest puts each provision callback's OAuth code on `queue` (and masks the
   * provision's payload secrets in the body it enqueues).
   */
  useOnboardingQueue(queue: IQueue): void {
    this.function.addEnvironment(INGEST_ENV.onboardingQueueUrl, queue.queueUrl);
    queue.grantSendMessages(this.function);
  }

  /**
   * Lets the ingest verify callback signatures with the installation's server public key, read from the
   * failure poller's state secret. That secret also holds the bunq API key, so the internet-facing ingest
   * is granted it only when the operator chose `enforce` without a configured key; in `log` mode without a
   * key it counts `no-key` instead, and nothing is granted when signatures are off or a key is configured.
   */
  useServerPublicKeyFrom(stateSecret: ISecret): void {
    if (this.signatureMode !== 'enforce' || this.hasConfiguredKey) return;
    this.function.addEnvironment(INGEST_ENV.signatureKeyStateSecretArn, stateSecret.secretArn);
    stateSecret.grantRead(this.function);
  }
}
