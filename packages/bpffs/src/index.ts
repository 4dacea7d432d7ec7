// @bpfsim/bpffs — the in-memory bpffs: pins, directories, permissions, mounts and namespaces, seq_file.
export { createBpffs, type Bpffs, type ProcessFs, type ProcessApi } from './bpffs.js';
export type { BpffsOptions, KernelProfile, MountOptions, PopulateEntry } from './world.js';
export { VirtualClock, type Clock } from './clock.js';
export { BpfError, isBpfError, type Errno } from './errors.js';
export type { Stat } from './query.js';
export type { MountInfo, FsTypeName } from './mounting.js';
export { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, type FileHandle, type OpenFlags } from './file.js';
export { SeqFile, SeqWriter, SEQ_SKIP, PAGE_SIZE, MAX_ITER_OBJECTS, textRecords, byteRecords, type SeqOperations, type SeqMode } from './seq-file.js';
export { formatMode, S_IFMT, S_IFDIR, S_IFREG, S_IFLNK, S_ISVTX, S_ISGID } from './mode.js';
export type { PinnableObject, VfsCaller, VfsHooks, ReadablePinnable, ReadSession, KernelLike } from './seam.js';
