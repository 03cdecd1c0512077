import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials: the keys, or a function that resolves them (any AWS SDK provider fits). */
export interface ClientCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type CredentialsOption = ClientCredentials | (() => Promise<ClientCredentials>);

/** An HTTP request about to be sent. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Adds the headers that authorize a request; unsigned clients pass it through. */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

/**
 * Signs requests to API Gateway (`execute-api`) with SigV4. Without `credentials`, the SDK's
 * default chain finds them (environment, shared config and SSO, container or instance role).
 */
export function createSigV4Signer(region: string, credentials?: CredentialsOption): RequestSigner {
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: credentials ?? defaultProvider(),
    sha256: Sha256,
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      ...(body === undefined ? {} : { body }),
    });
    // fetch sets Host itself, from the same URL.
    const { host: _host, ...rest } = signed.headers;
    return rest;
  };
}

/**
 * The Region of an API Gateway URL (`https://{id}.execute-api.{region}.amazonaws.com/…`), or
 * undefined for any other host (a custom domain needs the `region` option).
 */
export function regionOfApiUrl(url: URL): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}
