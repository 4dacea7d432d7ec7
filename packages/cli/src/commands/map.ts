// `bpfsim map` — bpftool-style map commands against the simulated kernel (engine and syntax: ./bpftool.ts).
import type { Command } from '../io.js';
import { bpftoolVerb } from './bpftool.js';

export const command: Command = bpftoolVerb('map');
