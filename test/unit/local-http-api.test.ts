import { describe, expect, it } from 'vitest';
import { matchRoute, requestTime, toHttpApiEvent } from '../../infra/local/http-api';
import { HTTP_ROUTES } from '../../lib/contract/http-routes';

const NOW = Date.UTC(2024, 2, 12, 10, 5, 0);

describe('matchRoute', () => {
  it('routes the routes of the HTTP API to their functions', () => {
    expect(matchRoute('POST', '/v1/select')).toMatchObject({
      routeKey: 'POST /v1/select',
      route: { function: 'select' },
    });
    expect(matchRoute('GET', '/v1/strategies')).toMatchObject({
      routeKey: 'GET /v1/strategies',
      route: { function: 'stats' },
    });
    expect(matchRoute('GET', '/v1/stats')).toMatchObject({
      routeKey: 'GET /v1/stats',
      route: { function: 'stats' },
    });
    expect(matchRoute('GET', '/v1/decisions/abc-1')).toEqual({
      route: HTTP_ROUTES.decision,
      routeKey: 'GET /v1/decisions/{decisionId}',
      pathParameters: { decisionId: 'abc-1' },
    });
    expect(matchRoute('GET', '/v1/health')).toMatchObject({
      routeKey: 'GET /v1/health',
      route: { function: 'stats', authorization: 'none' },
    });
  });

  it('finds no route for another method, an unknown path, an empty parameter or a trailing segment', () => {
    expect(matchRoute('GET', '/v1/select')).toBeUndefined();
    expect(matchRoute('POST', '/v1/stats')).toBeUndefined();
    expect(matchRoute('GET', '/v1/nope')).toBeUndefined();
    expect(matchRoute('GET', '/v1/decisions/')).toBeUndefined();
    expect(matchRoute('GET', '/v1/decisions/a/b')).toBeUndefined();
    expect(matchRoute('GET', '/')).toBeUndefined();
  });

  it('percent-decodes path parameters', () => {
    expect(matchRoute('GET', '/v1/decisions/a%3Ab')?.pathParameters).toEqual({ decisionId: 'a:b' });
  });
});

describe('toHttpApiEvent', () => {
  it('builds a payload-format-2.0 event like API Gateway', () => {
    const match = matchRoute('GET', '/v1/stats');
    if (match === undefined) throw new Error('no route');
    const event = toHttpApiEvent(
      {
        method: 'GET',
        url: '/v1/stats?symbol=BTCUSDT&tag=a&tag=b',
        headers: {
          host: ['127.0.0.1:3000'],
          'user-agent': ['curl/8.0'],
          'x-multi': ['1', '2'],
          cookie: ['a=1; b=2'],
        },
        body: '',
        sourceIp: '127.0.0.1',
      },
      { match, now: NOW, requestId: 'req-1' },
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'GET /v1/stats',
      rawPath: '/v1/stats',
      rawQueryString: 'symbol=BTCUSDT&tag=a&tag=b',
      cookies: ['a=1', 'b=2'],
      headers: { host: '127.0.0.1:3000', 'user-agent': 'curl/8.0', 'x-multi': '1,2' },
      queryStringParameters: { symbol: 'BTCUSDT', tag: 'a,b' },
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: '127.0.0.1:3000',
        domainPrefix: '127',
        http: {
          method: 'GET',
          path: '/v1/stats',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8.0',
        },
        requestId: 'req-1',
        routeKey: 'GET /v1/stats',
        stage: '$default',
        time: '12/Mar/2024:10:05:00 +0000',
        timeEpoch: NOW,
      },
      isBase64Encoded: false,
    });
  });

  it('carries the body as text and the decision id as a path parameter', () => {
    const select = matchRoute('POST', '/v1/select');
    const decision = matchRoute('GET', '/v1/decisions/d-7');
    if (select === undefined || decision === undefined) throw new Error('no route');
    const base = { headers: {}, sourceIp: '::1' };
    const post = toHttpApiEvent(
      { ...base, method: 'post', url: '/v1/select', body: '{"a":1}' },
      { match: select, now: NOW },
    );
    expect(post.body).toBe('{"a":1}');
    expect(post.isBase64Encoded).toBe(false);
    expect(post.requestContext.http.method).toBe('POST');
    expect(post.queryStringParameters).toBeUndefined();
    expect(post.pathParameters).toBeUndefined();
    const get = toHttpApiEvent(
      { ...base, method: 'GET', url: '/v1/decisions/d-7', body: '' },
      { match: decision, now: NOW },
    );
    expect(get.pathParameters).toEqual({ decisionId: 'd-7' });
    expect(get).not.toHaveProperty('body');
  });

  it('formats requestContext.time like API Gateway', () => {
    expect(requestTime(Date.UTC(2025, 0, 5, 3, 4, 9))).toBe('05/Jan/2025:03:04:09 +0000');
  });
});
