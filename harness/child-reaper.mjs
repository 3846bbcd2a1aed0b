// Started by child-processes.ts in a process group of its own: reads `+ <pid> [<command as JSON>]` / `- <pid>` (process
// groups, and what else ends one: `podman kill <name>`) and `+dir <path>` / `-dir <path>` (temporary folders) from its
// stdin, a pipe from the command. When the pipe ends, the command is gone however it ended, so every group still listed
// is killed (then its command run) and every folder still listed removed.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Process group → the command that also ends it, if any. */
const groups = new Map();
const folders = new Set();
// The command's own SIGINT handler ends the children; this process must outlive it to see the pipe end.
for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => undefined);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [action, ...rest] = line.split(' ');
  const value = rest.join(' ');
  if (action === '+') groups.set(Number(rest[0]), rest.length > 1 ? JSON.parse(rest.slice(1).join(' ')) : undefined);
  else if (action === '-') groups.delete(Number(value));
  else if (action === '+dir') folders.add(value);
  else if (action === '-dir') folders.delete(value);
});
lines.on('close', () => {
  for (const [group, command] of groups) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
    if (command) spawnSync(command[0], command.slice(1), { stdio: 'ignore', timeout: 60_000 });
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
