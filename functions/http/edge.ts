// Where a request came from. Straight from API Gateway, its source address. Behind the optional CloudFront and
// WAF (`waf`), API Gateway sees CloudFront's edge, so the visitor's address comes from CloudFront-Viewer-Address
// and the host they asked for from VIEWER_HOST_HEADER; those are trusted only on requests carrying the secret
// header the distribution adds, and every request without it is refused, so nobody can skip the web ACL by
// calling the API's own address.
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { HttpError } from './errors.ts';

/** The header the CloudFront distribution adds to every request it forwards. */
export const ORIGIN_VERIFY_HEADER = 'x-callnow-origin-verify';
/** The viewer's Host, which the distribution's viewer-request function copies here: execute-api needs its own. */
export const VIEWER_HOST_HEADER = 'x-callnow-viewer-host';
const HOST = /^[a-z0-9]([a-z0-9.-]{0,252})(:\d{1,5})?$/i;

export interface EdgeOptions {
  /** The distribution's secret header value; set only with `waf`. @default none: requests come straight */
  readonly originVerifySecret?: string | undefined;
}

/** An IPv4-mapped IPv6 address (`::ffff:198.51.100.7`) is its IPv4 address, for every limit and lockout. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** `198.51.100.10:46532` or `2001:db8::1:46532`: the address before the last colon, if it is one. */
export function viewerAddress(header: string | undefined): string | undefined {
  const colon = header?.lastIndexOf(':') ?? -1;
  const address = colon > 0 ? header?.slice(0, colon) : undefined;
  return address && isIP(address) ? address : undefined;
}

function sameSecret(given: string | undefined, secret: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks where the request came from, and sets `requestContext.http.sourceIp` to the visitor's own address and
 * `requestContext.domainName` to the host the visitor asked for.
 */
export function edgeRequests({
  originVerifySecret,
}: EdgeOptions): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyResultV2> {
  return {
    before: async (request) => {
      const { event } = request;
      let sourceIp = event.requestContext.http.sourceIp;
      let domainName = event.requestContext.domainName;
      if (originVerifySecret !== undefined) {
        if (!sameSecret(event.headers[ORIGIN_VERIFY_HEADER], originVerifySecret)) {
          throw new HttpError(
            403,
            'forbidden',
            "requests are accepted only through this deployment's address",
          );
        }
        sourceIp = viewerAddress(event.headers['cloudfront-viewer-address']) ?? sourceIp;
        const viewerHost = event.headers[VIEWER_HOST_HEADER];
        if (viewerHost && HOST.test(viewerHost)) domainName = viewerHost.toLowerCase();
      }
      const http = { ...event.requestContext.http, sourceIp: normaliseAddress(sourceIp) };
      request.event = { ...event, requestContext: { ...event.requestContext, domainName, http } };
    },
  };
}
