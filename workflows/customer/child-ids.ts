import { invoiceWorkflowId, jobWorkflowId, legacyChildWorkflowIds } from '../../domain/ids';
import type { Relationship } from './relationship';

// The workflow ids of a customer's jobs and invoices: the id one was started under (remembered
// with it), or the id it would be started under. Ids belong to their customer since committed steps.

/** The id a new job workflow of this customer is started under. */
export function newJobWorkflowId(r: Relationship, jobId: string): string {
  return r.writes === 'committed' ? jobWorkflowId(r.input.tenantId, r.input.customerId, jobId) : legacyChildWorkflowIds.job(r.input.tenantId, jobId);
}

/** The id a new invoice workflow of this customer is started under. */
export function newInvoiceWorkflowId(r: Relationship, invoiceId: string): string {
  return r.writes === 'committed' ? invoiceWorkflowId(r.input.tenantId, { type: 'customer', id: r.input.customerId }, invoiceId) : legacyChildWorkflowIds.invoice(r.input.tenantId, invoiceId);
}

export function jobWorkflowIdOf(r: Relationship, jobId: string): string {
  const open = r.memory.jobs.find((j) => j.jobId === jobId);
  if (open) return open.workflowId ?? legacyChildWorkflowIds.job(r.input.tenantId, jobId);
  return newJobWorkflowId(r, jobId);
}

export function invoiceWorkflowIdOf(r: Relationship, invoiceId: string): string {
  const open = r.memory.invoices.find((i) => i.invoiceId === invoiceId);
  if (open) return open.workflowId ?? legacyChildWorkflowIds.invoice(r.input.tenantId, invoiceId);
  return newInvoiceWorkflowId(r, invoiceId);
}
