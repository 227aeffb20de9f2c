/**
 * Ids chosen by clients (customers, jobs, invoices, events) become parts of workflow ids such as
 * `customer:{tenant}:{customerId}`, so they may not contain the `:` separator or whitespace
 * (the `ClientId` schema in `values.ts`).
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function customerWorkflowId(tenantId: string, customerId: string): string {
  return `customer:${tenantId}:${customerId}`;
}

/** Who an invoice (or its workflow) belongs to. */
export interface SubjectRef {
  type: 'customer' | 'contract';
  id: string;
}

/**
 * A job's workflow. Job, invoice and event ids are the sender's and belong to the customer they
 * were sent for (two customers may both have a `job-1`), so the customer is part of the id.
 */
export function jobWorkflowId(tenantId: string, customerId: string, jobId: string): string {
  return `job:${tenantId}:${customerId}:${jobId}`;
}

export function contractWorkflowId(tenantId: string, contractId: string): string {
  return `contract:${tenantId}:${contractId}`;
}

/** An invoice's workflow, under the customer or contract it bills. */
export function invoiceWorkflowId(tenantId: string, subject: SubjectRef, invoiceId: string): string {
  return `invoice:${tenantId}:${subject.type}:${subject.id}:${invoiceId}`;
}

/**
 * How runs from before committed steps named their children, by tenant alone (so one customer's
 * `job-1` could meet another's). Their children keep these ids until they close.
 */
export const legacyChildWorkflowIds = {
  job: (tenantId: string, jobId: string) => `job:${tenantId}:${jobId}`,
  invoice: (tenantId: string, invoiceId: string) => `invoice:${tenantId}:${invoiceId}`,
};

/** The invoice a completed job issues: the one its `job.completed` names, else `inv-{jobId}`. */
export function invoiceIdForJob(completed: { jobId: string; invoiceId?: string | undefined }): string {
  return completed.invoiceId ?? `inv-${completed.jobId}`;
}
