/**
 * The API Gateway (HTTP API, payload 2.0) event of one callback, as the ingest receives it in AWS: what the
 * bench feeds the real ingest handler, and the tests too (`test/support/lambda.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What differs between callback requests; everything else is as API Gateway sends it. */
export interface CallbackRequestOptions {
  readonly token?: string;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly sourceIp?: string;
  readonly method?: string;
  readonly timeEpoch?: number;
}

/** The event of one callback request (a POST to the route, from bunq's production range, by default). */
export function apiGatewayEvent(options: CallbackRequestOptions = {}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const token = options.token ?? 'token';
  const timeEpoch = options.timeEpoch ?? Date.now();
  return {
    version: '2.0',
    routeKey: 'POST /callbacks/{token}',
    rawPath: `/callbacks/${token}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'bunq' },
    pathParameters: { token },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: {
        method,
        path: `/callbacks/${token}`,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '185.40.108.10',
        userAgent: 'bunq',
      },
      requestId: randomUUID(),
      routeKey: 'POST /callbacks/{token}',
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}
