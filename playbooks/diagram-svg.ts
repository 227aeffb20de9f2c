import { instance, type Viz } from '@viz-js/viz';
import type { AnyPlaybook } from './index';
import { playbookDot } from './diagram';

/**
 * A playbook's lifecycle as SVG, rendered here with Graphviz compiled to WebAssembly
 * (@viz-js/viz): no browser, no network, the same picture on every machine. The renderer loads
 * once per process (about 60 ms) and is shared.
 */
let renderer: Promise<Viz> | undefined;

export async function playbookSvg(playbook: AnyPlaybook): Promise<string> {
  renderer ??= instance();
  const result = (await renderer).render(playbookDot(playbook), { format: 'svg' });
  if (result.status !== 'success') throw new Error(`diagram of ${playbook.id}: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.output;
}
