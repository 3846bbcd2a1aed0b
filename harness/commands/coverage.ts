import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadProject } from '../config.ts';
import { findEnvironment } from '../environments.ts';
import { computeCoverage, renderCoverageMarkdown } from '../report/coverage.ts';
import { addSharedOptions, EXIT, say, type CommandRegistration } from './options.ts';

/** `keras-roundtrip coverage`: layer classes and Keras features × formats × runtimes, written to coverage.md / .json. */
export const registerCoverageCommand: CommandRegistration = (program: Command, setExitCode) => {
  const command = program.command('coverage').description('the matrix of layer classes and Keras features × formats × runtimes the catalogue exercises');
  addSharedOptions(command, ['environment', 'reports'], {
    environment: { description: 'environment whose runtimes are planned' },
    reports: { description: "where coverage.md and coverage.json are written (default: the project's reports/)" },
  }).action(async (options: { env: string; reports?: string }) => {
    const project = await loadProject();
    const { cases, errors } = project.cases;
    for (const error of errors) say(error.message);
    const coverage = computeCoverage(cases, findEnvironment(options.env).name);
    const markdown = renderCoverageMarkdown(coverage);
    const reports = options.reports ? path.resolve(options.reports) : project.config.reports;
    await mkdir(reports, { recursive: true });
    await writeFile(path.join(reports, 'coverage.md'), markdown);
    await writeFile(path.join(reports, 'coverage.json'), `${JSON.stringify(coverage, null, 2)}\n`);
    process.stdout.write(markdown);
    setExitCode(errors.length > 0 ? EXIT.failed : EXIT.ok);
  });
};
