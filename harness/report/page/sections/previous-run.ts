import type { PageSection } from '../context.ts';
import { el } from '../dom.ts';

/** Longest list a fold shows, so a run that changed everything still renders quickly. */
const FOLD_LIMIT = 200;

/** Changes since the previous run: regressions stay open, the rest fold away so a long list of fixes does not push the matrix down. */
export const renderPreviousRun: PageSection = ({ data, checks, showDetails }) => {
  const previous = data.previous;
  if (!previous) return null;
  const link = (key: string) => el('a', { text: key, on: { click: () => showDetails(key) } });
  const fold = (title: string, items: HTMLLIElement[], open: boolean) => {
    if (items.length === 0) return null;
    return el('details', open ? { open: '' } : {}, [el('summary', { text: `${title} (${items.length})` }), el('ul', {}, items.slice(0, FOLD_LIMIT))]);
  };
  const list = (title: string, keys: readonly string[], open: boolean) =>
    fold(
      title,
      keys.map((key) => {
        const check = checks.get(key);
        return el('li', {}, [link(key), check?.change?.before ? `: ${check.change.before} → ${check.verdict}` : '']);
      }),
      open,
    );
  const number = (value: number | undefined) => (value === undefined ? '?' : value.toPrecision(3));
  const headline =
    `Since the previous run (${previous.startedAt}): ${previous.regressions.length} regression(s), ${previous.fixes.length} fix(es), ` +
    `${previous.changed.length} other change(s), ${previous.added.length} new, ${previous.removed.length} removed, ` +
    `${previous.magnitudes.length} mismatch magnitude change(s).`;
  return el('div', { class: previous.regressions.length ? 'diff bad' : 'diff', id: 'diff' }, [
    el('div', { text: headline }),
    list('regressions', previous.regressions, true),
    list('fixes', previous.fixes, false),
    list('other verdict changes', previous.changed, false),
    list('new checks', previous.added, false),
    fold(
      'removed checks',
      previous.removed.map((entry) => el('li', { text: `${entry.key} (was ${entry.verdict})` })),
      false,
    ),
    fold(
      'mismatch magnitude changes',
      previous.magnitudes.map((entry) => el('li', {}, [link(entry.key), ` ${entry.output}: max abs diff ${number(entry.before)} → ${number(entry.after)}`])),
      false,
    ),
  ]);
};
