// The workflow bundle's entry point: every workflow type the worker runs.
export { customer } from './customer';
export { invoice } from './invoice';
export { job } from './job';
export { contract } from './contract';
