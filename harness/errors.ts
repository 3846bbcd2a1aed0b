/**
 * Every error keras-roundtrip raises on purpose is a {@link RoundtripError} with a stable `code`.
 * Messages quote the file and the value, in expected-versus-received form; `cause` is kept.
 */

/** Where in a check an error happened. */
export type Phase = 'setup' | 'case' | 'generate' | 'read' | 'load' | 'run' | 'compare' | 'report';

export interface RoundtripErrorOptions {
  /** The file the error is about, quoted in the message by the caller and kept for reports. */
  file?: string;
  phase?: Phase;
  cause?: unknown;
  /** Extra structured facts for reports (expected/received values, limits). */
  details?: Record<string, unknown>;
}

export class RoundtripError extends Error {
  readonly code: string;
  readonly file?: string;
  readonly phase?: Phase;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: RoundtripErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options.file;
    this.phase = options.phase;
    this.details = options.details;
  }

  /** A plain object for JSON reports and for crossing process boundaries. */
  toJSON(): SerializedError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.phase === undefined ? {} : { phase: this.phase }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  file?: string;
  phase?: Phase;
  details?: Record<string, unknown>;
}

/** One problem found while validating a file: validation collects all of them. */
export interface ValidationIssue {
  code: string;
  /** JSON path inside the document, e.g. `model.sequential.layers[2].class`. */
  path: string;
  message: string;
  file?: string;
  line?: number;
}

/** A case file (or expectations file) with one or more problems; `issues` lists every one. */
export class CaseValidationError extends RoundtripError {
  readonly issues: ValidationIssue[];
  constructor(file: string, issues: ValidationIssue[]) {
    const lines = issues.map((issue) => `  ${file}:${issue.line ?? '?'} ${issue.path || '(root)'}: ${issue.message} [${issue.code}]`);
    super('CASE_INVALID', `${file}: ${issues.length} problem(s)\n${lines.join('\n')}`, { file, phase: 'case', details: { issues } });
    this.issues = issues;
  }
}

/** An artifact reader found a file that is its format but broken, hostile, or past a limit. */
export class FormatError extends RoundtripError {
  constructor(code: string, message: string, options: RoundtripErrorOptions = {}) {
    super(code, message, { phase: 'read', ...options });
  }
}

/** A runtime could not load or run an artifact. */
export class RuntimeError extends RoundtripError {
  constructor(code: string, message: string, options: RoundtripErrorOptions = {}) {
    super(code, message, { phase: 'run', ...options });
  }
}

/** The Python generator failed (environment missing, worker crash, case error). */
export class GeneratorError extends RoundtripError {
  constructor(code: string, message: string, options: RoundtripErrorOptions = {}) {
    super(code, message, { phase: 'generate', ...options });
  }
}

/** Set-up failed: the message names the step and what to do. */
export class SetupError extends RoundtripError {
  readonly step: string;
  constructor(step: string, message: string, options: RoundtripErrorOptions = {}) {
    super('SETUP_FAILED', `setup step "${step}" failed: ${message}`, { phase: 'setup', ...options });
    this.step = step;
  }
}

/** Another process held a set-up or cache lock too long, or took it over while held (code LOCK_TIMEOUT, LOCK_COMPROMISED). */
export class LockError extends RoundtripError {}

/** Golden data is stale or missing: regenerate it with the command in the message. */
export class GoldenError extends RoundtripError {}

/** Turn anything thrown into a serializable error record. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof RoundtripError) return error.toJSON();
  if (error instanceof Error) return { name: error.name, code: 'UNEXPECTED', message: error.message };
  return { name: 'Error', code: 'UNEXPECTED', message: String(error) };
}
