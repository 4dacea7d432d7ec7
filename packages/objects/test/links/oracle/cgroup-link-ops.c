// Runs a random sequence of cgroup link / attach operations (cgroup-link-random.kernel.test.ts generates it) on the
// real kernel with raw bpf(2), reading one operation per line from stdin and printing one line per operation. It
// makes its own cgroups base, base/a, base/a/b under the cgroup2 mount given as argv[1] (which the test mounts in a
// private mount + network namespace), loads four cgroup_skb programs (r0 = 1; exit), attaches only to those cgroups
// and removes them at the end. Ids and cgroup ids are printed through a symbol table (p0…p3, l0…, base/a/b).
//
// Operations (numbers are indices: S link slot 0-3, P program 0-3, C cgroup 0 base / 1 a / 2 b, T attach type 0/1):
//   link S P C T | linkrel S P C T F R (flags F, anchor the link in slot R, -1: none) | update S P F O (O -1: no old_prog_fd) | detach S | close S | attach P C T F | pdetach P C T
//   (P -1: fd 0) | query C T E | show S (fdinfo's link_id/prog_id/cgroup_id/attach_type and bpf_link_info) | rmdir_b
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef uint32_t u32;
typedef uint64_t u64;
typedef union { u64 align; unsigned char b[128]; } attr_t;
#define W32(a, off, v) (*(u32 *)((a)->b + (off)) = (u32)(v))
#define W64(a, off, v) (*(u64 *)((a)->b + (off)) = (u64)(v))
#define R32(a, off) (*(u32 *)((a)->b + (off)))

