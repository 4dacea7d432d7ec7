// Runs the cgroup-link steps of cgroup-link.kernel.test.ts on the real kernel with raw bpf(2): LINK_CREATE of
// cgroup_skb programs (r0 = 1; exit) on a cgroup it creates under the cgroup2 mount given as argv[1] (which the test
// mounts in a private mount + network namespace), the link fds' /proc/self/fdinfo text and bpf_link_info,
// LINK_UPDATE / LINK_DETACH, PROG_QUERY, a legacy PROG_ATTACH beside a link, GET_NEXT_ID / GET_FD_BY_ID, rmdir of
// the cgroup while a link fd is open, and freeing. It attaches only to the cgroups it made and removes them.
// Machine-dependent numbers (ids, mnt_id, ino, cgroup ids) are printed through a symbol table (p0, l0, cg, anon_mnt…)
// so that the transcript can be compared with bpfsim's. Frees are awaited by polling GET_NEXT_ID, never
// GET_FD_BY_ID (FACTS.md: GET_FD_BY_ID on an object pending free can leak a reference).
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

// bpf_attr is passed as a zeroed buffer laid out by hand: the installed uapi header may predate 6.18's fields
// (query.link_ids, query.revision). The kernel accepts any size up to its own, zero-extended.
typedef union { u64 align; unsigned char b[160]; } attr_t;
#define W32(a, off, v) (*(u32 *)((a)->b + (off)) = (u32)(v))
#define W64(a, off, v) (*(u64 *)((a)->b + (off)) = (u64)(v))
#define R32(a, off) (*(u32 *)((a)->b + (off)))
#define R64(a, off) (*(u64 *)((a)->b + (off)))

