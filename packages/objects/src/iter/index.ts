// BPF iterators (bpf_iter): targets, sessions (bpf_seq_read), the iterator link, and the seq_file helpers.
export { ITER_SEQ_BUF_SIZE, SeqBuffer } from './seq-file.js';
export { bprintf as bprintfBytes, MAX_BPRINTF_BUF, MAX_BPRINTF_VARARGS, type BprintfMemory, type BprintfResult } from './bprintf.js';
export { IterSession, MAX_ITER_OBJECTS } from './session.js';
export {
  ITER_TARGETS,
  ITER_LINK_INFO_SIZE,
  iterTargetByBtfId,
  iterTargetByName,
  type IterAux,
  type IterTarget,
} from './targets.js';
export { iterAttachPoint, iterLinkOps, isIterLink, openIterSession, BPF_TRACE_ITER, BPF_LINK_TYPE_ITER } from './link.js';
export { registerIterHelpers, BPF_FUNC_seq_printf, BPF_FUNC_seq_write } from './helpers.js';
export { progIterTarget, progAttachBtfId, progAttach } from './prog-target.js';
export type { ProgAttach } from './layout.js';
export * as iterLayout from './layout.js';
export { bpfPreload, seqPrintfAsm, PRELOAD_FILES, PRELOAD_FORMATS, DUMP_BPF_MAP_ASM, DUMP_BPF_PROG_ASM, type BpfPreload, type PreloadEntry } from './preload.js';
