import { defineWorkspace } from 'vitest/config';
import { sourceAliases } from './vitest.shared';

const names = ['isa', 'vm', 'verifier', 'objects', 'bpffs', 'cli'];

export default defineWorkspace(
  names.map((name) => ({
    resolve: { alias: sourceAliases },
    test: {
      name,
      root: `./packages/${name}`,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  })),
);