static long sys_bpf(int cmd, attr_t *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }
static const char *res(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

// ---- the symbol table: names per kind of number ('p' prog id, 'l' link id, 'c' cgroup id, 'm' mnt_id, 'i' ino) ----
static struct { char kind; char name[16]; u64 value; } SYM[64];
static int NSYM;
static void def(char kind, const char *name, u64 v) {
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

// ---- commands ----
static int load(int type) {
  unsigned char insns[16] = { 0xb7, 0, 0, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0 };
  attr_t a = { 0 };
  W32(&a, 0, type); W32(&a, 4, 2); W64(&a, 8, (uintptr_t)insns); W64(&a, 16, (uintptr_t)"GPL");
  return sys_bpf(BPF_PROG_LOAD, &a);
}
/** Object id of a prog or link fd (bpf_prog_info.id and bpf_link_info.id are both at offset 4). */
static u32 obj_id(int fd) {
  unsigned char info[256] = { 0 };
  attr_t a = { 0 };
  W32(&a, 0, fd); W32(&a, 4, sizeof info); W64(&a, 8, (uintptr_t)info);
  if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) return 0;
  return *(u32 *)(info + 4);
}
static int link_create(int prog, int target, int type, u32 flags) {
  attr_t a = { 0 };
  W32(&a, 0, prog); W32(&a, 4, target); W32(&a, 8, type); W32(&a, 12, flags);
  return sys_bpf(BPF_LINK_CREATE, &a);
}
static const char *link_update(int link, int prog, u32 flags, int old) {
  attr_t a = { 0 };
  W32(&a, 0, link); W32(&a, 4, prog); W32(&a, 8, flags); W32(&a, 12, old);
  return res(sys_bpf(BPF_LINK_UPDATE, &a));
}
static const char *link_detach(int link) {
  attr_t a = { 0 };
  W32(&a, 0, link);
  return res(sys_bpf(BPF_LINK_DETACH, &a));
}
static const char *prog_attach(int cg, int prog, int type, u32 flags) {
  attr_t a = { 0 };
  W32(&a, 0, cg); W32(&a, 4, prog); W32(&a, 8, type); W32(&a, 12, flags);
  return res(sys_bpf(BPF_PROG_ATTACH, &a));
}
static const char *prog_detach(int cg, int prog, int type) {
  attr_t a = { 0 };
  W32(&a, 0, cg); W32(&a, 4, prog); W32(&a, 8, type);
  return res(sys_bpf(BPF_PROG_DETACH, &a));
}
/** PROG_QUERY (target_fd 0, attach_type 4, query_flags 8, attach_flags 12, prog_ids 16, prog_cnt 24,
 * prog_attach_flags 32, link_ids 40, link_attach_flags 48, revision 56). */
static void query(const char *what, int cg, int type, u32 qflags) {
  u32 ids[8] = { 0 };
  attr_t a = { 0 };
  W32(&a, 0, cg); W32(&a, 4, type); W32(&a, 8, qflags); W64(&a, 16, (uintptr_t)ids); W32(&a, 24, 8);
  long r = sys_bpf(BPF_PROG_QUERY, &a);
  if (r) { printf("%s: %s\n", what, res(r)); return; }
  printf("%s: cnt %u flags %u ids", what, R32(&a, 24), R32(&a, 12));
  for (u32 i = 0; i < R32(&a, 24) && i < 8; i++) printf(" %s", sym('p', ids[i]));
  printf("\n");
}
/** The link_ids / revision outputs (6.18 fields), recorded for FACTS.md; bpfsim does not write them. */
static void query_links(const char *what, int cg, int type, u32 qflags) {
  u32 ids[8] = { 0 }, lids[8];
  memset(lids, 0xff, sizeof lids); // an entry the kernel leaves alone prints as "untouched"
  attr_t a = { 0 };
  W32(&a, 0, cg); W32(&a, 4, type); W32(&a, 8, qflags); W64(&a, 16, (uintptr_t)ids); W32(&a, 24, 8);
  W64(&a, 40, (uintptr_t)lids);
  long r = sys_bpf(BPF_PROG_QUERY, &a);
  if (r) { printf("%s: %s\n", what, res(r)); return; }
  printf("%s: cnt %u revision %llu link_ids", what, R32(&a, 24), (unsigned long long)R64(&a, 56));
  for (u32 i = 0; i < R32(&a, 24) && i < 8; i++) printf(" %s", lids[i] == 0xffffffffu ? "untouched" : sym('l', lids[i]));
  printf("\n");
}
/** PROG_QUERY's per-program attach flags (prog_attach_flags at offset 32). */
static void query_prog_flags(const char *what, int cg, int type) {
  u32 ids[16] = { 0 }, fl[16];
  memset(fl, 0xff, sizeof fl);
  attr_t a = { 0 };
  W32(&a, 0, cg); W32(&a, 4, type); W64(&a, 16, (uintptr_t)ids); W32(&a, 24, 16); W64(&a, 32, (uintptr_t)fl);
  long r = sys_bpf(BPF_PROG_QUERY, &a);
  if (r) { printf("%s: %s\n", what, res(r)); return; }
  printf("%s:", what);
  for (u32 i = 0; i < R32(&a, 24) && i < 16; i++) printf(" %s/0x%x", sym('p', ids[i]), fl[i]);
  printf("\n");
}
/** bpf_link_info of a cgroup link: type 0, id 4, prog_id 8, cgroup.cgroup_id 16, cgroup.attach_type 24. */
static void info(const char *what, int link) {
  unsigned char i[64];
  memset(i, 0, sizeof i);
  attr_t a = { 0 };
  W32(&a, 0, link); W32(&a, 4, sizeof i); W64(&a, 8, (uintptr_t)i);
  long r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
  if (r) { printf("%s: %s\n", what, res(r)); return; }
  printf("%s: info_len %u type %u id %s prog_id %s cgroup_id %s attach_type %u\n", what, R32(&a, 4), *(u32 *)i,
         sym('l', *(u32 *)(i + 4)), sym('p', *(u32 *)(i + 8)), sym('c', *(u64 *)(i + 16)), *(u32 *)(i + 24));
}
static int read_fdinfo(int fd, char *buf, size_t n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t k = fread(buf, 1, n - 1, f);
  fclose(f);
  buf[k] = 0;
  return 0;
}
/** The fdinfo text, one line each, with the machine-dependent numbers through the symbol table. */
static void fdinfo(const char *what, int fd) {
  char buf[2048];
  if (read_fdinfo(fd, buf, sizeof buf)) { printf("%s: no fdinfo\n", what); return; }
  printf("%s:\n", what);
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    char *tab = strchr(line, '\t');
    if (!tab) { printf("  %s\n", line); continue; }
    *tab = 0;
    const char *k = line, *v = tab + 1;
    static const char *keys[] = { "mnt_id:", "ino:", "link_id:", "prog_id:", "cgroup_id:" };
    for (int j = 0; j < 5; j++)
      if (!strcmp(k, keys[j])) v = sym("milpc"[j], strtoull(v, NULL, 10));
    printf("  %s\\t%s\n", k, v);
  }
}
static u64 fdinfo_field(int fd, const char *key) {
  char buf[2048];
  if (read_fdinfo(fd, buf, sizeof buf)) return ~0ull;
  char *s = strstr(buf, key);
  return s ? strtoull(s + strlen(key), NULL, 10) : ~0ull;
}
/** GET_NEXT_ID(id - 1) == id: the object is still in its IDR (takes no reference). */
static int id_live(int cmd, u32 id) {
  attr_t a = { 0 };
  W32(&a, 0, id - 1);
  if (sys_bpf(cmd, &a)) return 0;
  return R32(&a, 4) == id;
}
static void sleep_ms(int ms) { struct timespec t = { 0, ms * 1000000L }; nanosleep(&t, NULL); }
/** Waits (2 s at most) until `id` leaves the IDR: links and programs are freed from a work item. */
static const char *wait_gone(int cmd, u32 id) {
  for (int k = 0; k < 200; k++) { if (!id_live(cmd, id)) return "gone"; sleep_ms(10); }
  return "still there";
}
static u64 cgroup_id(const char *path) {
  struct { struct file_handle fh; u64 id; } h;
  int mnt;
  h.fh.handle_bytes = sizeof(u64);
  if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0)) return 0;
  return h.id;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  char base[256], pc[300];
  // argv[2]: the name of our base cgroup (the test removes what a crash would leave behind)
  if (argc > 2) snprintf(base, sizeof base, "%s/%s", argv[1], argv[2]);
  else snprintf(base, sizeof base, "%s/bpfsim-link-%d", argv[1], getpid());
  snprintf(pc, sizeof pc, "%s/c", base);
  if (mkdir(base, 0755) || mkdir(pc, 0755)) { perror("mkdir"); return 1; }
  int c = open(pc, O_RDONLY | O_DIRECTORY);
  def('c', "cg", cgroup_id(pc));
  def('c', "base_cg", cgroup_id(base));
  int p[5];
  char name[8];
  for (int i = 0; i < 5; i++) {
    p[i] = load(BPF_PROG_TYPE_CGROUP_SKB);
    if (p[i] < 0) { perror("load"); return 1; }
    snprintf(name, sizeof name, "p%d", i);
    def('p', name, obj_id(p[i]));
  }
  int sf = load(BPF_PROG_TYPE_SOCKET_FILTER);
  def('p', "sf", obj_id(sf));
  def('m', "anon_mnt", fdinfo_field(p[0], "mnt_id:\t"));
  def('i', "anon_ino", fdinfo_field(p[0], "ino:\t"));
  const int IN = BPF_CGROUP_INET_INGRESS, EG = BPF_CGROUP_INET_EGRESS;

  // LINK_CREATE refusals first (each one that gets past bpf_link_prime uses up a link id).
  printf("link socket filter: %s\n", res(link_create(sf, c, IN, 0)));
  printf("link flags ALLOW_MULTI: %s\n", res(link_create(p[0], c, IN, BPF_F_ALLOW_MULTI)));
  printf("link on a non-cgroup fd: %s\n", res(link_create(p[0], p[1], IN, 0)));

  // A link on ingress and one on egress.
  int l0 = link_create(p[0], c, IN, 0);
  printf("link ingress: %s\n", res(l0));
  def('l', "l0", obj_id(l0));
  int l1 = link_create(p[1], c, EG, 0);
  printf("link egress: %s\n", res(l1));
  def('l', "l1", obj_id(l1));
  printf("link ids consecutive: %s\n", obj_id(l1) == obj_id(l0) + 1 ? "yes" : "no");
  fdinfo("fdinfo l0", l0);
  fdinfo("fdinfo l1", l1);
  info("info l0", l0);
  info("info l1", l1);
  query("query ingress", c, IN, 0);
  query("query ingress effective", c, IN, BPF_F_QUERY_EFFECTIVE);
  query("query egress", c, EG, 0);
  query_links("query ingress link_ids", c, IN, 0);

  // Legacy PROG_ATTACH beside a link (the link's entry has BPF_F_ALLOW_MULTI).
  printf("legacy attach flags 0: %s\n", prog_attach(c, p[2], IN, 0));
  printf("legacy attach ALLOW_OVERRIDE: %s\n", prog_attach(c, p[2], IN, BPF_F_ALLOW_OVERRIDE));
  printf("legacy attach ALLOW_MULTI: %s\n", prog_attach(c, p[2], IN, BPF_F_ALLOW_MULTI));
  query("  query ingress", c, IN, 0);
  query_links("  query ingress link_ids", c, IN, 0);
  query_links("  query ingress link_ids effective", c, IN, BPF_F_QUERY_EFFECTIVE);
  printf("legacy attach the link's program: %s\n", prog_attach(c, p[0], IN, BPF_F_ALLOW_MULTI));
  query("  query ingress", c, IN, 0);
  printf("legacy detach without a program: %s\n", prog_detach(c, 0, IN));
  printf("legacy detach p0 (legacy copy): %s\n", prog_detach(c, p[0], IN));
  printf("legacy detach p0 again (only the link has it): %s\n", prog_detach(c, p[0], IN));
  printf("legacy detach p2: %s\n", prog_detach(c, p[2], IN));
  query("  query ingress", c, IN, 0);
  int l2 = link_create(p[0], c, IN, 0);
  printf("second link, same program: %s\n", res(l2));
  def('l', "l2", obj_id(l2));
  u32 idl2 = obj_id(l2);
  query("  query ingress", c, IN, 0);
  close(l2);
  printf("  second link closed: %s\n", wait_gone(BPF_LINK_GET_NEXT_ID, idl2));
  query("  query ingress", c, IN, 0);

  // LINK_UPDATE.
  printf("update to p3: %s\n", link_update(l0, p[3], 0, 0));
  fdinfo("  fdinfo l0", l0);
  info("  info l0", l0);
  query("  query ingress", c, IN, 0);
  query_links("  query ingress link_ids", c, IN, 0);
  printf("update replace, wrong old: %s\n", link_update(l0, p[2], BPF_F_REPLACE, p[0]));
  printf("update replace, right old: %s\n", link_update(l0, p[2], BPF_F_REPLACE, p[3]));
  printf("update old without BPF_F_REPLACE: %s\n", link_update(l0, p[3], 0, p[2]));
  printf("update unknown flag: %s\n", link_update(l0, p[3], 8, 0));
  printf("update to a socket filter: %s\n", link_update(l0, sf, 0, 0));
  printf("update to the same program: %s\n", link_update(l0, p[2], 0, 0));
  printf("update with a bad fd: %s\n", link_update(l0, 999, 0, 0));
  info("  info l0", l0);
  printf("  p3 still live: %s\n", id_live(BPF_PROG_GET_NEXT_ID, obj_id(p[3])) ? "yes" : "no");
  {
    unsigned char big[256] = { 0 };
    attr_t a = { 0 };
    W32(&a, 0, l0); W32(&a, 4, sizeof big); W64(&a, 8, (uintptr_t)big);
    const char *r = res(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
    printf("info with a zeroed 256-byte buffer: %s info_len %u\n", r, R32(&a, 4));
    big[200] = 1;
    W32(&a, 4, sizeof big);
    r = res(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
    printf("info with a 256-byte buffer, byte 200 set: %s\n", r);
    unsigned char small[8] = { 0 };
    W32(&a, 4, sizeof small); W64(&a, 8, (uintptr_t)small);
    r = res(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a));
    printf("info with an 8-byte buffer: %s info_len %u type %u id %s\n", r, R32(&a, 4), *(u32 *)small, sym('l', *(u32 *)(small + 4)));
    int d = dup(l0);
    fdinfo("fdinfo of a dup()ed link fd", d);
    close(d);
  }

  // The hierarchy: a link on the parent cgroup runs in c (after c's own) and in c's new child d.
  char pd[320];
  snprintf(pd, sizeof pd, "%s/d", pc);
  if (mkdir(pd, 0755)) { perror("mkdir d"); return 1; }
  int d = open(pd, O_RDONLY | O_DIRECTORY), b = open(base, O_RDONLY | O_DIRECTORY);
  def('c', "d_cg", cgroup_id(pd));
  {
    attr_t a = { 0 }; // link_create.cgroup.expected_revision is at offset 24
    W32(&a, 0, p[4]); W32(&a, 4, b); W32(&a, 8, IN); W64(&a, 24, 5);
    printf("link on the parent, expected_revision 5: %s\n", res(sys_bpf(BPF_LINK_CREATE, &a)));
  }
  attr_t la = { 0 };
  W32(&la, 0, p[4]); W32(&la, 4, b); W32(&la, 8, IN); W64(&la, 24, 1);
  int lb = sys_bpf(BPF_LINK_CREATE, &la);
  printf("link on the parent, expected_revision 1: %s\n", res(lb));
  def('l', "lb", obj_id(lb));
  query("  query c effective", c, IN, BPF_F_QUERY_EFFECTIVE);
  query("  query d effective", d, IN, BPF_F_QUERY_EFFECTIVE);
  query("  query d", d, IN, 0);
  printf("  update the parent's link to p3: %s\n", link_update(lb, p[3], 0, 0));
  query("  query d effective", d, IN, BPF_F_QUERY_EFFECTIVE);
  printf("  update c's link to p1: %s\n", link_update(l0, p[1], 0, 0));
  query("  query d effective", d, IN, BPF_F_QUERY_EFFECTIVE);
  printf("  update c's link back to p2: %s\n", link_update(l0, p[2], 0, 0));
  fdinfo("  fdinfo lb", lb);
  printf("  rmdir c while d exists: %s\n", rmdir(pc) ? strerrorname_np(errno) : "ok");
  printf("  detach the parent's link: %s\n", link_detach(lb));
  query("  query d effective", d, IN, BPF_F_QUERY_EFFECTIVE);
  u32 idlb = obj_id(lb);
  close(lb);
  printf("  parent's link closed: %s\n", wait_gone(BPF_LINK_GET_NEXT_ID, idlb));
  close(d);
  close(b);
  printf("  rmdir d: %s\n", rmdir(pd) ? strerrorname_np(errno) : "ok");

  // GET_NEXT_ID / GET_FD_BY_ID.
  printf("next link id after l0-1: %s\n", ({ attr_t a = { 0 }; W32(&a, 0, obj_id(l0) - 1); sys_bpf(BPF_LINK_GET_NEXT_ID, &a) ? res(-1)   : sym('l', R32(&a, 4)); }));
  {
    attr_t a = { 0 };
    W32(&a, 0, obj_id(l0));
    int fd = sys_bpf(BPF_LINK_GET_FD_BY_ID, &a);
    printf("link fd by id: %s\n", res(fd));
    fdinfo("  fdinfo by id", fd);
    W32(&a, 4, BPF_F_RDONLY);
    int ro = sys_bpf(BPF_LINK_GET_FD_BY_ID, &a);
    printf("link fd by id, BPF_F_RDONLY: %s\n", res(ro));
    if (ro >= 0) close(ro);
    close(fd);
  }

  // LINK_DETACH.
  printf("detach l0: %s\n", link_detach(l0));
  fdinfo("  fdinfo l0", l0);
  info("  info l0", l0);
  query("  query ingress", c, IN, 0);
  printf("  update after detach: %s\n", link_update(l0, p[3], 0, 0));
  printf("  update replace after detach: %s\n", link_update(l0, p[3], BPF_F_REPLACE, p[0]));
  printf("  detach again: %s\n", link_detach(l0));
  printf("  legacy attach flags 0 now: %s\n", prog_attach(c, p[4], IN, 0));
  printf("  link over it: %s\n", res(link_create(p[0], c, IN, 0)));
  printf("  legacy detach: %s\n", prog_detach(c, 0, IN));
  int l3 = link_create(p[4], c, IN, 0);
  printf("  next link after the refused one skips an id: %s\n", obj_id(l3) == idlb + 2 ? "yes" : obj_id(l3) == idlb + 1 ? "no" : "?");
  close(l3);
  printf("  l0's program still live: %s\n", id_live(BPF_PROG_GET_NEXT_ID, obj_id(p[2])) ? "yes" : "no");

  // rmdir of the cgroup while l1 (egress) is open: the link auto-detaches (cgroup_bpf_release runs from a work item
  // once the cgroup goes offline, so poll its fdinfo).
  // A legacy program beside it whose fd is closed: only the cgroup holds it.
  int p5 = load(BPF_PROG_TYPE_CGROUP_SKB);
  u32 id5 = obj_id(p5);
  def('p', "p5", id5);
  printf("legacy attach beside the egress link: %s\n", prog_attach(c, p5, EG, BPF_F_ALLOW_MULTI));
  close(p5);
  printf("  p5 with its fd closed: %s\n", id_live(BPF_PROG_GET_NEXT_ID, id5) ? "live" : "gone");
  printf("rmdir while a link is open: %s\n", rmdir(pc) ? strerrorname_np(errno) : "ok");
  int k = 0;
  while (fdinfo_field(l1, "cgroup_id:\t") != 0 && k++ < 200) sleep_ms(10);
  printf("  p5 after rmdir: %s\n", wait_gone(BPF_PROG_GET_NEXT_ID, id5));
  fdinfo("  fdinfo l1", l1);
  info("  info l1", l1);
  printf("  update after rmdir: %s\n", link_update(l1, p[4], 0, 0));
  printf("  detach after rmdir: %s\n", link_detach(l1));
  printf("  link create on the removed cgroup: %s\n", res(link_create(p[0], c, IN, 0)));
  query("  query the removed cgroup", c, IN, 0);
  printf("  legacy attach on the removed cgroup: %s\n", prog_attach(c, p[0], IN, 0));

  // Freeing: p1 is held by l1 only once its fd is closed.
  u32 id1 = obj_id(p[1]), idl1 = obj_id(l1), idl0 = obj_id(l0), id2 = obj_id(p[2]);
  close(p[1]);
  printf("p1 with its fd closed: %s\n", id_live(BPF_PROG_GET_NEXT_ID, id1) ? "live" : "gone");
  close(l1);
  printf("l1 closed: link %s", wait_gone(BPF_LINK_GET_NEXT_ID, idl1));
  printf(", p1 %s\n", wait_gone(BPF_PROG_GET_NEXT_ID, id1));
  {
    attr_t a = { 0 };
    W32(&a, 0, idl1);
    printf("  link fd by freed id: %s\n", res(sys_bpf(BPF_LINK_GET_FD_BY_ID, &a)));
  }
  close(p[2]);
  printf("p2 held by the detached l0: %s\n", id_live(BPF_PROG_GET_NEXT_ID, id2) ? "live" : "gone");
  close(l0);
  printf("l0 closed: link %s", wait_gone(BPF_LINK_GET_NEXT_ID, idl0));
  printf(", p2 %s\n", wait_gone(BPF_PROG_GET_NEXT_ID, id2));


  // Relative placement (BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK) and BPF_F_PREORDER on LINK_CREATE, on a
  // new cgroup base/r.
  {
    enum { F_BEFORE = 1 << 3, F_AFTER = 1 << 4, F_ID = 1 << 5, F_PREORDER = 1 << 6, F_LINK = 1 << 13 };
    char pr[320];
    snprintf(pr, sizeof pr, "%s/r", base);
    if (mkdir(pr, 0755)) { perror("mkdir r"); return 1; }
    int r = open(pr, O_RDONLY | O_DIRECTORY), bb = open(base, O_RDONLY | O_DIRECTORY);
    int q[5];
    for (int i = 0; i < 5; i++) {
      char n[8];
      q[i] = load(BPF_PROG_TYPE_CGROUP_SKB);
      snprintf(n, sizeof n, "q%d", i);
      def('p', n, obj_id(q[i]));
    }
    int rl[8], nl = 0;
#define REL(what, prog, cgfd, flags, rel)                                                   \
    do {                                                                                    \
      attr_t a = { 0 };                                                                     \
      W32(&a, 0, prog); W32(&a, 4, cgfd); W32(&a, 8, IN); W32(&a, 12, flags); W32(&a, 16, rel); \
      int fd = sys_bpf(BPF_LINK_CREATE, &a);                                                \
      printf("[relative] %s: %s\n", what, res(fd));                                         \
      if (fd >= 0) rl[nl++] = fd;                                                           \
    } while (0)
    REL("q0, no flags", q[0], r, 0, 0);
    REL("q1, BPF_F_BEFORE, relative 0", q[1], r, F_BEFORE, 0);
    REL("q2, BPF_F_AFTER q0's fd", q[2], r, F_AFTER, q[0]);
    REL("q3, BPF_F_BEFORE|BPF_F_ID q0's id", q[3], r, F_BEFORE | F_ID, obj_id(q[0]));
    REL("q4, BPF_F_AFTER|BPF_F_LINK the first link's fd", q[4], r, F_AFTER | F_LINK, rl[0]);
    query("[relative]   query r", r, IN, 0);
    REL("q0 again, BPF_F_AFTER a program not attached", q[0], r, F_AFTER, sf);
    REL("q0 again, BPF_F_BEFORE|BPF_F_AFTER", q[0], r, F_BEFORE | F_AFTER, 0);
    REL("q3, BPF_F_BEFORE|BPF_F_LINK|BPF_F_ID the first link's id", q[3], r, F_BEFORE | F_LINK | F_ID, obj_id(rl[0]));
    REL("q2, BPF_F_AFTER|BPF_F_LINK relative_fd 0", q[2], r, F_AFTER | F_LINK, 0);
    REL("q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID no such id", q[2], r, F_AFTER | F_LINK | F_ID, 0x7ffffff0);
    REL("q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID id 0", q[2], r, F_AFTER | F_LINK | F_ID, 0);
    REL("q2, BPF_F_AFTER|BPF_F_LINK a program fd", q[2], r, F_AFTER | F_LINK, q[0]);
    REL("q2, BPF_F_AFTER|BPF_F_LINK a bad fd", q[2], r, F_AFTER | F_LINK, 999);
    REL("q2, BPF_F_BEFORE|BPF_F_LINK|BPF_F_PREORDER the first link", q[2], r, F_BEFORE | F_LINK | F_PREORDER, rl[0]);
    REL("q2, BPF_F_PREORDER", q[2], r, F_PREORDER, 0);
    int pre = rl[nl - 1];
    REL("q0, BPF_F_AFTER|BPF_F_LINK|BPF_F_PREORDER the preorder link", q[0], r, F_AFTER | F_LINK | F_PREORDER, pre);
    REL("q1, BPF_F_BEFORE|BPF_F_LINK the preorder link", q[1], r, F_BEFORE | F_LINK, pre);
    query("[relative]   query r", r, IN, 0);
    query_prog_flags("[relative]   query r prog_attach_flags", r, IN);
    query("[relative]   query r effective", r, IN, BPF_F_QUERY_EFFECTIVE);
    REL("q3 on the parent, BPF_F_PREORDER", q[3], bb, F_PREORDER, 0);
    REL("q2 on the parent, no flags", q[2], bb, 0, 0);
    query("[relative]   query r effective", r, IN, BPF_F_QUERY_EFFECTIVE);
    for (int i = 0; i < nl; i++) close(rl[i]);
    for (int i = 0; i < 5; i++) close(q[i]);
    close(r);
    close(bb);
    rmdir(pr);
  }
  close(c);
  rmdir(base);
  return 0;
}
