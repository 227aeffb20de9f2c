import { HomeServicePlaybook, findBuiltinPlaybook, type HomeServicePlaybookInput, type ResolvedPlaybook } from '../../playbooks';

type Overrides = { [K in keyof HomeServicePlaybookInput]?: HomeServicePlaybookInput[K] };

/** A built-in playbook with some settings changed, validated like any tenant playbook. */
export function testPlaybook(base: string, overrides: Overrides = {}, version = 1): ResolvedPlaybook {
  const builtin = findBuiltinPlaybook(base);
  if (!builtin) throw new Error(`no built-in playbook ${base}`);
  const definition = HomeServicePlaybook.parse({ ...builtin.definition, ...overrides, id: `${base}-test` });
  return { id: definition.id, version, owner: 'test', definition };
}
