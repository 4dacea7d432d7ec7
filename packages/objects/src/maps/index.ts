// Public surface of the map implementations (see README.md for how core uses it).
export * from './types.js';
export * from './constants.js';
export { createMap, checkMapCreate, mapCreateCapability, SUPPORTED_MAP_TYPES } from './create.js';
export { BaseMap, FULL_ACCESS, type MapSpec } from './base.js';
export { ArrayMap } from './array.js';
export { ProgArrayMap, ArrayOfMapsMap, PerfEventArrayMap, type PerfEventTarget, type PerfSample } from './fd-array.js';
export { HashMap, HashOfMapsMap } from './hash.js';
export { LpmTrieMap } from './lpm-trie.js';
export { QueueStackMap } from './queue-stack.js';
export { BloomFilterMap } from './bloom.js';
export { RingbufMap } from './ringbuf.js';
export { jhash, jhash2 } from './jhash.js';
export { MAP_MEMORY_LIMIT, EAGER_MEMORY_LIMIT, type NormalizedAttr } from './validate.js';
