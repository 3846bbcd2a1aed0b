/**
 * The integration project's shared reload-server: one `python -m roundtrip_generator reload-server` of the default
 * environment for every test file, so tests that rerun Python reloads import TensorFlow once per run instead of once
 * per server they would start. The global setup owns the {@link GeneratorServer} (started on the first request, as
 * always) and serves it on a Unix socket; {@link withTestGeneratorServer} hands a test that server, or a server of its
 * own when the test file runs outside the project.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_ENVIRONMENT, type Environment, environmentAvailability, findEnvironment } from '../environments.ts';
import { GeneratorCommandFailure, type GeneratorServer, type GeneratorServerRequest, withGeneratorServer } from '../run/python-process.ts';

/** The environment variable naming the shared server's socket (set by the global setup, inherited by test files). */
export const GENERATOR_SERVER_ENV = 'KERAS_ROUNDTRIP_TEST_GENERATOR_SERVER';

/** What a test needs of a server: the same two members `rerunPythonChecks` and `runCheck` take. */
export type TestGeneratorServer = Pick<GeneratorServer, 'environment' | 'ask'>;

/** One request per connection: the client sends this line; the bridge answers `{"started":true}` when its turn begins, then a {@link BridgeAnswer}. */
interface BridgeRequest {
  request: GeneratorServerRequest;
  timeoutSeconds: number;
}
type BridgeAnswer = { pythonChecks: unknown[] } | { failure: string };

/** A client of the bridge: asks go through the global setup's one server, in the order they arrive there. */
class BridgedGeneratorServer implements TestGeneratorServer {
  constructor(
    readonly environment: Environment,
    private readonly socket: string,
  ) {}

  ask<T>(request: GeneratorServerRequest, timeoutSeconds: number, onStart?: () => void): Promise<T[] | GeneratorCommandFailure> {
    return new Promise((resolve, reject) => {
      const connection = createConnection(this.socket);
      connection.on('error', reject);
      const lines = createInterface({ input: connection });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as { started: true } | BridgeAnswer;
        if ('started' in message) return onStart?.();
        connection.end();
        resolve('failure' in message ? new GeneratorCommandFailure(message.failure) : (message.pythonChecks as T[]));
      });
      lines.on('close', () => reject(new Error(`the shared reload-server at ${this.socket} closed the connection without an answer`)));
      connection.write(`${JSON.stringify({ request, timeoutSeconds } satisfies BridgeRequest)}\n`);
    });
  }
}

/**
 * Run `action` with a reload-server of `environment`: the run's shared one for the default environment inside the
 * integration project, else a server of its own (started and closed here, as verify does).
 */
export async function withTestGeneratorServer<R>(environment: Environment, action: (server: TestGeneratorServer) => Promise<R>): Promise<R> {
  const socket = process.env[GENERATOR_SERVER_ENV];
  if (socket && environment.name === DEFAULT_ENVIRONMENT) return action(new BridgedGeneratorServer(environment, socket));
  return withGeneratorServer(environment, {}, action);
}

async function serveConnection(server: GeneratorServer, connection: Socket): Promise<void> {
  const lines = createInterface({ input: connection })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) return;
  const { request, timeoutSeconds } = JSON.parse(first.value) as BridgeRequest;
  const answer = await server.ask(request, timeoutSeconds, () => connection.write(`${JSON.stringify({ started: true })}\n`));
  const reply: BridgeAnswer = answer instanceof GeneratorCommandFailure ? { failure: answer.summary } : { pythonChecks: answer };
  connection.end(`${JSON.stringify(reply)}\n`);
}

/** vitest global setup: the shared server for the run (none without a set-up default environment; tests then start their own). */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const environment = findEnvironment(DEFAULT_ENVIRONMENT);
  if (process.env[GENERATOR_SERVER_ENV] || !environmentAvailability(environment).available) return undefined;
  const directory = await mkdtemp(path.join(tmpdir(), 'roundtrip-generator-server-'));
  const socket = path.join(directory, 'server.sock');
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The server's whole life is one use of the venv (withGeneratorServer registers it), as a verify run's is.
  let ready: (server: GeneratorServer) => void = () => undefined;
  const serverReady = new Promise<GeneratorServer>((resolve) => {
    ready = resolve;
  });
  const life = withGeneratorServer(environment, {}, (server) => {
    ready(server);
    return released;
  });
  const server = await serverReady;
  const listener = createServer((connection) => {
    connection.on('error', () => undefined); // a test that gave up on its answer: nothing to tell it
    serveConnection(server, connection).catch((error: unknown) => connection.destroy(error as Error));
  });
  await new Promise<void>((resolve, reject) => listener.once('error', reject).listen(socket, resolve));
  process.env[GENERATOR_SERVER_ENV] = socket;
  return async () => {
    delete process.env[GENERATOR_SERVER_ENV];
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    release();
    await life;
    await rm(directory, { recursive: true, force: true });
  };
}
