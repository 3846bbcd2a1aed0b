import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, findEnvironment, lockPins, sharedInstallation } from '../environments.ts';
import { pinsFromReport, preferredPins, renderLock } from './lock.ts';

const report = (pins: [string, string][]) => ({ install: pins.map(([name, version]) => ({ metadata: { name, version } })) });

describe("lock files from pip's report", () => {
  it('leaves out the installers and a distribution another provides (tf-keras asks for tensorflow; tensorflow-cpu provides it)', () => {
    const pins = pinsFromReport(
      report([
        ['tensorflow_cpu', '2.21.0'],
        ['tensorflow', '2.21.0'],
        ['wheel', '0.48.0'],
        ['setuptools', '80'],
        ['tf_keras', '2.21.0'],
      ]),
    );
    expect(pins.map((pin) => pin.name)).toEqual(['tensorflow_cpu', 'tf_keras']);
    expect(pinsFromReport(report([['tensorflow', '2.21.0']])).map((pin) => pin.name)).toEqual(['tensorflow']);
  });

  it("renders the default environment's committed lock byte for byte from its own pins (the resolver reproduced it)", () => {
    const environment = findEnvironment('tf2.21-keras3');
    const text = readFileSync(environment.lockFile, 'utf8');
    const pins = lockPins(text).map((line) => {
      const [name, version] = line.split('==');
      return { name: name!, version: version! };
    });
    expect(renderLock(environment, pins.reverse())).toBe(text);
  });

  it('appends unresolved pins (tensorflowjs, installed without its declared dependencies)', () => {
    const environment = findEnvironment('tf2.15-keras2');
    expect(renderLock(environment, [{ name: 'keras', version: '2.15.0' }])).toMatch(/^keras==2\.15\.0\ntensorflowjs==4\.22\.0\n$/m);
  });

  it("prefers the committed sibling's pins for environments on the same TensorFlow", () => {
    const preferred = preferredPins(findEnvironment('tf2.21-keras3.12'), { upgrade: true });
    const defaults = new Map(lockPins(readFileSync(findEnvironment('tf2.21-keras3').lockFile, 'utf8')).map((line) => line.split('==') as [string, string]));
    expect(preferred.get('certifi')).toBe(defaults.get('certifi'));
  });
});

describe('shared installations', () => {
  it('environments on one Python and TensorFlow share the pins their locks have in common; Keras stays in each venv', () => {
    const shared = sharedInstallation(findEnvironment('tf2.16-keras3.0'))!;
    expect(shared.name).toBe('python3.11-tensorflow_cpu-2.16.2');
    expect(shared.environments).toEqual(['tf2.16-keras3.0', 'tf2.16-keras3.1', 'tf2.16-tfkeras2']);
    expect(shared.pins).toContain('tensorflow-cpu==2.16.2');
    expect(shared.pins.some((pin) => pin.startsWith('keras=='))).toBe(false);
    expect(sharedInstallation(findEnvironment('tf2.15-keras2'))).toBeUndefined();
  });

  it('every environment of the table has a lock', () => {
    for (const environment of ENVIRONMENTS) expect(lockPins(readFileSync(environment.lockFile, 'utf8')).length, environment.name).toBeGreaterThan(20);
  });
});
