/** Jest runs every backend: cpu, wasm and tensorflow in Node; webgl, webgl-f16 and webgpu in headless Chromium. */
module.exports = {
  testEnvironment: '<rootDir>/test/harness/nodeEnvironment.cjs',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  moduleNameMapper: { '^tfjs-margin$': '<rootDir>/src/index.ts' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Scratch builds (bench/ab.mjs's older worktree) and generated doc examples are not the package.
  modulePathIgnorePatterns: ['<rootDir>/.scratch/', '<rootDir>/.cache/'],
  testTimeout: 10 * 60 * 1000,
  // Two suites at a time on CI's 2 cores: the browser suites wait on SwiftShader and the page between
  // bursts of work, so a second worker nearly halves the run (serial: 34 min on 2026-12-06).
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/harness/sequencer.cjs',
  reporters: ['<rootDir>/test/harness/backendSummaryReporter.cjs', 'default'],
};
