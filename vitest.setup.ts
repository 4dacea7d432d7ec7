// Runs before every test file. CI runs the fast-check properties on one fixed seed, so a submission's verdict is
// reproducible (a failing seed can be replayed); everywhere else each run draws a fresh seed and explores further.
// BPFSIM_FC_SEED picks another fixed seed; a property that states its own seed keeps it.
import fc from 'fast-check';

if (process.env.CI || process.env.BPFSIM_FC_SEED) {
  fc.configureGlobal({ seed: Number(process.env.BPFSIM_FC_SEED ?? 20261127) });
}
