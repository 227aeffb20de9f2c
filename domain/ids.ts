import { z } from 'zod';

/**
 * Ids chosen by clients (customers, jobs, invoices, events) become parts of workflow ids such as
 * `customer:{tenant}:{customerId}`, so they may not contain the `:` separator or whitespace.
 */
export const ClientId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit');

export const TenantId = ClientId;

export function customerWorkflowId(tenantId: string, customerId: string): string {
  return `customer:${tenantId}:${customerId}`;
}

export function jobWorkflowId(tenantId: string, jobId: string): string {
  return `job:${tenantId}:${jobId}`;
}

export function contractWorkflowId(tenantId: string, contractId: string): string {
  return `contract:${tenantId}:${contractId}`;
}

export function invoiceWorkflowId(tenantId: string, invoiceId: string): string {
  return `invoice:${tenantId}:${invoiceId}`;
}
