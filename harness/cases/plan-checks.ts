import { isReadableFormat } from '../formats/definitions.ts';
import { WORKER_RUNTIMES, formatsOfRuntime } from '../runtimes/definitions.ts';
import type { CaseSpec, FormatName, RuntimeName } from './types.ts';

/** One planned check: which case, artifact and runtime. */
export interface PlannedCheck {
  environment: string;
  spec: CaseSpec;
  format: FormatName;
  runtime: RuntimeName;
}

/** Every check a case implies: Python's reload, the TS reader where one exists, every runtime accepting the format. */
export function planChecks(spec: CaseSpec, environment: string): PlannedCheck[] {
  const planned: PlannedCheck[] = [];
  for (const format of spec.formats) {
    planned.push({ environment, spec, format, runtime: 'python' });
    if (isReadableFormat(format)) planned.push({ environment, spec, format, runtime: 'reader' });
    for (const runtime of WORKER_RUNTIMES) if (formatsOfRuntime(runtime).includes(format)) planned.push({ environment, spec, format, runtime });
  }
  return planned;
}
