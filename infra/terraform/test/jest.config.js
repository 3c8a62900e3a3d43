/**
 * The Terraform policy tests (run by infra/terraform/test.sh, which renders the policies first and
 * passes them in DAZN_RENDERED_POLICIES). Not one of the root config's projects: without terraform's
 * output there is nothing to test.
 */
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
module.exports = {
  rootDir: root,
  testMatch: ['<rootDir>/infra/terraform/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.json') }],
  },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};
