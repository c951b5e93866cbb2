// `npm start`: the whole CallNow product on this machine, until Ctrl-C.
import { startLocalStack } from './stack.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const port = Number(process.env.PORT ?? 3000);
const stack = await startLocalStack({ port }).catch((error: unknown) => {
  const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
  console.error(
    inUse
      ? `Port ${port} on 127.0.0.1 is already in use: stop what is using it, or start on another port with PORT=3001 npm start`
      : `CallNow could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
const pbx = stack.ami.simulated
  ? `built-in PBX simulator (AMI on ${stack.ami.host}:${stack.ami.port})`
  : `Asterisk at ${stack.ami.host}:${stack.ami.port}`;

console.log(`
CallNow is running locally.

  Demo CallNow page (extension 101):
${stack.demoUrl}

  Console:
${stack.consoleUrl}
  Admin login (console, and HTTP Basic for the API):   username ${stack.admin.username}   password ${stack.admin.password}
  PBX:                ${pbx}

  Try +1 202 555 0100 (answers), 0102 (busy), 0103 (no answer), 0104 (congestion), 0105 (unallocated).
  Press Ctrl-C to stop.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('Stopping CallNow…');
    stack.stop().then(() => process.exit(0));
  });
}
