/** The bundle's exports: `handler` for Lambda (index.handler), the rest for tests and tools. */
export { handler, createBroker, brokerFromConfig } from './handler';
export type { FunctionUrlEvent, FunctionUrlResult, BrokerDeps } from './handler';
export { readConfig, ConfigError } from './config';
export type { BrokerConfig } from './config';
export { createVerifier } from './verify';
export { createLookup, appLookup, listLookup, guessDefaultBranch } from './default-branch';
export { createSessionMaker, roleSessionName, sourceIdentity } from './session';
