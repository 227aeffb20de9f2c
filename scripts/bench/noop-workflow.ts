import { condition, defineSignal, setHandler } from '@temporalio/workflow';

export const ping = defineSignal<[unknown]>('ping');

/** The baseline for `npm run bench`: takes signals and does nothing else. */
export async function noop(): Promise<void> {
  let received = 0;
  setHandler(ping, () => {
    received += 1;
  });
  await condition(() => received < 0);
}
