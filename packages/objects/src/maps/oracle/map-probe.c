// Kernel oracle for map tests: reads one command per line on stdin, runs it with bpf(2), prints one result line.
// Used by packages/objects/src/maps/kernel-oracle.test.ts inside `unshare -m` with a private bpffs.
//   create <type> <key> <value> <max> <flags> <extra> [<inner slot>]   -> ok <slot> | <ERRNO>
//   update <slot> <keyhex|-> <valuehex> <flags>                       -> ok | <ERRNO>
//   lookup <slot> <keyhex|-> <flags> [<valuehex in>]                  -> ok <hex> | <ERRNO>
//   delete <slot> <keyhex|->                                         -> ok | <ERRNO>
//   next <slot> <keyhex|->                                           -> ok <hex> | <ERRNO>
//   lad <slot> <keyhex|-> <flags>                                    -> ok <hex> | <ERRNO>
//   freeze <slot>                                                    -> ok | <ERRNO>
//   updfd <slot> <keyhex> <inner slot> <flags>                        -> ok | <ERRNO>  (value = that map's fd)
//   lookupq <slot> <keyhex|-> <flags>                                 -> ok | <ERRNO>  (value not printed)
//   batch <slot> <L|LD|LQ|LDQ> <in hex|-> <count> <ks> <vs> <elem_flags>
//        -> <ok|ERRNO> count=<n> [out=<hex> keys=<hex> vals=<hex>]   (Q, or errors but ENOENT: errno and count)
//   ubatch <slot> <U|D> <count> <keyshex> <valueshex|-> <elem_flags>   -> <ok|ERRNO> count=<n>
//   memlock <slot>                                                   -> ok <memlock from /proc/self/fdinfo>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fds[256];
static int nfds;

static const char *ename(int e) {
  switch (e) {
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case E2BIG: return "E2BIG"; case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM"; case EACCES: return "EACCES"; case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY"; case EEXIST: return "EEXIST"; case EINVAL: return "EINVAL"; case ENOSPC: return "ENOSPC";
  case EOPNOTSUPP: return "EOPNOTSUPP"; case 524: return "ENOTSUPP"; case ERANGE: return "ERANGE";
  default: { static char b[32]; snprintf(b, sizeof b, "E%d", e); return b; }
  }
}

static int sys_bpf(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }

static size_t unhex(const char *s, unsigned char *out) {
  if (!strcmp(s, "-")) return 0;
  size_t n = strlen(s) / 2;
  for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
  return n;
}

