// Kernel-style errors for the simulated bpf(2): every failure carries an errno name and a message saying where and why.

/** Linux errno numbers (include/uapi/asm-generic/errno-base.h, errno.h; ENOTSUPP from include/linux/errno.h). */
export const ERRNO_NUMBERS = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  ENOLINK: 67,
  EPROTO: 71,
  EOVERFLOW: 75,
  EBADFD: 77,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  EALREADY: 114,
  ESTALE: 116,
  ECANCELED: 125,
  ENOTSUPP: 524,
} as const;

export type Errno = keyof typeof ERRNO_NUMBERS;

/** The Linux number of an errno name (positive; bpf(2) returns its negation). */
export function errnoNumber(name: Errno): number {
  return ERRNO_NUMBERS[name];
}

/** The errno name for a Linux number, or undefined when the table does not know it. */
export function errnoName(num: number): Errno | undefined {
  const abs = Math.abs(num);
  for (const [name, n] of Object.entries(ERRNO_NUMBERS)) if (n === abs) return name as Errno;
  return undefined;
}

/** A failed bpf(2) (or VFS) operation: `errno` is the kernel's errno name, `message` says where and why. */
export class BpfError extends Error {
  constructor(
    readonly errno: Errno,
    message: string,
  ) {
    super(`${errno}: ${message}`);
    this.name = 'BpfError';
  }
}

export function isBpfError(e: unknown, errno?: Errno): e is BpfError {
  return e instanceof BpfError && (errno === undefined || e.errno === errno);
}
