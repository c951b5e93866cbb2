// Where a request came from: straight from API Gateway, or through the optional CloudFront (`waf`), whose secret
// header is required and whose viewer address is then the visitor's.

import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type EdgeOptions,
  edgeRequests,
  normaliseAddress,
  ORIGIN_VERIFY_HEADER,
  VIEWER_HOST_HEADER,
  viewerAddress,
} from '../../functions/http/edge.ts';
import { apiEvent, lambdaContext } from '../support/api-events.ts';
import { publicHarness } from './public-harness.ts';

const SECRET = 'a'.repeat(48);
const US_NUMBER = '+12025550100';

describe('addresses', () => {
  it.each([
    ['198.51.100.10:46532', '198.51.100.10'],
    ['2001:db8::1:46532', '2001:db8::1'],
    ['2001:db8::1', undefined],
    ['not-an-address:1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('reads the viewer address %s as %s', (header, address) => {
    expect(viewerAddress(header)).toBe(address);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(normaliseAddress('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(normaliseAddress('::FFFF:198.51.100.7')).toBe('198.51.100.7');
    expect(normaliseAddress('2001:db8::7')).toBe('2001:db8::7');
  });
});

describe('behind CloudFront', () => {
  const harness = () =>
    publicHarness(
      (target) => {
        target.server.publicLimits.perVisitorAddress = { requests: 1, windowSeconds: 600 };
      },
      { edge: { originVerifySecret: SECRET } },
    );
  const throughCloudFront = (viewer: string) => ({
    headers: { [ORIGIN_VERIFY_HEADER]: SECRET, 'cloudfront-viewer-address': `${viewer}:443` },
    sourceIp: '130.176.0.1',
  });

  it('refuses a request that did not come through the distribution, naming why', async () => {
    const page = harness();
    for (const headers of [
      {},
      { [ORIGIN_VERIFY_HEADER]: 'guess' },
      { [ORIGIN_VERIFY_HEADER]: `${SECRET}x` },
    ]) {
      const response = await page.page({ headers });
      expect(response.statusCode).toBe(403);
      expect(JSON.parse(response.body).error.message).toBe(
        "requests are accepted only through this deployment's address",
      );
    }
    expect((await page.page(throughCloudFront('198.51.100.1'))).statusCode).toBe(200);
  });

  it("counts each visitor by the viewer address CloudFront saw, not CloudFront's own", async () => {
    const page = harness();
    const post = (viewer: string, phoneNumber: string) =>
      page.postJson({ phoneNumber }, throughCloudFront(viewer));
    expect((await post('198.51.100.1', US_NUMBER)).statusCode).toBe(202);
    expect((await post('198.51.100.2', '+12025550101')).statusCode).toBe(202);
    expect((await post('198.51.100.1', '+12025550102')).statusCode).toBe(429);
  });

  it('trusts no viewer address without the secret: straight requests are counted by their source', async () => {
    const page = publicHarness((target) => {
      target.server.publicLimits.perVisitorAddress = { requests: 1, windowSeconds: 600 };
    });
    const spoofed = (viewer: string, phoneNumber: string) =>
      page.postJson(
        { phoneNumber },
        { headers: { 'cloudfront-viewer-address': `${viewer}:443` }, sourceIp: '203.0.113.9' },
      );
    expect((await spoofed('198.51.100.1', US_NUMBER)).statusCode).toBe(202);
    expect((await spoofed('198.51.100.2', '+12025550101')).statusCode).toBe(429);
  });
});

describe('the host a visitor asked for', () => {
  /** The event's `domainName` after the middleware, as every page and URL the functions draw reads it. */
  async function domainNameSeen(
    headers: Record<string, string>,
    edge: EdgeOptions = { originVerifySecret: SECRET },
  ) {
    const request = {
      event: apiEvent('GET /console', { headers }),
      context: lambdaContext,
      response: undefined,
      error: undefined,
      internal: {},
    } as unknown as middy.Request<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;
    await edgeRequests(edge).before?.(request);
    return request.event.requestContext.domainName;
  }

  it('is the one CloudFront copied, behind CloudFront: execute-api only answers to its own name', async () => {
    const through = { [ORIGIN_VERIFY_HEADER]: SECRET };
    expect(await domainNameSeen({ ...through, [VIEWER_HOST_HEADER]: 'Calls.Example.org' })).toBe(
      'calls.example.org',
    );
    expect(await domainNameSeen(through)).toBe('callnow.example.com');
    for (const bad of ['calls.example.org/evil', 'calls example.org', '-', 'a'.repeat(300)]) {
      expect(await domainNameSeen({ ...through, [VIEWER_HOST_HEADER]: bad }), bad).toBe(
        'callnow.example.com',
      );
    }
  });

  it('is never taken from a header on a request that came straight to the API', async () => {
    expect(await domainNameSeen({ [VIEWER_HOST_HEADER]: 'evil.example.net' }, {})).toBe(
      'callnow.example.com',
    );
  });
});
