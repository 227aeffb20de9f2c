import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { RequestHandler } from 'express';
import { whenRequestDone } from './request-outcome';

type Labels = 'method' | 'route' | 'status';

/**
 * Request counts and latency by route pattern and status, plus Node's process metrics, on a
 * registry of this app's own: prom-client's global registry would make a second app in the same
 * process (every test file builds one) fail with "metric already registered".
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<Labels>;
  private readonly duration: Histogram<Labels>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'revloop_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'revloop_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to handing the last byte of its response to the socket.',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  middleware(): RequestHandler {
    return whenRequestDone((outcome) => {
      const labels = { method: outcome.method, route: outcome.route, status: String(outcome.status) };
      this.requests.inc(labels);
      this.duration.observe(labels, outcome.durationMs / 1000);
    });
  }

  /**
   * The exposition text for `GET /metrics`, followed by another exporter's (the Temporal SDK's
   * when the worker runs in this process). A scrape must not fail because that exporter did: its
   * part is then replaced by a comment saying why.
   */
  async exposition(extra?: () => Promise<string>): Promise<string> {
    const own = await this.registry.metrics();
    if (!extra) return own;
    let text: string;
    try {
      text = await extra();
    } catch (error) {
      return `${ensureNewline(own)}# ${oneLine(`Temporal SDK metrics unavailable: ${(error as Error).message}`)}\n`;
    }
    return appendExposition(own, text);
  }
}

/**
 * Appends `extra` to `own`, leaving out every metric family `own` already has: Prometheus rejects a
 * scrape that declares a family twice, and two exporters in one process may both report, say,
 * process CPU time.
 */
export function appendExposition(own: string, extra: string): string {
  const taken = new Set(familiesOf(own).map((f) => f.name));
  taken.delete(COMMENTS);
  const offered = familiesOf(extra);
  const kept = offered.filter((f) => !taken.has(f.name));
  const dropped = offered.length - kept.length;
  const note = dropped ? `# ${dropped} metric families from the Temporal SDK left out: already reported above\n` : '';
  return ensureNewline(own) + note + kept.map((f) => f.lines.join('\n') + '\n').join('');
}

/** The name of the block of plain comments at the top of a text, which is no metric family. */
const COMMENTS = '';

interface Family {
  name: string;
  lines: string[];
}

/**
 * Splits Prometheus text into metric families. A family starts at its `# HELP` or `# TYPE` line and
 * holds the samples named after it (histograms add `_bucket`, `_sum` and `_count`); a sample with no
 * declaration is a family of its own.
 */
function familiesOf(text: string): Family[] {
  const families: Family[] = [];
  let current: Family | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const declared = /^#\s+(?:HELP|TYPE)\s+(\S+)/.exec(line)?.[1];
    const sample = line.startsWith('#') ? undefined : /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line)?.[1];
    const name = declared ?? sample;
    if (name !== undefined && !(current && (name === current.name || (sample !== undefined && sample.startsWith(`${current.name}_`))))) {
      current = { name, lines: [] };
      families.push(current);
    }
    // Plain comments stay with the family they sit in; one before any family starts its own block.
    if (!current) {
      current = { name: COMMENTS, lines: [] };
      families.push(current);
    }
    current.lines.push(line);
  }
  return families;
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
