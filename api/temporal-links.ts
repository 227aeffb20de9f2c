import { contractWorkflowId, customerWorkflowId } from '../domain/ids';
import type { ApiConfig } from './dependencies';

/** A deep link to one workflow in the Temporal UI, for ops staff following a resource. */
export function temporalUiLink(config: ApiConfig, workflowId: string): string {
  return `${config.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** A customer's or contract's own resource and its workflow's Temporal UI page. */
export function subjectLinks(config: ApiConfig, tenantId: string, type: 'customer' | 'contract', id: string): { self: string; temporalUi: string; workflowId: string } {
  const workflowId = type === 'customer' ? customerWorkflowId(tenantId, id) : contractWorkflowId(tenantId, id);
  return { self: `/v1/${type === 'customer' ? 'customers' : 'contracts'}/${encodeURIComponent(id)}`, temporalUi: temporalUiLink(config, workflowId), workflowId };
}
