// Started by child-processes.ts in a process group of its own: reads `+ <pid>` / `- <pid>` (process groups) and
// `+dir <path>` / `-dir <path>` (temporary folders) from its stdin, a pipe from the command. When the pipe ends, the
// command is gone however it ended, so every group still listed is killed and every folder still listed removed.
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const groups = new Set();
const folders = new Set();
// The command's own SIGINT handler ends the children; this process must outlive it to see the pipe end.
for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [action, ...rest] = line.split(' ');
  const value = rest.join(' ');
  if (action === '+') groups.add(Number(value));
  else if (action === '-') groups.delete(Number(value));
  else if (action === '+dir') folders.add(value);
  else if (action === '-dir') folders.delete(value);
});
lines.on('close', () => {
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
