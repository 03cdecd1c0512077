/**
 * Placeholder entry so that the stack can bundle the function; the real wiring follows.
 */
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 503,
  body: JSON.stringify({ error: 'NotReady', message: 'Not ready' }),
});
