import type { ContractWhatIfOptions, ContractWhatIfReport } from './contract-what-if';
import type { WhatIfOptions, WhatIfReport } from './what-if';

// What the API knows of the what-if runner: no Temporal worker or test server code is loaded by
// importing this (the runner itself is made by the process that serves the API).

/** What the API asks of a what-if of customers: the tenant, the candidate, the sample and the horizon. */
export type WhatIfRequest = Pick<WhatIfOptions, 'tenantId' | 'candidate' | 'sample' | 'horizonDays' | 'replyWindowMs'>;

/** The same of contracts, with a b2b candidate. */
export type ContractWhatIfRequest = Pick<ContractWhatIfOptions, 'tenantId' | 'candidate' | 'sample' | 'horizonDays' | 'replyWindowMs'>;

export interface WhatIfRunner {
  run(request: WhatIfRequest): Promise<WhatIfReport>;
  runContracts(request: ContractWhatIfRequest): Promise<ContractWhatIfReport>;
  /** A simulation is running: each takes a time-skipping server and a worker, so one at a time. */
  busy(): boolean;
}

export type { ContractWhatIfReport, WhatIfReport };

/** Another simulation holds this process's runner. */
export class WhatIfBusy extends Error {}
