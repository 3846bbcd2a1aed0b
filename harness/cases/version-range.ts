import semver from 'semver';

/**
 * A version range as `semver` reads it, npm-style (`>=3`, `<3`, `>=3.1 <3.9`, `3.x`), which case `requires` and
 * expectations share; `requires` also keeps its earlier comma-separated comparators (`>=2.13,<3`, `==2.15.*`), the
 * commas read as "and". Null when the text is neither.
 */
export function parseVersionRange(text: string): string | null {
  const direct = semver.validRange(text);
  if (direct !== null) return direct;
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length < 2 && !/\.\*$/.test(text.trim())) return null;
  return semver.validRange(parts.map((part) => part.replace(/^==\s*/, '=').replace(/\.\*$/, '.x')).join(' '));
}

/** Whether `version` (a Python release such as 3.15.1, 2.16.0rc0 is read as 2.16.0) lies in `range`; a range that is none throws. */
export function satisfiesVersionRange(version: string, range: string): boolean {
  const parsed = parseVersionRange(range);
  if (parsed === null) throw new Error(`version range "${range}": expected a range like ">=3", "<3" or ">=3.1 <3.9"`);
  const comparable = semver.valid(version) ?? semver.coerce(version)?.version ?? null;
  return comparable !== null && semver.satisfies(comparable, parsed);
}
