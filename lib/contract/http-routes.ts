/**
 * The HTTP API's routes, defined once: the CDK stack declares them on API Gateway, the local
 * stack matches requests against them, and the stats function dispatches on their route keys.
 */

/** The function that serves a route. */
export type RouteFunction = 'select' | 'stats';

export interface HttpRoute {
  readonly method: 'GET' | 'POST';
  /** As API Gateway spells it, with `{name}` path parameters. */
  readonly path: string;
  readonly function: RouteFunction;
  /**
   * `iam`: bots sign with SigV4. `none`: open, because load balancers and uptime monitors cannot
   * sign; only the health check is, and it answers nothing but whether the table answers.
   */
  readonly authorization: 'iam' | 'none';
}

export const HTTP_ROUTES = {
  select: { method: 'POST', path: '/v1/select', function: 'select', authorization: 'iam' },
  strategies: { method: 'GET', path: '/v1/strategies', function: 'stats', authorization: 'iam' },
  stats: { method: 'GET', path: '/v1/stats', function: 'stats', authorization: 'iam' },
  decision: { method: 'GET', path: '/v1/decisions/{decisionId}', function: 'stats', authorization: 'iam' },
  health: { method: 'GET', path: '/v1/health', function: 'stats', authorization: 'none' },
} as const satisfies Record<string, HttpRoute>;

export type RouteName = keyof typeof HTTP_ROUTES;

/** `METHOD /path/{param}`: API Gateway's `routeKey`, as the function receives it in its event. */
export function routeKey(route: HttpRoute): string {
  return `${route.method} ${route.path}`;
}

/** The route a payload-format-2.0 event's `routeKey` names, or undefined. */
export function routeNamed(key: string | undefined): RouteName | undefined {
  return (Object.keys(HTTP_ROUTES) as RouteName[]).find((name) => routeKey(HTTP_ROUTES[name]) === key);
}
