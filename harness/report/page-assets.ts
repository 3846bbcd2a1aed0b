/** The report page's script and style, made once per process: esbuild bundles page/main.ts and page/page.css. */
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { RoundtripError } from '../errors.ts';

export interface PageAssets {
  /** One classic script (an IIFE), safe to inline in a `<script>` element. */
  script: string;
  style: string;
}

const PAGE_SCRIPT = fileURLToPath(new URL('./page/main.ts', import.meta.url));
const PAGE_STYLE = fileURLToPath(new URL('./page/page.css', import.meta.url));

let cached: PageAssets | undefined;

/** The page's script and style; the first call bundles (tens of milliseconds, the first esbuild call of a process), later ones reuse it. */
export function pageAssets(): PageAssets {
  cached ??= bundlePage();
  return cached;
}

function bundlePage(): PageAssets {
  let outputs: { path: string; text: string }[];
  try {
    outputs = buildSync({
      entryPoints: [PAGE_SCRIPT, PAGE_STYLE],
      bundle: true,
      write: false,
      outdir: 'page',
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      charset: 'utf8',
      legalComments: 'none',
      // Whitespace and syntax only: identifiers keep their names, so an error in a user's browser still reads.
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: 'silent',
      // The page's own settings, not whatever tsconfig.json sits above an installed copy of this package.
      tsconfigRaw: {},
    }).outputFiles;
  } catch (cause) {
    throw new RoundtripError('REPORT_PAGE_BUILD', `${PAGE_SCRIPT}: cannot bundle the report page (${(cause as Error).message})`, {
      file: PAGE_SCRIPT,
      phase: 'report',
      cause,
    });
  }
  const output = (extension: string) => {
    const file = outputs.find((candidate) => candidate.path.endsWith(extension));
    if (!file)
      throw new RoundtripError('REPORT_PAGE_BUILD', `${PAGE_SCRIPT}: esbuild wrote no ${extension} file, expected one`, { file: PAGE_SCRIPT, phase: 'report' });
    return file.text;
  };
  const script = output('.js');
  // Either would end or confuse the inline <script> element; esbuild escapes both in strings, so this guards that guarantee.
  const unsafe = /<\/script|<!--/i.exec(script);
  if (unsafe)
    throw new RoundtripError('REPORT_PAGE_BUILD', `${PAGE_SCRIPT}: the bundled script holds ${unsafe[0]}, expected none`, {
      file: PAGE_SCRIPT,
      phase: 'report',
    });
  return { script, style: output('.css') };
}
