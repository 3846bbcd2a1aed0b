import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCases } from './cases/load-cases.ts';
import { buildProgram, COMMAND_NAMES, EXIT, main } from './cli.ts';

/** Every command that takes case ids, as its own declaration says: a `--case` option or a `<case>` argument. */
async function commandsTakingCases(): Promise<{ name: string; argv: (id: string) => string[] }[]> {
  return (await buildProgram(() => {})).commands.flatMap((command) => {
    const positional = command.registeredArguments.findIndex((argument) => argument.name() === 'case');
    if (positional >= 0) return [{ name: command.name(), argv: (id: string) => [command.name(), id] }];
    if (command.options.some((option) => option.long === '--case')) return [{ name: command.name(), argv: (id: string) => [command.name(), '--case', id] }];
    return [];
  });
}

async function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(['node', 'keras-roundtrip', ...args]), stderr };
  } finally {
    spy.mockRestore();
  }
}

const commands = await commandsTakingCases();

describe('the CLI', () => {
  let known = '';
  beforeAll(async () => {
    known = (await loadCases()).cases[0]!.id;
  });

  it('loads only the command a run names, under that name; every command otherwise, in the table order', async () => {
    for (const name of COMMAND_NAMES) expect((await buildProgram(() => {}, name)).commands.map((command) => command.name())).toEqual([name]);
    expect((await buildProgram(() => {})).commands.map((command) => command.name())).toEqual(COMMAND_NAMES);
    // Not a command (a typo, --help, help): every command, so commander can suggest and list them.
    expect((await buildProgram(() => {}, 'setpu')).commands.map((command) => command.name())).toEqual(COMMAND_NAMES);
    expect(COMMAND_NAMES).toEqual(expect.arrayContaining(['setup', 'generate', 'verify', 'probe']));
  });

  it('a misspelt command exits 2 and names the command it is close to', async () => {
    const { code, stderr } = await runCli(['setpu']);
    expect(code).toBe(EXIT.usage);
    expect(stderr).toMatch(/unknown command 'setpu'[\s\S]*\(Did you mean setup\?\)/);
  });

  it('knows the commands that take case ids (the selection below is not vacuous)', () => {
    expect(commands.map((command) => command.name)).toEqual(
      expect.arrayContaining(['generate', 'verify', 'run', 'nightly', 'inject-faults', 'repro', 'bisect', 'divergence']),
    );
  });

  it.each(commands.map((command) => [command.name, command] as const))(
    '%s: a misspelt case id exits 2 with the closest id, before anything runs',
    async (_name, command) => {
      // One letter dropped: close enough to be suggested, yet no case id.
      const typo = known.slice(0, -1);
      const { code, stderr } = await runCli(command.argv(typo));
      expect(code).toBe(EXIT.usage);
      expect(stderr).toContain(`"${typo}" (did you mean "${known}"?)`);
      expect(stderr).toContain('[CASE_UNKNOWN]');
    },
  );
});
