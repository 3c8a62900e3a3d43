/** Jest projects: one per layer, so each can be run alone (npm run test:unit, ...). */
const tsJest = {
  '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }],
};
const common = { transform: tsJest, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    { ...common, displayName: 'resilience', testMatch: ['<rootDir>/test/resilience/**/*.test.ts'] },
    { ...common, displayName: 'runtime-sync', testMatch: ['<rootDir>/runtime-sync/test/**/*.test.ts'] },
  ],
};
