/** Jest runs every backend: cpu, wasm and tensorflow in Node; webgl, webgl-f16 and webgpu in headless Chromium. */
module.exports = {
  testEnvironment: '<rootDir>/test/harness/nodeEnvironment.cjs',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  moduleNameMapper: { '^tfjs-margin$': '<rootDir>/src/index.ts' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Scratch builds (bench/ab.mjs's older worktree) and generated doc examples are not the package.
  modulePathIgnorePatterns: ['<rootDir>/.scratch/', '<rootDir>/.cache/'],
  testTimeout: 10 * 60 * 1000,
  reporters: ['<rootDir>/test/harness/backendSummaryReporter.cjs', 'default'],
};
