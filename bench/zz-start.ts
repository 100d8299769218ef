import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../local/src/runtime/index.js';
import { limitsFor } from '../local/src/devboxes/limits.js';

const N = Number(process.argv[2] ?? 10);
const PAR = Number(process.argv[3] ?? 1);
const dataDir = await mkdtemp(join(tmpdir(), 'runloop-zz-start-'));
const rt = await createRuntime({ mode: 'namespaces', dataDir });
const spec = (id: string) => ({ id, stateDir: join(dataDir, id), layers: [], limits: limitsFor({ resource_size_request: 'SMALL' }), network: (process.env['NET'] ?? 'isolated') as 'isolated' });
try {
  const times: number[] = [];
  const boxes: any[] = [];
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: PAR }, async () => {
    while (next < N) {
      const i = next++;
      const s = performance.now();
      boxes.push(await rt.start(spec(`dbx_zz${i}`)));
      times.push(performance.now() - s);
    }
  }));
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  console.log(`${process.env['RL_OCI'] ?? 'runc'} N=${N} par=${PAR}: total ${total.toFixed(0)} ms, p50 ${times[Math.floor(N / 2)]!.toFixed(0)} max ${times[N - 1]!.toFixed(0)}`);
  const cpu0 = process.cpuUsage(cpuStart);
  await Promise.all(boxes.map((b) => b.stop({ discard: true })));
  const { readFileSync } = await import('node:fs');
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const tick = 100;
  const children = (Number(f[13]) + Number(f[14])) / tick * 1000;
  console.log(`CPU: node self until all up ${((cpu0.user + cpu0.system) / 1000).toFixed(0)} ms; all children (incl. stop) ${children.toFixed(0)} ms; per devbox ${((children + (cpu0.user + cpu0.system) / 1000) / N).toFixed(0)} ms`);
} finally {
  await rt.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(0);
