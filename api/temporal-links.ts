import type { ApiConfig } from './dependencies';

/** A deep link to one workflow in the Temporal UI, for ops staff following a resource. */
export function temporalUiLink(config: ApiConfig, workflowId: string): string {
  return `${config.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
