import type { PageSection } from '../context.ts';
import { el, swatch } from '../dom.ts';

/** Totals by verdict: the chips double as the legend and as a verdict filter; a bar shows the proportions. */
export const renderSummary: PageSection = ({ data, filters }) => {
  const totals = el('div', { class: 'totals', id: 'totals', 'aria-label': 'totals by verdict (click to filter)' });
  const bar = el('div', { class: 'bar', id: 'bar', 'aria-hidden': 'true' });
  const total = data.checks.length || 1;
  const chips = data.verdicts.map((verdict) => {
    const count = data.counts[verdict];
    const style = data.styles[verdict];
    const chip = el(
      'button',
      {
        type: 'button',
        class: count ? 'chip' : 'chip zero',
        'data-verdict': verdict,
        'aria-pressed': 'false',
        title: style.label,
        on: { click: () => filters.set('verdict', filters.state.verdict === verdict ? '' : verdict) },
      },
      [swatch(style), `${verdict} `, el('b', { text: String(count) })],
    );
    totals.appendChild(chip);
    if (count) bar.appendChild(el('span', { title: `${verdict}: ${count}`, style: `width:${(100 * count) / total}%;background:${style.color}` }));
    return chip;
  });
  filters.listen((state) => {
    for (const chip of chips) chip.setAttribute('aria-pressed', String(chip.getAttribute('data-verdict') === state.verdict));
  });
  return el('section', { class: 'summary' }, [totals, bar]);
};
