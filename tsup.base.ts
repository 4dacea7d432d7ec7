// The one tsup configuration every package builds with: src/index.ts → dist/index.js (ESM) + dist/index.d.ts.
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
  sourcemap: true,
});
