/**
 * The API Gateway (HTTP API, payload 2.0) event of one callback, as the ingest receives it in AWS: what the
 * bench feeds the real ingest handler.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const ROUTE_KEY = 'POST /callbacks/{token}';

export function callbackEvent(token: string, body: string, sourceIp: string): APIGatewayProxyEventV2 {
  const timeEpoch = Date.now();
  return {
    version: '2.0',
    routeKey: ROUTE_KEY,
    rawPath: `/callbacks/${token}`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'bunq' },
    pathParameters: { token },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: `/callbacks/${token}`,
        protocol: 'HTTP/1.1',
        sourceIp,
        userAgent: 'bunq',
      },
      requestId: randomUUID(),
      routeKey: ROUTE_KEY,
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    body,
    isBase64Encoded: false,
  };
}
