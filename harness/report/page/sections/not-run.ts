import type { PageSection } from '../context.ts';
import { el } from '../dom.ts';

/** What could not run at all: generation errors and invalid case files. */
export const renderNotRun: PageSection = ({ data }) => {
  if (data.notRun.length === 0) return null;
  return el('div', { class: 'notrun', id: 'not-run' }, [
    el('b', { text: `not run (${data.notRun.length})` }),
    el(
      'ul',
      {},
      data.notRun.map((entry) => el('li', { text: `${entry.what}: ${entry.message}` })),
    ),
  ]);
};
