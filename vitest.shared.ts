// Shared vitest settings: tests run on the TypeScript sources, never on dist/.
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export const sourceAliases = {
  '@bpfsim/isa': pkg('isa'),
  '@bpfsim/vm': pkg('vm'),
  '@bpfsim/verifier': pkg('verifier'),
  '@bpfsim/objects': pkg('objects'),
  '@bpfsim/bpffs': pkg('bpffs'),
  '@bpfsim/cli': pkg('cli'),
};
