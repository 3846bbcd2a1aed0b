import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { RoundtripError } from '../errors.ts';
import { CONFIG_FILE_NAMES, PACKAGE_ROOT } from '../paths.ts';

/** The scaffold `init` copies: a config, one case, expectations, a Python model library, its TS twin, a CI workflow. */
export const PROJECT_TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'templates', 'project');

/** npm scripts `init` adds to the project's package.json when the names are free. */
export const INIT_SCRIPTS: Readonly<Record<string, string>> = {
  roundtrip: 'keras-roundtrip run',
  'roundtrip:setup': 'keras-roundtrip setup',
  'roundtrip:verify': 'keras-roundtrip verify',
};

export interface InitResult {
  created: string[];
  kept: string[];
  scriptsAdded: string[];
  scriptsKept: string[];
}

async function templateFiles(directory: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await templateFiles(path.join(directory, entry.name), relative)));
    else files.push(relative);
  }
  return files.sort();
}

/**
 * Scaffold keras-roundtrip into the project at `root`. Idempotent and never destructive: an existing file is kept as it
 * is (any existing config file counts for the config), existing npm scripts keep their commands.
 */
export async function initProject(root: string): Promise<InitResult> {
  const packageFile = path.join(root, 'package.json');
  if (!existsSync(packageFile))
    throw new RoundtripError('INIT_NO_PACKAGE', `${root}: no package.json; run init at the root of your npm project (npm init -y makes one)`);
  const result: InitResult = { created: [], kept: [], scriptsAdded: [], scriptsKept: [] };
  const existingConfig = CONFIG_FILE_NAMES.find((name) => existsSync(path.join(root, name)));
  for (const relative of await templateFiles(PROJECT_TEMPLATE_DIR)) {
    const target = path.join(root, relative);
    const isConfig = (CONFIG_FILE_NAMES as readonly string[]).includes(relative);
    if (existsSync(target) || (isConfig && existingConfig)) {
      result.kept.push(isConfig && existingConfig ? existingConfig : relative);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(PROJECT_TEMPLATE_DIR, relative), target);
    result.created.push(relative);
  }
  const text = await readFile(packageFile, 'utf8');
  let manifest: { scripts?: Record<string, string> };
  try {
    manifest = JSON.parse(text) as { scripts?: Record<string, string> };
  } catch (error) {
    throw new RoundtripError('INIT_PACKAGE_INVALID', `${packageFile}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  manifest.scripts ??= {};
  for (const [name, command] of Object.entries(INIT_SCRIPTS)) {
    if (manifest.scripts[name] === undefined) {
      manifest.scripts[name] = command;
      result.scriptsAdded.push(name);
    } else result.scriptsKept.push(name);
  }
  if (result.scriptsAdded.length > 0) {
    const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
    await writeFile(packageFile, `${JSON.stringify(manifest, null, indent)}\n`);
  }
  return result;
}

/** `keras-roundtrip init`: scaffold the project in the working directory. */
export function registerInitCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('init')
    .description(
      'scaffold keras-roundtrip in this project: config, an example case, expectations, a Python model library with a custom layer, its TS twin, npm ' +
        'scripts, a CI workflow (never overwrites)',
    )
    .option('--dir <path>', 'the project root (default: the working directory)')
    .action(async (options: { dir?: string }) => {
      const root = path.resolve(options.dir ?? process.cwd());
      const result = await initProject(root);
      const say = (line: string) => process.stderr.write(`${line}\n`);
      for (const file of result.created) say(`  created ${file}`);
      for (const file of result.kept) say(`  kept    ${file} (exists)`);
      if (result.scriptsAdded.length > 0) say(`  package.json: added npm scripts ${result.scriptsAdded.join(', ')}`);
      if (result.scriptsKept.length > 0) say(`  package.json: kept existing scripts ${result.scriptsKept.join(', ')}`);
      say('next: npx keras-roundtrip setup   (Python environment and native runtimes, in the cache)');
      say('      npx keras-roundtrip run     (generate golden/, verify every artifact, write reports/)');
      setExitCode(0);
    });
}
