// Figure 4 runs the connector as the Debian package does: the bundle `npm run package:connector` makes, run by node
// with the systemd unit's flags from a folder with no node_modules, with the bench's probe (bundled too, so that no
// tsx loads) preloaded.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { buildConnectorBundle } from '../../scripts/package-connector.ts';

export interface BundledConnector {
  /** Starts `node --import probe.mjs callnow-connector.mjs run` with an IPC channel, stderr piped. */
  spawn(env: NodeJS.ProcessEnv): ChildProcess;
  dispose(): Promise<void>;
}

/** The node options of the unit's ExecStart (`/usr/bin/node <options> <bundle> run`). */
export function unitNodeOptions(): string[] {
  const unit = readFileSync(
    path.join(import.meta.dirname, '../../edge-connector/systemd/callnow-connector.service'),
    'utf8',
  );
  const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
  return execStart.filter((word) => word.startsWith('--'));
}

/** BENCH_CONNECTOR_NODE runs it with another node binary (a PBX's Node 22 or 24, say). */
export async function buildBundledConnector(): Promise<BundledConnector> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'callnow-bench-bundle-'));
  const bundle = await buildConnectorBundle(dir);
  const probe = path.join(dir, 'probe.mjs');
  await build({
    entryPoints: [path.join(import.meta.dirname, 'probe.ts')],
    outfile: probe,
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'error',
  });
  const node = process.env.BENCH_CONNECTOR_NODE || process.execPath;
  return {
    spawn: (env) =>
      spawn(node, [...unitNodeOptions(), '--import', pathToFileURL(probe).href, bundle, 'run'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
