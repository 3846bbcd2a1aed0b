/** Where a run ran: the versions and machine facts reports show next to each check (no Node import, so the HTML page's script shares it). */
export interface Provenance {
  node: string;
  platform: string;
  cpus: number;
  runtimes: Record<string, Record<string, string> | { error: string }>;
  tfjsNodeBinding?: { tensorflowVersion: string; libtensorflow: string; nodeAbi: string };
  workerPool: { processes: number; timeoutSeconds: number };
  oneDnn: string;
  /** Python-side versions per environment, as the golden manifests record them. */
  environments: Record<string, Record<string, string | null>>;
}
