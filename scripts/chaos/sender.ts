/**
 * A client as a careful sender writes one: every event has its own id, and a delivery whose
 * outcome is unknown (connection refused or cut, 5xx, 429) is sent again with the same id, to
 * the other API process, until it is answered or its deadline passes. 4xx other than 429 is an
 * answer, and final.
 */
export interface Answer {
  status: number;
  body: any;
}

export interface SenderStats {
  /** Attempts that got no answer to rely on, by cause (`503`, `network`…), each then retried. */
  retried: Record<string, number>;
  /** The same by cause and the problem's title (`503 Workflow not answering`…): which 5xx they were. */
  retriedBy: Record<string, number>;
  attempts: number;
}

export class GaveUp extends Error {}

export class Sender {
  readonly stats: SenderStats = { retried: {}, retriedBy: {}, attempts: 0 };
  private tokens: number;
  private last = Date.now();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly apis: ReadonlyArray<{ url: string }>,
    private readonly key: string,
    private readonly ratePerSecond: number,
    private readonly concurrency: number,
    private readonly deadlineMs: number,
  ) {
    this.tokens = Math.min(ratePerSecond, 5);
  }

  post(path: string, body: unknown): Promise<Answer> {
    return this.send('POST', path, body);
  }

  get(path: string): Promise<Answer> {
    return this.send('GET', path, undefined);
  }

  private async send(method: string, path: string, body: unknown): Promise<Answer> {
    const deadline = Date.now() + this.deadlineMs;
    const first = Math.floor(Math.random() * this.apis.length);
    for (let attempt = 0; ; attempt++) {
      await this.admit();
      let outcome: Answer | string;
      try {
        outcome = await this.once(method, this.apis[(first + attempt) % this.apis.length]!.url + path, body);
      } finally {
        this.release();
      }
      if (typeof outcome !== 'string' && outcome.status < 500 && outcome.status !== 429) return outcome;
      const cause = typeof outcome === 'string' ? outcome : String(outcome.status);
      this.stats.retried[cause] = (this.stats.retried[cause] ?? 0) + 1;
      const title = typeof outcome === 'string' ? '' : ` ${String((outcome.body as { detail?: string } | undefined)?.detail ?? '').slice(0, 60)}`;
      this.stats.retriedBy[`${cause}${title}`] = (this.stats.retriedBy[`${cause}${title}`] ?? 0) + 1;
      if (Date.now() > deadline) {
        const detail = typeof outcome === 'string' ? '' : `: ${(outcome.body as { detail?: string } | undefined)?.detail ?? ''}`;
        throw new GaveUp(`${method} ${path}: no answer by the deadline (last: ${cause}${detail})`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 150 * 2 ** attempt) * (0.5 + Math.random())));
    }
  }

  private async once(method: string, url: string, body: unknown): Promise<Answer | string> {
    this.stats.attempts += 1;
    try {
      const response = await fetch(url, {
        method,
        headers: { Authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // The API answers 503 itself after 15 s; beyond that the process is frozen or gone.
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch (error) {
      const name = (error as Error).name === 'TimeoutError' ? 'client-timeout' : 'network';
      return name;
    }
  }

  /** A token bucket for the rate and a cap on requests in flight. */
  private async admit(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
      if (this.tokens >= 1 && this.inFlight < this.concurrency) {
        this.tokens -= 1;
        this.inFlight += 1;
        return;
      }
      if (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000)));
    }
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }
}
