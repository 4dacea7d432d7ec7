// What Linux 6.18 returned for the programs in ./kernel/*.bpf.c (run by kernel.test.ts, which re-checks these on a
// machine that can): each array lists what successive read(fd, n) calls on one session returned — the text, its
// length when 1000 bytes or longer, or the errno. The map iterated is an array of 9 u64, key k → 7k.
// The simulator tests (read.test.ts, bprintf.test.ts) expect the same from equivalent programs.

/** dump.bpf.c: the kernel's session ids are machine-wide (they were 7 and 8 there); the simulator starts at 1. */
export const KERNEL_DUMP = (session: number | string): string =>
  '0: 0|    0|0   |00000|+0| 0|A|0|FA\n' +
  '1: 7|    1|1   |-0001|+1| 1|B|-7|FB\n' +
  '2: 14|    2|2   |-0002|+2| 2|C|-14|FC\n' +
  '3: 21|    3|3   |-0003|+3| 3|D|-21|FD\n' +
  '4: 28|    4|4   |-0004|+4| 4|E|-28|FE\n' +
  '5: 35|    5|5   |-0005|+5| 5|F|-35|FF\n' +
  '6: 42|    6|6   |-0006|+6| 6|G|-42|100\n' +
  '7: 49|    7|7   |-0007|+7| 7|H|-49|101\n' +
  '8: 56|    8|8   |-0008|+8| 8|I|-56|102\n' +
  `end seq_num=8 session=${session}\n`;

/**
 * dump.bpf.c read with count 0, then twice 4096: the empty read already ran the program for the first object, whose
 * line the next read returns alone (the buffer is drained before anything else runs).
 */
export const KERNEL_ZERO_FIRST = (session: number | string): string[] => {
  const lines = KERNEL_DUMP(session).split(/(?<=\n)/);
  return ['', lines[0], lines.slice(1).join('')];
};

/** dump.bpf.c read 7 bytes at a time (first 4 reads). */
export const KERNEL_DUMP_CHUNK7 = ['0: 0|  ', '  0|0  ', ' |00000', '|+0| 0|'];

/** retry.bpf.c: returns 1 for key 1. */
export const KERNEL_RETRY = ['key 0 seq 0\n', { errno: 'EAGAIN' }, { errno: 'EAGAIN' }, { errno: 'EAGAIN' }, { errno: 'EAGAIN' }];

const E2BIG = { errno: 'E2BIG' };
/** overflow.bpf.c: key k writes (k + 1) × 4000 bytes; reads of 100000 bytes. */
export const KERNEL_OVERFLOW_BIG = [24000, 16000, 20000, 24000, 28000, 32000, E2BIG, E2BIG, E2BIG, E2BIG, E2BIG, E2BIG];
/** overflow.bpf.c; reads of 5000 bytes. */
export const KERNEL_OVERFLOW_SMALL = [5000, 5000, 2000, 5000, 5000, 2000, 5000, 5000, 5000, 1000, 5000, 5000];

/** formats.bpf.c: one line per BPF_SEQ_PRINTF, then the return values of eight refused bpf_seq_printf calls. */
export const KERNEL_FORMATS = [
  '[10.0.0.1] [010.000.000.001] [2001:0db8:0000:0000:0000:0000:0000:1234] [20010db8000000000000000000001234]\n',
  '[hi] [  abc] [abc  |] [  z] [z  |]\n',
  '[ffffffff] [ffffffffffffffff] [000000ff] [-42     |] [   42] [  +42] [4294967295] [18446744073709551615] [-7] [%] [ABC] [123456789abcdef]\n',
  '[0000000000001234] [0000000000000000] []\n',
  '[-0042] [-42  |] [+0042] [0002a] [ 0042]\n',
  'rets -22 -22 -22 -22 -22 -22 -22 -22\n',
];

/** fdinfo of a bpf_map_elem iterator link (BPF_OBJ_GET of its pin); ids and the tag replaced by placeholders. */
export const KERNEL_ELEM_LINK_FDINFO =
  'pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\nlink_type:\titer\nlink_id:\t<link_id>\nprog_tag:\t<prog_tag>\n' +
  'prog_id:\t<prog_id>\ntarget_name:\tbpf_map_elem\nmap_id:\t<map_id>\n';

/** The placeholders of KERNEL_ELEM_LINK_FDINFO. */
export const fdinfoPlaceholders = (text: string): string =>
  text.replace(/^(link_id|prog_id|map_id|prog_tag):\t\S+$/gm, (_m, k: string) => `${k}:\t<${k}>`);

/**
 * pointers.bpf.c: `<hash>` stands for a hashed pointer (%p, %pK: 8 zero digits then 8 hex digits of a hash keyed
 * per boot). The last BPF_SEQ_PRINTF ("%ks") is refused and prints nothing.
 */
export const KERNEL_POINTERS = [
  '[2001:0db8:0000:0000:0000:0000:0000:1234] [10.0.0.1] [010.000.000.001] [<hash>] [0000000000000010] [10.0.0.1] [10.0.0.1|]\n',
  '[0000000000000000] [<hash>] [                  99] [0x1234] [0x1234] [0x1234]\n',
];

/** A regex matching `expected` with each `<hash>` standing for any hashed pointer. */
export const withHashes = (expected: string): RegExp =>
  new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<hash>/g, '00000000[0-9a-f]{8}')}$`);
