import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../scripts/runtime/paths';
import { withoutWorkflowStackTraces } from '../../scripts/runtime/workflow-stack-traces';

/**
 * The preload that spares scratch simulations the SDK's promise stack capture: in a real process
 * with real threads, only a thread started while the switch is off loses promise hooks (the SDK
 * then runs that thread's workflows without stack traces); threads before and after it, and the
 * main thread, keep them.
 */
describe('workflow stack traces off for scratch workers only', () => {
  it('takes promise hooks from the threads started while REVLOOP_WORKFLOW_STACK_TRACES is off, and from no other', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const probe = "const v8 = require('node:v8'); let r; try { v8.promiseHooks.createHook({ init() {} })(); r = 'hooks' } catch { r = 'none' } require('node:worker_threads').parentPort.postMessage(r)";
      const thread = () => new Promise((resolve) => new Worker(probe, { eval: true }).once('message', resolve));
      (async () => {
        const before = await thread();
        process.env.REVLOOP_WORKFLOW_STACK_TRACES = 'off';
        const during = await thread();
        const v8 = require('node:v8');
        let main; try { v8.promiseHooks.createHook({ init() {} })(); main = 'hooks' } catch { main = 'none' }
        delete process.env.REVLOOP_WORKFLOW_STACK_TRACES;
        const after = await thread();
        console.log(JSON.stringify({ before, during, main, after }));
      })();`;
    const out = execFileSync(process.execPath, ['--require', fromRoot('scripts/runtime/workflow-stack-traces.cjs'), '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ before: 'hooks', during: 'none', main: 'hooks', after: 'hooks' });
  });

  it('turns the switch off only while the worker is created, and back as it was, even when creating fails', async () => {
    delete process.env.REVLOOP_WORKFLOW_STACK_TRACES;
    await expect(withoutWorkflowStackTraces(async () => process.env.REVLOOP_WORKFLOW_STACK_TRACES)).resolves.toBe('off');
    expect(process.env.REVLOOP_WORKFLOW_STACK_TRACES).toBeUndefined();
    process.env.REVLOOP_WORKFLOW_STACK_TRACES = 'on';
    await expect(withoutWorkflowStackTraces(async () => Promise.reject(new Error('no server')))).rejects.toThrow('no server');
    expect(process.env.REVLOOP_WORKFLOW_STACK_TRACES).toBe('on');
    delete process.env.REVLOOP_WORKFLOW_STACK_TRACES;
  });
});
