/** Runs `work` over `items`, `concurrency` at a time: how every bench scenario makes load. */
export async function runPool<T>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
    }),
  );
}

export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
