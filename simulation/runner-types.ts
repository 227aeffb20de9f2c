import type { WhatIfOptions, WhatIfReport } from './what-if';

// What the API knows of the what-if runner: no Temporal worker or test server code is loaded by
// importing this (the runner itself is made by the process that serves the API).

/** What the API asks of a what-if: the tenant, the candidate, the sample and the horizon. */
export type WhatIfRequest = Pick<WhatIfOptions, 'tenantId' | 'candidate' | 'sample' | 'horizonDays' | 'replyWindowMs'>;

export interface WhatIfRunner {
  run(request: WhatIfRequest): Promise<WhatIfReport>;
  /** A simulation is running: each takes a time-skipping server and a worker, so one at a time. */
  busy(): boolean;
}

export type { WhatIfReport };

/** Another simulation holds this process's runner. */
export class WhatIfBusy extends Error {}
