import { defineWorkspace } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import { sourceAliases } from './vitest.shared';

const setupFile = fileURLToPath(new URL('./vitest.setup.ts', import.meta.url));

const names = ['isa', 'vm', 'verifier', 'objects', 'bpffs', 'cli'];

export default defineWorkspace(
  names.map((name) => ({
    resolve: { alias: sourceAliases },
    test: {
      name,
      root: `./packages/${name}`,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [setupFile],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  })),
);
