/**
 * Test files share their worker (`isolate: false`), so none may leave its process environment to the next: a command
 * loaded in-process (`loadProject`) puts its project's variables into `process.env`, and a later file's runtime and
 * generator workers, which inherit them, would import that project's custom objects from a folder since deleted.
 * Each file starts with the environment the worker had, and the variables it set go with it.
 */
import { afterAll, beforeAll } from 'vitest';

let before: Record<string, string | undefined> = {};

beforeAll(() => {
  before = { ...process.env };
});

afterAll(() => {
  for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name];
  Object.assign(process.env, before);
});
