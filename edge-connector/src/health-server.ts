// `/healthz` (JSON: AMI and SQS state, 200 when it can take calls, else 503) and `/metrics` (Prometheus) on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Served as JSON, whatever else it holds. */
export interface HealthReport {
  /** true: the connector can take and place calls now. */
  readonly ok: boolean;
}

export interface HealthServerOptions {
  /** 0: any free port (read it back from `port`). */
  readonly port: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: string;
  readonly health: () => HealthReport;
  readonly metrics: () => Promise<string>;
}

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1']);

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK_HOSTS.has(host)) throw new Error(`the health endpoint binds to loopback only, not ${host}`);
  const server: Server = createServer(async (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    try {
      if (path === '/healthz') {
        const report = options.health();
        response
          .writeHead(report.ok ? 200 : 503, {
            'content-type': 'application/json',
            'cache-control': 'no-store',
          })
          .end(`${JSON.stringify(report)}\n`);
        return;
      }
      if (path === '/metrics') {
        const text = await options.metrics();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
