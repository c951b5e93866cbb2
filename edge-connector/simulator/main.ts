// Runs the AMI simulator on its own: `npx tsx edge-connector/simulator/main.ts`.
// AMI_PORT (default 5038), AMI_USERNAME (default callnow), AMI_SECRET (default: random, printed),
// AMI_SIMULATOR_TIME_SCALE (default 1: Asterisk's own timing).

import { startAmiSimulator } from './ami-simulator.ts';

function readNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const port = readNumber('AMI_PORT', 5038);
const timeScale = readNumber('AMI_SIMULATOR_TIME_SCALE', 1);
const simulator = await startAmiSimulator({
  port,
  timeScale,
  ...(process.env.AMI_USERNAME ? { username: process.env.AMI_USERNAME } : {}),
  ...(process.env.AMI_SECRET ? { secret: process.env.AMI_SECRET } : {}),
  logger: {
    info: (message) => console.log(message),
    warn: (message, details) => console.warn(message, details ?? ''),
    error: (message, details) => console.error(message, details ?? ''),
  },
});

console.log(
  `AMI simulator (Asterisk 22) on ${simulator.host}:${simulator.port}, ` +
    `username ${simulator.username}, secret ${simulator.secret}, timeScale ${simulator.timeScale}`,
);
console.log(
  'extensions: 101 answers and presses 0, 102 never answers, 103 busy, 104 presses 5, 105 presses nothing, ' +
    '106 busy as chan_pjsip reports it (Reason 0)',
);
console.log(
  'visitors (last 4 digits): 0100 talks 3 s, 0101 talks 10 s, 0102 busy, 0103 no answer, 0104 congestion',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void simulator.close().then(() => process.exit(0));
  });
}
