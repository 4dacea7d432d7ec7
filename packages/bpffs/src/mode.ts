// File mode bits (include/uapi/linux/stat.h) and their `ls -l` rendering.

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
/** S_IALLUGO: every permission bit including suid/sgid/sticky. */
export const S_IALLUGO = 0o7777;
export const S_IRWXUGO = 0o777;
export const S_IXUGO = 0o111;

export const isDirMode = (mode: number) => (mode & S_IFMT) === S_IFDIR;
export const isLinkMode = (mode: number) => (mode & S_IFMT) === S_IFLNK;

/** `drwxrwxrwt`-style rendering as ls(1) prints it. */
export function formatMode(mode: number): string {
  const type = isDirMode(mode) ? 'd' : isLinkMode(mode) ? 'l' : '-';
  const triple = (shift: number, special: number, specialChar: string) => {
    const r = mode & (4 << shift) ? 'r' : '-';
    const w = mode & (2 << shift) ? 'w' : '-';
    const xBit = mode & (1 << shift);
    const x = mode & special ? (xBit ? specialChar : specialChar.toUpperCase()) : xBit ? 'x' : '-';
    return r + w + x;
  };
  return type + triple(6, S_ISUID, 's') + triple(3, S_ISGID, 's') + triple(0, S_ISVTX, 't');
}
