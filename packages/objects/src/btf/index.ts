// BTF in the simulated kernel: parsing/validation (btf_parse), the BTF object, maps with BTF, and the pretty print.
export * from './kinds.js';
export { parseBtf, type ParsedBtf, type BtfLogSink } from './parse.js';
export { typeIdSize, skipModifiers } from './lookup.js';
export { btfShow, defaultPointerHash } from './show.js';
export { BtfObject, BTF_INFO_SIZE, btfIdr } from './object.js';
export { checkMapBtf, checkMapBtfIds, attachMapBtf, releaseMapBtf, mapBtfOf, mapSeqShow, btfFromFd, type MapBtf } from './map-btf.js';
