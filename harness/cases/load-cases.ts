import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { CaseValidationError, type ValidationIssue } from '../errors.ts';
import { CASES_DIR } from '../paths.ts';
import { didYouMean } from './did-you-mean.ts';
import { DEFAULT_TOLERANCE, type CaseSpec, type ModelSpec } from './types.ts';
import { parseVersionRange } from './version-range.ts';

/** Files in cases/ that are not cases. */
const NOT_CASES = new Set(['_template.yaml', 'tags.yaml']);

/** A parsed YAML document plus the means to turn a JSON path into a line number. */
export interface SourceDocument {
  file: string;
  value: unknown;
  lineOf(pathSegments: (string | number)[]): number | undefined;
}

/** Parse YAML, reporting syntax errors as issues (with lines) rather than throwing. */
export async function readYamlDocument(file: string): Promise<{ document: SourceDocument; issues: ValidationIssue[] }> {
  const text = await readFile(file, 'utf8');
  const lineCounter = new LineCounter();
  const parsed: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: ValidationIssue[] = parsed.errors.map((error) => ({
    code: 'YAML_SYNTAX',
    path: '',
    message: error.message.split('\n')[0] ?? error.message,
    file,
    line: lineCounter.linePos(error.pos[0]).line,
  }));
  const lineOf = (segments: (string | number)[]): number | undefined => {
    // Walk up to the deepest node that exists, so "missing key" issues point at their parent.
    for (let depth = segments.length; depth >= 0; depth--) {
      const node = parsed.getIn(segments.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  return { document: { file, value: parsed.toJS({ maxAliasCount: 100 }), lineOf }, issues };
}

let caseValidator: ValidateFunction | undefined;
let tagVocabulary: Set<string> | undefined;

async function loadCaseValidator(): Promise<ValidateFunction> {
  if (!caseValidator) {
    const schema = JSON.parse(await readFile(path.join(CASES_DIR, 'case.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
    caseValidator = ajv.compile(schema);
  }
  return caseValidator;
}

async function loadTagVocabulary(): Promise<Set<string>> {
  if (!tagVocabulary) {
    const text = await readFile(path.join(CASES_DIR, 'tags.yaml'), 'utf8');
    tagVocabulary = new Set(Object.keys((parseDocument(text).toJS() ?? {}) as Record<string, string>));
  }
  return tagVocabulary;
}

/** Turn an Ajv error into our issue shape, with the offending value quoted. */
export function issueFromSchemaError(error: ErrorObject, document: SourceDocument): ValidationIssue {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
  let message = error.message ?? 'is invalid';
  let code = `SCHEMA_${error.keyword.toUpperCase()}`;
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    segments.push(extra);
    code = 'UNKNOWN_KEY';
    const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
    message = `unknown key "${extra}"${didYouMean(extra, known)}${known.length > 0 ? `; expected one of ${known.join(', ')}` : ''}`;
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    const received = valueAt(document.value, segments);
    const hint =
      typeof received === 'string'
        ? didYouMean(
            received,
            allowed.filter((value): value is string => typeof value === 'string'),
          )
        : '';
    message = `expected one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}, received ${JSON.stringify(received)}${hint}`;
  } else if (error.keyword === 'required') {
    message = `missing required key "${(error.params as { missingProperty: string }).missingProperty}"`;
  } else if (error.keyword === 'type' || error.keyword === 'pattern' || error.keyword === 'minimum') {
    message = `${message}, received ${JSON.stringify(valueAt(document.value, segments))}`;
  }
  return { code, path: formatPath(segments), message, file: document.file, line: document.lineOf(segments) };
}

function valueAt(root: unknown, segments: (string | number)[]): unknown {
  let value: unknown = root;
  for (const segment of segments) value = (value as Record<string | number, unknown> | undefined)?.[segment];
  return value;
}

export function formatPath(segments: (string | number)[]): string {
  return segments.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}

function unknownTagMessage(tag: string, tags: Set<string>): string {
  return `unknown tag "${tag}"${didYouMean(tag, tags)}: add it to cases/tags.yaml or use one of ${[...tags].slice(0, 8).join(', ')}, …`;
}

/** Vocabulary checks that need no valid schema, so a file's unknown keys and unknown tags are reported in one pass. */
function checkTags(document: SourceDocument, tags: Set<string>): ValidationIssue[] {
  const value = document.value as { tags?: unknown } | null;
  if (!value || !Array.isArray(value.tags)) return [];
  return value.tags.flatMap((tag, index) =>
    typeof tag === 'string' && !tags.has(tag)
      ? [
          {
            code: 'UNKNOWN_TAG',
            path: formatPath(['tags', index]),
            message: unknownTagMessage(tag, tags),
            file: document.file,
            line: document.lineOf(['tags', index]),
          },
        ]
      : [],
  );
}

/** Checks the schema cannot express: vocabulary, names that must refer to each other, shapes that must agree. */
function checkCaseSemantics(spec: CaseSpec, document: SourceDocument, tags: Set<string>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (code: string, segments: (string | number)[], message: string) =>
    issues.push({ code, path: formatPath(segments), message, file: document.file, line: document.lineOf(segments) });

  const expectedId = path.basename(document.file, path.extname(document.file));
  if (spec.id !== expectedId) add('ID_FILE_MISMATCH', ['id'], `id must equal the file name: expected "${expectedId}", received "${spec.id}"`);
  spec.tags.forEach((tag, index) => {
    if (!tags.has(tag)) add('UNKNOWN_TAG', ['tags', index], unknownTagMessage(tag, tags));
  });

  const inputNames = spec.inputs.map((input) => input.name);
  inputNames.forEach((name, index) => {
    if (inputNames.indexOf(name) !== index) add('DUPLICATE_NAME', ['inputs', index, 'name'], `input name "${name}" is used twice`);
  });
  spec.inputs.forEach((input, index) => {
    if (input.range[0] >= input.range[1])
      add('EMPTY_RANGE', ['inputs', index, 'range'], `range must be [low, high) with low < high, received ${JSON.stringify(input.range)}`);
  });

  for (const key of ['keras', 'tensorflow'] as const) {
    const range = spec.requires?.[key];
    if (range !== undefined && parseVersionRange(range) === null)
      add(
        'REQUIRES_RANGE_INVALID',
        ['requires', key],
        `requires.${key}: expected a version range like ">=3", "<3" or ">=3.1 <3.9" (npm semver), received ${JSON.stringify(range)}`,
      );
  }

  checkModelAgainstInputs(spec.model, spec, add);
  return issues;
}

function checkModelAgainstInputs(model: ModelSpec, spec: CaseSpec, add: (code: string, segments: (string | number)[], message: string) => void): void {
  if ('sequential' in model) {
    const { input } = model.sequential;
    if (spec.inputs.length !== 1) add('INPUT_COUNT', ['inputs'], `a sequential model has one input, received ${spec.inputs.length}`);
    const caseInput = spec.inputs[0];
    if (caseInput && caseInput.shape.length !== input.shape.length + 1) {
      add(
        'INPUT_RANK',
        ['inputs', 0, 'shape'],
        `expected rank ${input.shape.length + 1} (batch + model input shape ${JSON.stringify(input.shape)}), received ${JSON.stringify(caseInput.shape)}`,
      );
    }
  } else if ('functional' in model) {
    const { inputs, layers, outputs } = model.functional;
    const known = new Set<string>();
    inputs.forEach((input, index) => {
      known.add(input.name);
      const caseInput = spec.inputs.find((candidate) => candidate.name === input.name);
      if (!caseInput)
        add(
          'INPUT_UNMATCHED',
          ['model', 'functional', 'inputs', index, 'name'],
          `model input "${input.name}" has no entry in inputs (have ${spec.inputs.map((i) => i.name).join(', ')})`,
        );
      else if (caseInput.shape.length !== input.shape.length + 1) {
        add(
          'INPUT_RANK',
          ['model', 'functional', 'inputs', index, 'shape'],
          `inputs.${input.name} has rank ${caseInput.shape.length}, expected ${input.shape.length + 1} (batch + ${JSON.stringify(input.shape)})`,
        );
      }
    });
    spec.inputs.forEach((input, index) => {
      if (!inputs.some((candidate) => candidate.name === input.name))
        add('INPUT_UNMATCHED', ['inputs', index, 'name'], `input "${input.name}" is not a model input (model inputs: ${inputs.map((i) => i.name).join(', ')})`);
    });
    layers.forEach((layer, index) => {
      if (known.has(layer.name))
        add('DUPLICATE_NAME', ['model', 'functional', 'layers', index, 'name'], `name "${layer.name}" is already used by an input or an earlier layer`);
      layer.call.forEach((source, callIndex) => {
        if (!known.has(source))
          add('UNKNOWN_TENSOR', ['model', 'functional', 'layers', index, 'call', callIndex], `"${source}" is not an input or an earlier layer`);
      });
      known.add(layer.name);
    });
    outputs.forEach((output, index) => {
      if (!known.has(output)) add('UNKNOWN_TENSOR', ['model', 'functional', 'outputs', index], `output "${output}" is not an input or a layer`);
    });
    if (spec.outputs && spec.outputs.length !== outputs.length) {
      add('OUTPUT_COUNT', ['outputs'], `expected ${outputs.length} output names (the model has ${outputs.length} outputs), received ${spec.outputs.length}`);
    }
  }
}

/** Validate and normalise one parsed case document; collects every issue. */
export async function validateCase(document: SourceDocument, syntaxIssues: ValidationIssue[] = []): Promise<CaseSpec> {
  if (syntaxIssues.length > 0) throw new CaseValidationError(document.file, syntaxIssues);
  const validate = await loadCaseValidator();
  const value = structuredClone(document.value) as Record<string, unknown> | null;
  if (!validate(value)) {
    const issues = (validate.errors ?? []).map((error) => issueFromSchemaError(error, document));
    throw new CaseValidationError(
      document.file,
      [...issues, ...checkTags(document, await loadTagVocabulary())].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  }
  const raw = value as unknown as Omit<CaseSpec, 'file'>;
  const spec: CaseSpec = {
    ...raw,
    tolerance: {
      default: { ...DEFAULT_TOLERANCE, ...raw.tolerance?.default },
      runtimes: raw.tolerance?.runtimes ?? {},
      formats: raw.tolerance?.formats ?? {},
    },
    file: document.file,
  };
  const issues = checkCaseSemantics(spec, document, await loadTagVocabulary());
  if (issues.length > 0) throw new CaseValidationError(document.file, issues);
  return spec;
}

export async function loadCaseFile(file: string): Promise<CaseSpec> {
  const { document, issues } = await readYamlDocument(file);
  return validateCase(document, issues);
}

export interface LoadedCases {
  cases: CaseSpec[];
  /** One error per invalid case file; the valid ones still load. */
  errors: CaseValidationError[];
}

/** Load every case file in a folder. Invalid files are reported, never fatal to the others. */
export async function loadCases(directory: string = CASES_DIR): Promise<LoadedCases> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.yaml') && !NOT_CASES.has(name)).sort();
  const cases: CaseSpec[] = [];
  const errors: CaseValidationError[] = [];
  for (const name of names) {
    try {
      cases.push(await loadCaseFile(path.join(directory, name)));
    } catch (error) {
      if (error instanceof CaseValidationError) errors.push(error);
      else throw error;
    }
  }
  return { cases, errors };
}

/**
 * The case as the generator receives it (DEVELOPERS.md, "Normalized case"): no local paths, and no `requires` (the
 * harness decides where a case is made; what is made, and so the input hash, does not depend on it).
 */
export function toGeneratorCase(spec: CaseSpec): Omit<CaseSpec, 'file' | 'requires'> {
  const { file: _file, requires: _requires, ...rest } = spec;
  return rest;
}
