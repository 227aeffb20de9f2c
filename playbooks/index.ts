import { electrical } from './electrical';
import { homeService } from './home-service';
import { hvac } from './hvac';
import { plumbing } from './plumbing';
import { HomeServicePlaybook, type ResolvedPlaybook } from './schema';

export * from './schema';

/** Built-in playbooks, parsed once: a built-in that fails its own schema fails at import, in every test. */
export const builtinPlaybooks: readonly ResolvedPlaybook[] = [homeService, hvac, plumbing, electrical].map((p) => ({
  id: p.id,
  version: 1,
  owner: 'builtin',
  definition: HomeServicePlaybook.parse(p),
}));

export function findBuiltinPlaybook(id: string): ResolvedPlaybook | undefined {
  return builtinPlaybooks.find((p) => p.id === id);
}
