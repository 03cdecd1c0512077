import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HTTP_ROUTES, type HttpRoute, routeKey } from '../../lib/contract/http-routes';

/**
 * What API Gateway's HTTP API does in front of the functions, for the local stack: match a
 * route, and turn the request into the payload-format-2.0 event a Lambda integration receives.
 */

/** The routes the CDK stack declares (lib/contract/http-routes.ts). */
const ROUTES: readonly HttpRoute[] = Object.values(HTTP_ROUTES);

export interface RouteMatch {
  route: HttpRoute;
  /** `METHOD /path/{param}`, as API Gateway reports it. */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

/**
 * The route for a request, or undefined (API Gateway then answers 404 itself). A path
 * parameter matches one non-empty segment; its value is percent-decoded, as API Gateway does.
 */
export function matchRoute(
  method: string,
  path: string,
  routes: readonly HttpRoute[] = ROUTES,
): RouteMatch | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    if (route.method !== method.toUpperCase()) continue;
    const expected = route.path.split('/');
    if (expected.length !== segments.length) continue;
    const parameters: Record<string, string> = {};
    const matched = expected.every((part, index) => {
      const actual = segments[index] ?? '';
      const parameter = /^\{(\w+)\}$/.exec(part)?.[1];
      if (parameter === undefined) return part === actual;
      if (actual === '') return false;
      parameters[parameter] = decodeSegment(actual);
      return true;
    });
    if (!matched) continue;
    const key = routeKey(route);
    return Object.keys(parameters).length === 0
      ? { route, routeKey: key }
      : { route, routeKey: key, pathParameters: parameters };
  }
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** An incoming request as the local server reads it. */
export interface LocalHttpRequest {
  method: string;
  /** Path and query, as on the request line (`/v1/stats?symbol=BTCUSDT`). */
  url: string;
  /** Node's `IncomingMessage.headersDistinct` shape: lower-case names, every value. */
  headers: Record<string, readonly string[] | undefined>;
  body: string;
  sourceIp: string;
}

export interface HttpApiEventOptions {
  match: RouteMatch;
  now: number;
  requestId?: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2024:10:05:00 +0000`, the format of `requestContext.time`. */
export function requestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/**
 * The API Gateway HTTP API (payload format 2.0) event for `request`, as the select and stats
 * functions receive it in AWS: header names lower-case and repeated headers joined with commas,
 * cookies moved to `cookies`, repeated query parameters joined with commas, the body as text.
 * Without IAM authorization locally there is no `authorizer` context (the handlers read none).
 */
export function toHttpApiEvent(
  request: LocalHttpRequest,
  options: HttpApiEventOptions,
): APIGatewayProxyEventV2 {
  const { match, now } = options;
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const rawQueryString = queryStart < 0 ? '' : request.url.slice(queryStart + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, values] of Object.entries(request.headers)) {
    if (values === undefined || values.length === 0) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim())).filter(Boolean);
      continue;
    }
    headers[key] = values.join(',');
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString !== '') {
    queryStringParameters = {};
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      const previous = queryStringParameters[name];
      queryStringParameters[name] = previous === undefined ? value : `${previous},${value}`;
    }
  }

  const host = headers.host ?? 'localhost';
  const method = request.method.toUpperCase();
  return {
    version: '2.0',
    routeKey: match.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies === undefined ? {} : { cookies }),
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: options.requestId ?? randomUUID(),
      routeKey: match.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
    ...(match.pathParameters === undefined ? {} : { pathParameters: match.pathParameters }),
    ...(request.body === '' ? {} : { body: request.body }),
    isBase64Encoded: false,
  };
}
