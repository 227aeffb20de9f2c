// Shared with the fault suite, which runs its customers in daytime too.
export { zoneInDaytime } from '../../scripts/runtime/daytime';
