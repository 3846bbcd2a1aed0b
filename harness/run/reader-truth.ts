import type { FormatName } from '../cases/types.ts';
import { readerOfFormat } from '../formats/registry.ts';
import type { ArtifactContents, TruthFile } from '../formats/types.ts';

export type { TruthFile } from '../formats/types.ts';

/**
 * Every difference between a reader's contents and the truth file Python wrote, one line each. The sections and how
 * each is compared are the format's own (`ArtifactReader.truth`); a section no comparison covers is itself a difference.
 */
export function compareWithTruth(format: FormatName, contents: ArtifactContents, truth: TruthFile, truthFile: string): string[] {
  const comparisons = readerOfFormat(format)?.truth ?? {};
  const problems: string[] = [];
  for (const [section, expected] of Object.entries(truth)) {
    const compare = comparisons[section];
    if (!compare) {
      problems.push(
        `${truthFile}: section "${section}" is not compared by the ${format} reader check (expected one of ${Object.keys(comparisons).join(', ')})`,
      );
      continue;
    }
    problems.push(...compare(expected, contents, truth));
  }
  return problems;
}
