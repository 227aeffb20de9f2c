import { electrical } from './electrical';
import { homeService } from './home-service';
import { hvac } from './hvac';
import { plumbing } from './plumbing';
import { z } from 'zod';
import { B2BPlaybook } from './b2b-schema';
import { saasSubscription } from './saas-subscription';
import { HomeServicePlaybook, type ResolvedPlaybook } from './schema';

export * from './b2b-schema';
export * from './schema';
export { defaultContractTemplates, defaultTemplates } from './templates';

/** What `POST /v1/playbooks` takes: either kind, told apart by `kind`. */
export const AnyPlaybook = z.discriminatedUnion('kind', [HomeServicePlaybook, B2BPlaybook]);
export type AnyPlaybook = z.output<typeof AnyPlaybook>;
export type PlaybookKind = AnyPlaybook['kind'];

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

/** Built-in contract playbooks. */
export const builtinContractPlaybooks: readonly ResolvedPlaybook<B2BPlaybook>[] = [saasSubscription].map((p) => ({
  id: p.id,
  version: 1,
  owner: 'builtin',
  definition: B2BPlaybook.parse(p),
}));

export function findBuiltinContractPlaybook(id: string): ResolvedPlaybook<B2BPlaybook> | undefined {
  return builtinContractPlaybooks.find((p) => p.id === id);
}
