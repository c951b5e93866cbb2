// Preloaded into the edge connector's process by the benchmark (node --import), which otherwise runs exactly as under
// systemd: answers each sample request with the process's resident memory and CPU time (process.cpuUsage).
import { isSampleRequest, type Sample } from './protocol.ts';

process.on('message', (message: unknown) => {
  if (!isSampleRequest(message)) return;
  const cpu = process.cpuUsage();
  const sample: Sample = {
    kind: 'sample',
    id: message.id,
    rssBytes: process.memoryUsage.rss(),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.send?.(sample);
});
// The connector decides when its process ends, not this channel.
process.channel?.unref();
