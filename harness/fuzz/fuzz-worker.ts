/**
 * The fuzzer's reader thread: reads one input per message through the real readers and answers how it ended.
 * The driver (fuzz.ts) owns the watchdog: a hang or a blow-up here costs this thread, never the run.
 */
import { parentPort } from 'node:worker_threads';
import { FormatError } from '../errors.ts';
import { startHdf5Worker } from '../formats/hdf5.ts';
import { readNpy } from '../formats/npy.ts';
import { readArtifact } from '../formats/registry.ts';
import type { FuzzReply, FuzzRequest } from './protocol.ts';

const port = parentPort!;

async function readInput(request: FuzzRequest): Promise<void> {
  if (request.format === 'npy') await readNpy(request.path);
  else await readArtifact(request.path, { limits: request.limits });
}

function describe(error: unknown): Omit<FuzzReply, 'id' | 'outcome'> {
  if (error instanceof Error) return { errorName: error.name, message: error.message.slice(0, 2000), stack: error.stack?.split('\n').slice(0, 8).join('\n') };
  return { errorName: typeof error, message: String(error).slice(0, 2000) };
}

port.on('message', async (request: FuzzRequest) => {
  let reply: FuzzReply;
  try {
    await readInput(request);
    reply = { id: request.id, outcome: 'ok' };
  } catch (error) {
    reply =
      error instanceof FormatError
        ? { id: request.id, outcome: 'typed', code: error.code, message: error.message.slice(0, 400) }
        : { id: request.id, outcome: 'untyped', ...describe(error) };
  }
  port.postMessage(reply);
});

// The HDF5 thread starts before the first input, so its start is never mistaken for a hang.
await startHdf5Worker();
port.postMessage({ ready: true });
