/** The details panel: everything known about one check, and the command that reproduces it. */
import type { Provenance } from '../../results/provenance.ts';
import type { HtmlReportData, PageCheck } from './data.ts';
import { append, type Child, definitions, el, pre, titled, verdictColors } from './dom.ts';

/** The panel's element and the two things the page does with it. */
export interface DetailsPanel {
  element: HTMLElement;
  show(check: PageCheck): void;
  hide(): void;
}

/** The panel, hidden until a check is shown; Escape closes it. */
export function createDetailsPanel(data: HtmlReportData): DetailsPanel {
  const element = el('aside', { id: 'details', class: 'hidden', 'aria-live': 'polite' });
  let selected: Element | null = null;
  const hide = () => {
    element.classList.add('hidden');
    selected?.classList.remove('selected');
    selected = null;
  };
  const show = (check: PageCheck) => {
    selected?.classList.remove('selected');
    selected = document.querySelector(`#matrix .cell[data-key="${CSS.escape(check.key)}"]`);
    selected?.classList.add('selected');
    element.replaceChildren(el('button', { type: 'button', class: 'close', title: 'close (Esc)', 'aria-label': 'close', text: '×', on: { click: hide } }));
    append(element, describeCheck(check, data));
    element.classList.remove('hidden');
    element.setAttribute('data-key', check.key);
  };
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') hide();
  });
  return { element, show, hide };
}

function describeCheck(check: PageCheck, data: HtmlReportData): Child[] {
  const style = data.styles[check.verdict];
  const change = check.change;
  const magnitude = check.magnitude === undefined ? '' : ` (max abs diff ${check.magnitude})`;
  const children: Child[] = [
    el('h2', { text: check.case }),
    el('div', {}, [
      el('span', { class: 'badge', 'data-verdict': check.verdict, style: verdictColors(style), text: `${style.glyph} ${check.verdict}` }),
      ' ',
      `${check.format} × ${check.runtime} · ${check.environment} · ${(check.seconds || 0).toFixed(2)} s`,
      check.actual && check.actual !== check.verdict && el('div', { text: `actual verdict before expectations: ${check.actual}` }),
      check.classification && el('div', { class: 'classification', text: `triage: ${check.classification}${magnitude}` }),
      change && el('div', { text: change.kind === 'added' ? 'new since the previous run' : `${change.kind} since the previous run (was ${change.before})` }),
    ]),
  ];
  const description = data.rows.find((row) => row.case === check.case)?.description;
  if (description) children.push(el('div', { class: 'sub', text: description }));
  if (check.error) {
    const { code, name, file, message, details } = check.error;
    const facts = definitions({ code, name, phase: check.phase ?? check.error.phase, file });
    children.push(...titled('error', el('div', {}, [facts, pre(message, { class: 'error-message' }), details && pre(JSON.stringify(details, null, 2))])));
  } else if (check.phase) {
    children.push(...titled('phase', el('div', { text: check.phase })));
  }
  if (check.reason) {
    const title = check.verdict === 'expected-failure' || check.verdict === 'unexpected-pass' ? 'expectation' : 'reason';
    children.push(...titled(title, pre(check.reason, { class: 'reason' })));
  }
  for (const output of check.outputs ?? []) {
    const facts = {
      pass: output.pass,
      kind: output.kind,
      maxAbsDiff: output.maxAbsDiff,
      maxRelDiff: output.maxRelDiff,
      mismatched: output.mismatched === undefined ? undefined : `${output.mismatched} / ${output.total}`,
      coercion: output.coercion,
    };
    const report = output.report && pre(output.report, { class: 'mismatch-report' });
    children.push(...titled(`output ${output.output}`, el('div', {}, [definitions(facts), report])));
  }
  if (check.coercions?.length) children.push(...titled('coercions', pre(check.coercions.join('\n'))));
  children.push(...titled('settings', definitions(check.settings)));
  children.push(...titled('versions', definitions(versionsOf(check, data.provenance))));
  const command = `npx keras-roundtrip repro ${check.case} --runtime ${check.runtime} --format ${check.format} --env ${check.environment}`;
  const copy = el('button', {
    type: 'button',
    text: 'copy',
    on: {
      click: () => {
        navigator.clipboard?.writeText(command).then(
          () => {
            copy.textContent = 'copied';
          },
          () => {},
        );
      },
    },
  });
  children.push(...titled('reproduce', el('div', { class: 'repro' }, [pre(command, { class: 'repro-command' }), copy])));
  return children;
}

/** The versions behind one check: its writing environment's Python side, its runtime's packages, the tfjs-node binding, Node. */
function versionsOf(check: PageCheck, provenance: Provenance | undefined): Record<string, unknown> {
  const versions: Record<string, unknown> = { ...provenance?.environments?.[check.environment] };
  for (const [name, version] of Object.entries(provenance?.runtimes?.[check.runtime] ?? {})) versions[`${check.runtime}: ${name}`] = version;
  const binding = provenance?.tfjsNodeBinding;
  if (check.runtime.startsWith('tfjs-node') && binding) versions['tfjs-node binding'] = `${binding.tensorflowVersion} (${binding.nodeAbi})`;
  versions.node = provenance?.node;
  versions.platform = provenance?.platform;
  return versions;
}