static long sys_bpf(int cmd, attr_t *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }
static const char *res(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static struct { char kind; char name[16]; u64 value; } SYM[128];
static int NSYM;
static void def(char kind, const char *name, u64 v) {
  if (NSYM == 128) return;
  SYM[NSYM].kind = kind;
  snprintf(SYM[NSYM].name, sizeof SYM[NSYM].name, "%s", name);
  SYM[NSYM++].value = v;
}
static const char *sym(char kind, u64 v) {
  static char b[8][32];
  static int k;
  char *s = b[k++ & 7];
  if (v == 0) return "0";
  for (int i = 0; i < NSYM; i++) if (SYM[i].kind == kind && SYM[i].value == v) return SYM[i].name;
  snprintf(s, 32, "unknown(%llu)", (unsigned long long)v);
  return s;
}
static int load(void) {
  unsigned char insns[16] = { 0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
  attr_t a = { 0 };
  W32(&a, 0, BPF_PROG_TYPE_CGROUP_SKB); W32(&a, 4, 2); W64(&a, 8, (uintptr_t)insns); W64(&a, 16, (uintptr_t)"GPL");
  return sys_bpf(BPF_PROG_LOAD, &a);
}
static int get_info(int fd, unsigned char *info) {
  attr_t a = { 0 };
  memset(info, 0, 64);
  W32(&a, 0, fd); W32(&a, 4, 64); W64(&a, 8, (uintptr_t)info);
  return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}
static u32 obj_id(int fd) {
  unsigned char info[64];
  return get_info(fd, info) ? 0 : *(u32 *)(info + 4);
}
static u64 cgroup_id(const char *path) {
  struct { struct file_handle fh; u64 id; } h;
  int mnt;
  h.fh.handle_bytes = sizeof(u64);
  if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0)) return 0;
  return h.id;
}
static u64 fdinfo_u64(int fd, const char *key) {
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  if (!f) return ~0ull;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *s = strstr(buf, key);
  return s ? strtoull(s + strlen(key), NULL, 10) : ~0ull;
}
static void sleep_ms(int ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, NULL); }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  char path[3][512];
  // argv[2]: the name of our base cgroup (the test removes what a crash would leave behind)
  if (argc > 2) snprintf(path[0], sizeof path[0], "%.200s/%.200s", argv[1], argv[2]);
  else snprintf(path[0], sizeof path[0], "%.200s/bpfsim-ops-%d", argv[1], getpid());
  snprintf(path[1], sizeof path[1], "%.420s/a", path[0]);
  snprintf(path[2], sizeof path[2], "%.420s/a/b", path[0]);
  static const char *cgname[3] = { "base", "a", "b" };
  int cg[3], P[4], L[4] = { -1, -1, -1, -1 }, nlinks = 0, b_removed = 0;
  for (int i = 0; i < 3; i++) {
    if (mkdir(path[i], 0755)) { perror("mkdir"); return 1; }
    cg[i] = open(path[i], O_RDONLY | O_DIRECTORY);
    def('c', cgname[i], cgroup_id(path[i]));
  }
  for (int i = 0; i < 4; i++) {
    char n[8];
    P[i] = load();
    if (P[i] < 0) { perror("load"); return 1; }
    snprintf(n, sizeof n, "p%d", i);
    def('p', n, obj_id(P[i]));
  }
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    char op[16];
    int x[6] = { 0, 0, 0, 0, 0, 0 };
    if (sscanf(line, "%15s %d %d %d %d %d %d", op, &x[0], &x[1], &x[2], &x[3], &x[4], &x[5]) < 1) continue;
    line[strcspn(line, "\n")] = 0;
    printf("%s: ", line);
    attr_t a = { 0 };
    if (!strcmp(op, "link") || !strcmp(op, "linkrel")) {
      // linkrel: flags x[4], anchor the link in slot x[5] (its fd, or its id with BPF_F_ID; 0 for none or an empty
      // slot), looked up before slot x[0] is closed
      u32 flags = 0, rel = 0;
      if (!strcmp(op, "linkrel")) {
        flags = x[4];
        if (x[5] >= 0 && L[x[5]] >= 0) rel = flags & (1 << 5) ? obj_id(L[x[5]]) : (u32)L[x[5]];
      }
      if (L[x[0]] >= 0) close(L[x[0]]);
      W32(&a, 0, P[x[1]]); W32(&a, 4, cg[x[2]]); W32(&a, 8, x[3]); W32(&a, 12, flags); W32(&a, 16, rel);
      L[x[0]] = sys_bpf(BPF_LINK_CREATE, &a);
      printf("%s", res(L[x[0]]));
      if (L[x[0]] >= 0) {
        char n[8];
        snprintf(n, sizeof n, "l%d", nlinks++);
        def('l', n, obj_id(L[x[0]]));
        printf(" %s", sym('l', obj_id(L[x[0]])));
      }
    } else if (!strcmp(op, "update")) {
      if (L[x[0]] < 0) { printf("empty\n"); continue; }
      W32(&a, 0, L[x[0]]); W32(&a, 4, P[x[1]]); W32(&a, 8, x[2]); W32(&a, 12, x[3] < 0 ? 0 : P[x[3]]);
      printf("%s", res(sys_bpf(BPF_LINK_UPDATE, &a)));
    } else if (!strcmp(op, "detach")) {
      if (L[x[0]] < 0) { printf("empty\n"); continue; }
      W32(&a, 0, L[x[0]]);
      printf("%s", res(sys_bpf(BPF_LINK_DETACH, &a)));
    } else if (!strcmp(op, "close")) {
      if (L[x[0]] < 0) { printf("empty\n"); continue; }
      close(L[x[0]]);
      L[x[0]] = -1;
      printf("ok");
    } else if (!strcmp(op, "attach")) {
      W32(&a, 0, cg[x[1]]); W32(&a, 4, P[x[0]]); W32(&a, 8, x[2]); W32(&a, 12, x[3]);
      printf("%s", res(sys_bpf(BPF_PROG_ATTACH, &a)));
    } else if (!strcmp(op, "pdetach")) {
      W32(&a, 0, cg[x[1]]); W32(&a, 4, x[0] < 0 ? 0 : P[x[0]]); W32(&a, 8, x[2]);
      printf("%s", res(sys_bpf(BPF_PROG_DETACH, &a)));
    } else if (!strcmp(op, "query")) {
      u32 ids[16] = { 0 };
      W32(&a, 0, cg[x[0]]); W32(&a, 4, x[1]); W32(&a, 8, x[2]); W64(&a, 16, (uintptr_t)ids); W32(&a, 24, 16);
      long r = sys_bpf(BPF_PROG_QUERY, &a);
      printf("%s", res(r));
      if (!r) {
        printf(" cnt %u flags %u revision %llu ids", R32(&a, 24), R32(&a, 12), (unsigned long long)*(u64 *)(a.b + 56));
        for (u32 i = 0; i < R32(&a, 24) && i < 16; i++) printf(" %s", sym('p', ids[i]));
      }
    } else if (!strcmp(op, "show")) {
      if (L[x[0]] < 0) { printf("empty\n"); continue; }
      unsigned char i[64];
      int fd = L[x[0]];
      printf("fdinfo %s %s %s %llu", sym('l', fdinfo_u64(fd, "link_id:\t")), sym('p', fdinfo_u64(fd, "prog_id:\t")),
             sym('c', fdinfo_u64(fd, "cgroup_id:\t")), (unsigned long long)fdinfo_u64(fd, "attach_type:\t"));
      if (get_info(fd, i)) printf(" info %s", strerrorname_np(errno));
      else printf(" info %u %s %s %s %u", *(u32 *)i, sym('l', *(u32 *)(i + 4)), sym('p', *(u32 *)(i + 8)), sym('c', *(u64 *)(i + 16)), *(u32 *)(i + 24));
    } else if (!strcmp(op, "rmdir_b")) {
      if (b_removed) { printf("gone\n"); continue; }
      printf("%s", rmdir(path[2]) ? strerrorname_np(errno) : "ok");
      b_removed = 1;
      // cgroup_bpf_release runs from a work item: wait until no link reports b's id any more
      u64 bid = SYM[2].value;
      for (int k = 0; k < 200; k++) {
        int busy = 0;
        for (int s = 0; s < 4; s++) if (L[s] >= 0 && fdinfo_u64(L[s], "cgroup_id:\t") == bid) busy = 1;
        if (!busy) break;
        sleep_ms(10);
      }
    } else {
      printf("unknown op");
    }
    printf("\n");
  }
  for (int s = 0; s < 4; s++) if (L[s] >= 0) close(L[s]);
  for (int i = 2; i >= 0; i--) { close(cg[i]); rmdir(path[i]); }
  return 0;
}
