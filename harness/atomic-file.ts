import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Write `file` whole or not at all: the text goes to a temporary file beside it (this process's own), which is then
 * renamed over it, so a reader never sees half a file and two writers at once leave one of their texts. Makes the
 * folder when it is missing.
 */
export async function writeFileAtomically(file: string, data: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}
