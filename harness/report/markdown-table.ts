/** Markdown tables that stay tables whatever the text: pipes, backslashes, newlines and `<` escaped. */

// GitHub renders HTML inside Markdown, so `<` is escaped too: a reason must never become markup.
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

export function markdownRow(cells: string[]): string {
  return `| ${cells.map(markdownCell).join(' | ')} |`;
}

export function markdownTable(header: string[], rows: string[][]): string[] {
  return [markdownRow(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(markdownRow)];
}
