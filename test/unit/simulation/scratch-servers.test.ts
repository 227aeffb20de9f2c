import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { scratchServersFor } from '../../../simulation/what-if';

describe('how many time-skipping servers a what-if sample shares', () => {
  it.each([
    [1, 1],
    [40, 1],
    [50, 1],
    [51, 2],
    [100, 2],
  ])('%i customers: %i', (subjects, servers) => {
    expect(scratchServersFor(subjects)).toBe(servers);
  });

  it('never more than two a core, however large the sample', () => {
    expect(scratchServersFor(1000)).toBe(Math.min(20, 2 * availableParallelism()));
    expect(scratchServersFor(1_000_000)).toBe(2 * availableParallelism());
  });
});
