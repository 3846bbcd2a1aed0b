import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'roundtrip-file-lock-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('withFileLock within one process', () => {
  it('makes a second async task wait until the first releases the lock', async () => {
    const target = path.join(root, 'target');
    const events: string[] = [];
    const secondWaits = signal();
    const secondEntered = signal();
    const waitMessages: string[] = [];
    const first = withFileLock(target, { what: 'the target' }, async () => {
      events.push('first starts');
      // Until the second task either waits (the lock works) or runs beside this one (it does not).
      await Promise.race([secondWaits.promise, secondEntered.promise]);
      events.push('first ends');
    });
    const second = withFileLock(
      target,
      {
        what: 'the target',
        onWait: (message) => {
          waitMessages.push(message);
          secondWaits.resolve();
        },
      },
      async () => {
        secondEntered.resolve();
        events.push('second starts');
      },
    );
    await Promise.all([first, second]);
    expect(events).toEqual(['first starts', 'first ends', 'second starts']);
    expect(waitMessages).toEqual([expect.stringMatching(/^the target: waiting for another task of this process \(lock .*target\.lock\)$/)]);
  });

  it('lets the holder take its own lock again inside its action', async () => {
    const target = path.join(root, 'target');
    const inner = await withFileLock(target, { what: 'the target', waitSeconds: 1 }, () =>
      withFileLock(target, { what: 'the target', waitSeconds: 1 }, async () => 'inner ran'),
    );
    expect(inner).toBe('inner ran');
  });

  it('does not let a task the holder started re-enter once the holder has released the lock', async () => {
    const target = path.join(root, 'target');
    const events: string[] = [];
    const holderHolds = signal();
    const otherEntered = signal();
    const startedWaits = signal();
    const startedEntered = signal();
    let started: Promise<void> | undefined;
    const holder = withFileLock(target, { what: 'the target' }, async () => {
      // Started in the holder's context; it takes the lock only once the holder has released it to another task.
      started = otherEntered.promise.then(() =>
        withFileLock(target, { what: 'the target', onWait: () => startedWaits.resolve() }, async () => {
          startedEntered.resolve();
          events.push('started task');
        }),
      );
      events.push('holder');
      holderHolds.resolve();
    });
    await holderHolds.promise;
    const other = withFileLock(target, { what: 'the target' }, async () => {
      otherEntered.resolve();
      events.push('other starts');
      await Promise.race([startedWaits.promise, startedEntered.promise]);
      events.push('other ends');
    });
    await Promise.all([holder, other]);
    await started;
    expect(events).toEqual(['holder', 'other starts', 'other ends', 'started task']);
  });
});
