// Every element command on an empty map of every type (FACTS.md "Element commands by map type").
import { kernelDiff, step, type Step } from '../../../../testing/kernel-oracle/harness';
import { as, mapCreate as mc } from '../../../../testing/kernel-oracle/script';
import type { ScriptCommand } from '../../../../testing/kernel-oracle/oracle';
import { Kernel } from './sim-kernel';

type Cell = 'ok' | string;
/** name, create attrs (type, key, value, max, flags, extra), then lookup / delete / next_key / lookup_and_delete / freeze */
const rows: [string, ScriptCommand, Cell, Cell, Cell, Cell, Cell][] = [
  ['hash', mc(1, 4, 4, 2), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'ok'],
  ['array', mc(2, 4, 4, 2), 'ok', 'EINVAL', 'ok', 'ENOTSUPP', 'ok'],
  ['prog_array', mc(3, 4, 4, 2), 'ENOENT', 'ENOENT', 'ok', 'ENOTSUPP', 'ok'],
  ['perf_event_array', mc(4, 4, 4, 2), 'ENOTSUPP', 'ENOENT', 'ok', 'ENOTSUPP', 'ok'],
  ['percpu_hash', mc(5, 4, 4, 2), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'ok'],
  ['percpu_array', mc(6, 4, 4, 2), 'ok', 'EINVAL', 'ok', 'ENOTSUPP', 'ok'],
  ['lru_hash', mc(9, 4, 4, 2), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'ok'],
  ['lru_percpu_hash', mc(10, 4, 4, 2), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'ok'],
  ['lpm_trie', mc(11, 8, 4, 2, 1), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOTSUPP', 'ok'],
  ['array_of_maps', mc(12, 4, 4, 2, 0, { inner_map_fd: '$inner' }), 'ENOENT', 'ENOENT', 'ok', 'ENOTSUPP', 'ok'],
  ['hash_of_maps', mc(13, 4, 4, 2, 0, { inner_map_fd: '$inner' }), 'ENOENT', 'ENOENT', 'ENOENT', 'ENOTSUPP', 'ok'],
  ['queue', mc(22, 0, 4, 2), 'ENOENT', 'EINVAL', 'EINVAL', 'ENOENT', 'ok'],
  ['stack', mc(23, 0, 4, 2), 'ENOENT', 'EINVAL', 'EINVAL', 'ENOENT', 'ok'],
  ['ringbuf', mc(27, 0, 0, 4096), 'ENOTSUPP', 'ENOTSUPP', 'ENOTSUPP', 'ENOTSUPP', 'ok'],
  ['bloom_filter', mc(30, 0, 4, 2), 'ENOENT', 'EOPNOTSUPP', 'EOPNOTSUPP', 'ENOTSUPP', 'ok'],
];

const steps: Step[] = [step(as(mc(2, 4, 4, 1), 'inner'), 'ok')];
for (const [name, create, look, del, next, lad, frz] of rows) {
  const keySize = Number(create.key_size);
  const key = keySize ? { key: '00'.repeat(keySize) } : {};
  const fd = `$${name}`;
  steps.push(
    step(as(create, name), 'ok'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: fd, ...key }, look),
    step({ cmd: 'BPF_MAP_DELETE_ELEM', map_fd: fd, ...key }, del),
    step({ cmd: 'BPF_MAP_GET_NEXT_KEY', map_fd: fd }, next),
    step({ cmd: 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', map_fd: fd, ...key }, lad),
    step({ cmd: 'BPF_MAP_FREEZE', map_fd: fd }, frz),
  );
}

kernelDiff('element commands on an empty map of each type', steps, { Kernel });
