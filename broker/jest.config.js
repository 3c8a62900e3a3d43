/**
 * Jest for broker/ alone: `npx jest -c broker/jest.config.js [path]` from the repository root.
 * rootDir is the repository root so node_modules and tsconfig.json resolve as for the other projects.
 */
const path = require('node:path');

module.exports = {
  rootDir: path.resolve(__dirname, '..'),
  displayName: 'broker',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { isolatedModules: true, tsconfig: path.resolve(__dirname, '..', 'tsconfig.json') },
    ],
  },
  testMatch: ['<rootDir>/broker/test/**/*.test.ts'],
  // Each test file starts its own fake issuer, fake GitHub and moto on free loopback ports; nothing may hang.
  testTimeout: 60_000,
};