static void puthex(const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static unsigned char kbuf[1 << 16], vbuf[1 << 20], obuf[1 << 20];

int main(void) {
  char line[1 << 16];
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32], a1[4096] = "", a2[8192] = "", a3[8192] = "", a4[64] = "", a5[64] = "", a6[64] = "", a7[64] = "";
    int n = sscanf(line, "%31s %4095s %8191s %8191s %63s %63s %63s %63s", cmd, a1, a2, a3, a4, a5, a6, a7);
    if (n < 1) continue;
    union bpf_attr at;
    memset(&at, 0, sizeof at);
    int r;
    if (!strcmp(cmd, "create")) {
      at.map_type = strtoul(a1, 0, 0); at.key_size = strtoul(a2, 0, 0); at.value_size = strtoul(a3, 0, 0);
      at.max_entries = strtoul(a4, 0, 0); at.map_flags = strtoul(a5, 0, 0); at.map_extra = strtoull(a6, 0, 0);
      if (n >= 8) at.inner_map_fd = fds[atoi(a7)];
      r = sys_bpf(BPF_MAP_CREATE, &at);
      if (r < 0) { printf("%s\n", ename(errno)); continue; }
      fds[nfds] = r; printf("ok %d\n", nfds++);
      continue;
    }
    int fd = fds[atoi(a1)];
    at.map_fd = fd;
    size_t kl = unhex(a2, kbuf);
    at.key = kl ? (unsigned long)kbuf : 0;
    if (!strcmp(cmd, "update")) {
      unhex(a3, vbuf); at.value = (unsigned long)vbuf; at.flags = strtoull(a4, 0, 0);
      r = sys_bpf(BPF_MAP_UPDATE_ELEM, &at);
      if (r < 0) printf("%s\n", ename(errno)); else printf("ok\n");
    } else if (!strcmp(cmd, "lookup") || !strcmp(cmd, "lad")) {
      size_t vin = n >= 5 ? unhex(a4, obuf) : 0;
      if (!vin) memset(obuf, 0xaa, 4096);
      at.value = (unsigned long)obuf; at.flags = strtoull(a3, 0, 0);
      r = sys_bpf(!strcmp(cmd, "lad") ? BPF_MAP_LOOKUP_AND_DELETE_ELEM : BPF_MAP_LOOKUP_ELEM, &at);
      if (r < 0) { printf("%s\n", ename(errno)); continue; }
      // value size is not known here: print the first 64 bytes, the test compares a prefix
      printf("ok "); puthex(obuf, 64); printf("\n");
    } else if (!strcmp(cmd, "delete")) {
      r = sys_bpf(BPF_MAP_DELETE_ELEM, &at);
      if (r < 0) printf("%s\n", ename(errno)); else printf("ok\n");
    } else if (!strcmp(cmd, "next")) {
      memset(obuf, 0, 512);
      at.next_key = (unsigned long)obuf;
      r = sys_bpf(BPF_MAP_GET_NEXT_KEY, &at);
      if (r < 0) { printf("%s\n", ename(errno)); continue; }
      printf("ok "); puthex(obuf, 64); printf("\n");
    } else if (!strcmp(cmd, "freeze")) {
      memset(&at, 0, sizeof at); at.map_fd = fd;
      r = sys_bpf(BPF_MAP_FREEZE, &at);
      if (r < 0) printf("%s\n", ename(errno)); else printf("ok\n");
    } else if (!strcmp(cmd, "updfd")) {
      unsigned int v = fds[atoi(a3)];
      memcpy(vbuf, &v, 4); at.value = (unsigned long)vbuf; at.flags = strtoull(a4, 0, 0);
      r = sys_bpf(BPF_MAP_UPDATE_ELEM, &at);
      if (r < 0) printf("%s\n", ename(errno)); else printf("ok\n");
    } else if (!strcmp(cmd, "batch")) {
      // a2 = mode, a3 = in_batch, a4 = count, a5 = ks, a6 = vs, a7 = elem_flags
      static unsigned char inb[512], outb[512];
      int del = strstr(a2, "D") != NULL, quiet = strstr(a2, "Q") != NULL;
      memset(&at, 0, sizeof at);
      size_t inl = unhex(a3, inb);
      unsigned cnt = strtoul(a4, 0, 0), ks = strtoul(a5, 0, 0), vs = strtoul(a6, 0, 0);
      memset(outb, 0, sizeof outb);
      at.batch.map_fd = fd; at.batch.in_batch = inl ? (unsigned long)inb : 0; at.batch.out_batch = (unsigned long)outb;
      at.batch.keys = (unsigned long)kbuf; at.batch.values = (unsigned long)vbuf; at.batch.count = cnt;
      at.batch.elem_flags = strtoull(a7, 0, 0);
      r = sys_bpf(del ? BPF_MAP_LOOKUP_AND_DELETE_BATCH : BPF_MAP_LOOKUP_BATCH, &at);
      printf("%s count=%u", r < 0 ? ename(errno) : "ok", at.batch.count);
      if (!quiet && (r == 0 || errno == ENOENT)) {
        printf(" out="); puthex(outb, ks);
        printf(" keys="); puthex(kbuf, (size_t)at.batch.count * ks);
        printf(" vals="); puthex(vbuf, (size_t)at.batch.count * vs);
      }
      printf("\n");
    } else if (!strcmp(cmd, "ubatch")) {
      // a2 = U|D, a3 = count, a4 = keys, a5 = values, a6 = elem_flags
      memset(&at, 0, sizeof at);
      unhex(a4, kbuf); unhex(a5, vbuf);
      at.batch.map_fd = fd; at.batch.keys = (unsigned long)kbuf; at.batch.values = (unsigned long)vbuf;
      at.batch.count = strtoul(a3, 0, 0); at.batch.elem_flags = strtoull(a6, 0, 0);
      r = sys_bpf(!strcmp(a2, "D") ? BPF_MAP_DELETE_BATCH : BPF_MAP_UPDATE_BATCH, &at);
      printf("%s count=%u\n", r < 0 ? ename(errno) : "ok", at.batch.count);
    } else if (!strcmp(cmd, "memlock")) {
      char path[64], buf[4096];
      snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
      FILE *f = fopen(path, "r");
      size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
      if (f) fclose(f);
      buf[len] = 0;
      char *m = strstr(buf, "memlock:");
      if (m) printf("ok %llu\n", strtoull(m + 8, 0, 10)); else printf("ENOENT\n");
    } else if (!strcmp(cmd, "lookupq")) {
      at.value = (unsigned long)obuf; at.flags = strtoull(a3, 0, 0);
      r = sys_bpf(BPF_MAP_LOOKUP_ELEM, &at);
      if (r < 0) printf("%s\n", ename(errno)); else printf("ok\n");
    } else {
      printf("EBADCMD\n");
    }
  }
  return 0;
}
