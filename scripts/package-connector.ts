// `npm run package:connector`: the edge connector as one ESM file (no node_modules at run time, its source map
// beside it) and a Debian package that installs it, built with esbuild and dpkg-deb only:
//
//   dist/connector/callnow-connector.mjs (+ .map)
//   dist/connector/callnow-connector_<version>_all.deb
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import * as defaults from '../edge-connector/src/config.ts';

const repoRoot = path.join(import.meta.dirname, '..');
export const CONNECTOR_DIST = path.join(repoRoot, 'dist/connector');
export const BUNDLE_NAME = 'callnow-connector.mjs';
const PACKAGE_NAME = 'callnow-connector';

/** What the package puts where, besides the bundle. */
const INSTALL_DIR = '/usr/lib/callnow-connector';
const SHARE_DIR = '/usr/share/callnow-connector';
const ENV_FILE = '/etc/callnow/connector.env';
const UNIT_FILE = '/lib/systemd/system/callnow-connector.service';

/** Bundles edge-connector/main.ts into `outDir`/callnow-connector.mjs and returns its path. */
export async function buildConnectorBundle(outDir = CONNECTOR_DIST): Promise<string> {
  const outfile = path.join(outDir, BUNDLE_NAME);
  await build({
    entryPoints: [path.join(repoRoot, 'edge-connector/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'linked',
    // The CommonJS dependencies (asterisk-manager, prom-client, pino) require Node's own modules.
    banner: {
      js: "import { createRequire as __cnRequire } from 'node:module'; const require = __cnRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}

function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}

function write(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

function copy(from: string, to: string, mode = 0o644): void {
  mkdirSync(path.dirname(to), { recursive: true });
  copyFileSync(path.join(repoRoot, from), to);
  chmodSync(to, mode);
}

/** The settings file: every setting of `callnow-connector --help`, commented out, the required ones first. */
export function renderEnvFile(): string {
  return `# CallNow edge connector settings, read by systemd (EnvironmentFile=) and by \`callnow-connector\`.
# Fill in the required ones, then:  callnow-connector doctor  &&  systemctl enable --now callnow-connector
# The CloudFormation outputs of \`cdk deploy\` give the queue URLs; \`callnow-connector --help\` explains each line.

# Required
#CALL_REQUESTS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-requests-hq
#CALL_EVENTS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/callnow-call-events
#SITE_ID=hq
#AMI_HOST=127.0.0.1
#AMI_USERNAME=callnow
#AMI_SECRET=

# AWS: the connector's IAM user (the stack's ConnectorCredentials), or a profile, and the region
#AWS_REGION=eu-west-1
#AWS_ACCESS_KEY_ID=
#AWS_SECRET_ACCESS_KEY=

# Asterisk
#AMI_PORT=${defaults.DEFAULT_AMI_PORT}
#EXTENSION_CHANNEL_TEMPLATE=${defaults.DEFAULT_EXTENSION_CHANNEL_TEMPLATE}
#VISITOR_DIAL_TEMPLATE=${defaults.DEFAULT_VISITOR_DIAL_TEMPLATE}
#CALLNOW_CONTEXT=${defaults.DEFAULT_CALLNOW_CONTEXT}
#OUTBOUND_CALLER_ID=
#EXTENSION_HINT_CONTEXT=${defaults.DEFAULT_EXTENSION_HINT_CONTEXT}
#PRESENCE_EXTENSIONS=
#PRESENCE_REFRESH_SECONDS=${defaults.DEFAULT_PRESENCE_REFRESH_SECONDS}
#ASTERISK_SOUNDS_DIR=/var/lib/asterisk/sounds

# Operation
#MAX_CONCURRENT_CALLS=${defaults.DEFAULT_MAX_CONCURRENT_CALLS}
#HEALTH_PORT=${defaults.DEFAULT_HEALTH_PORT}
#STOP_GRACE_SECONDS=${defaults.DEFAULT_STOP_GRACE_SECONDS}
#VISIBILITY_TIMEOUT_SECONDS=${defaults.DEFAULT_VISIBILITY_TIMEOUT_SECONDS}
#CALL_SAFETY_MARGIN_SECONDS=${defaults.DEFAULT_SAFETY_MARGIN_SECONDS}
#RECEIVE_WAIT_SECONDS=${defaults.DEFAULT_RECEIVE_WAIT_SECONDS}
#LOG_LEVEL=info
#CALLNOW_STATE_DIR=${defaults.DEFAULT_STATE_DIR}
`;
}

const WRAPPER = `#!/bin/sh
# callnow-connector [run | doctor]: the bundled connector, with the package's settings file when it can be read.
if [ -r ${ENV_FILE} ]; then
  exec node ${INSTALL_DIR}/${BUNDLE_NAME} --env-file ${ENV_FILE} "$@"
fi
exec node ${INSTALL_DIR}/${BUNDLE_NAME} "$@"
`;

const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group callnow >/dev/null || addgroup --system callnow
  getent passwd callnow >/dev/null || adduser --system --ingroup callnow --home /var/lib/callnow-connector \\
    --no-create-home --shell /usr/sbin/nologin --gecos "CallNow edge connector" callnow
  install -d -o callnow -g callnow -m 0700 /var/lib/callnow-connector
  chown root:callnow ${ENV_FILE}
  chmod 0640 ${ENV_FILE}
  if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null || true
    if systemctl is-enabled --quiet callnow-connector 2>/dev/null; then
      systemctl try-restart callnow-connector || true
    elif ! grep -q '^CALL_REQUESTS_QUEUE_URL=.' ${ENV_FILE}; then
      echo "callnow-connector: fill in ${ENV_FILE}, check it with: callnow-connector doctor"
      echo "                   then start it with: systemctl enable --now callnow-connector"
    fi
  fi
fi
exit 0
`;

const PRERM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
  systemctl disable --now callnow-connector >/dev/null 2>&1 || true
fi
exit 0
`;

const POSTRM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null || true
fi
if [ "$1" = purge ]; then
  rm -rf /var/lib/callnow-connector
  getent passwd callnow >/dev/null && deluser --system callnow >/dev/null 2>&1 || true
fi
exit 0
`;

function control(version: string, installedKiB: number): string {
  return `Package: ${PACKAGE_NAME}
Version: ${version}
Architecture: all
Maintainer: CallNow <callnow@localhost>
Depends: nodejs (>= 20), adduser
Recommends: asterisk
Section: comm
Priority: optional
Installed-Size: ${installedKiB}
Description: CallNow edge connector for Asterisk
 Takes the call requests of a CallNow site from its SQS queue and places them
 on the local Asterisk over AMI, reporting each call's progress back to the
 cloud. One bundled file run by Node.js (22 or 24 recommended, 20 works), a
 systemd unit, and \`callnow-connector doctor\` to check the PBX's setup.
`;
}

function installedKiB(root: string): number {
  const output = execFileSync('du', ['-sk', '--exclude=DEBIAN', root], { encoding: 'utf8' });
  return Number(output.split(/\s/)[0]);
}

/** Builds the bundle and the .deb; returns the .deb's path. */
export async function buildConnectorPackage(outDir = CONNECTOR_DIST): Promise<string> {
  const version = packageVersion();
  const root = path.join(outDir, 'deb-root');
  rmSync(root, { recursive: true, force: true });
  const bundle = await buildConnectorBundle(outDir);
  const lib = path.join(root, INSTALL_DIR.slice(1));
  mkdirSync(lib, { recursive: true });
  for (const file of [BUNDLE_NAME, `${BUNDLE_NAME}.map`, `${BUNDLE_NAME}.LEGAL.txt`]) {
    copyFileSync(path.join(path.dirname(bundle), file), path.join(lib, file));
  }
  write(path.join(root, 'usr/bin/callnow-connector'), WRAPPER, 0o755);
  copy('edge-connector/systemd/callnow-connector.service', path.join(root, UNIT_FILE.slice(1)));
  write(path.join(root, ENV_FILE.slice(1)), renderEnvFile(), 0o640);
  const share = path.join(root, SHARE_DIR.slice(1));
  copy('edge-connector/asterisk/extensions_callnow.conf', path.join(share, 'extensions_callnow.conf'));
  copy('edge-connector/asterisk/README.md', path.join(share, 'asterisk-README.md'));
  copy('edge-connector/README.md', path.join(share, 'README.md'));

  const debian = path.join(root, 'DEBIAN');
  write(path.join(debian, 'control'), control(version, installedKiB(root)));
  write(path.join(debian, 'conffiles'), `${ENV_FILE}\n`);
  write(path.join(debian, 'postinst'), POSTINST, 0o755);
  write(path.join(debian, 'prerm'), PRERM, 0o755);
  write(path.join(debian, 'postrm'), POSTRM, 0o755);

  const deb = path.join(outDir, `${PACKAGE_NAME}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', '-Zxz', root, deb], { stdio: 'ignore' });
  rmSync(root, { recursive: true, force: true });
  return deb;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const deb = await buildConnectorPackage();
  console.log(
    `built ${path.relative(process.cwd(), path.join(CONNECTOR_DIST, BUNDLE_NAME))} and ${path.relative(process.cwd(), deb)}`,
  );
}
