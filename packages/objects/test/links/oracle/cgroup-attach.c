// Runs the cgroup attach-mode scenarios of cgroup.kernel.test.ts on the real kernel: BPF_PROG_ATTACH / DETACH /
// QUERY of cgroup_skb programs (r0 = 1; exit) on cgroups it creates under the cgroup2 mount given as argv[1], which
// the test mounts in a private mount + network namespace. It only ever attaches to those new, empty cgroups and
// removes them at the end. Output: one line per scenario, compared with bpfsim's answers.
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
static long bpf(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }
static int load(void) {
  struct bpf_insn insns[2] = { { .code = 0xb7, .dst_reg = 0, .imm = 1 }, { .code = 0x95 } };
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_CGROUP_SKB; a.insns = (unsigned long)insns; a.insn_cnt = 2; a.license = (unsigned long)"GPL";
  return bpf(BPF_PROG_LOAD, &a);
}
static const char *att(int cg, int p, int flags, int rep) {
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.target_fd = cg; a.attach_bpf_fd = p; a.attach_type = BPF_CGROUP_INET_INGRESS; a.attach_flags = flags; a.replace_bpf_fd = rep;
  return bpf(BPF_PROG_ATTACH, &a) ? strerrorname_np(errno) : "ok";
}
static const char *det(int cg, int p) {
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.target_fd = cg; a.attach_bpf_fd = p; a.attach_type = BPF_CGROUP_INET_INGRESS;
  return bpf(BPF_PROG_DETACH, &a) ? strerrorname_np(errno) : "ok";
}
static int query(int cg, int eff, unsigned *ids, unsigned *flags) {
  union bpf_attr a; memset(&a, 0, sizeof a);
  a.query.target_fd = cg; a.query.attach_type = BPF_CGROUP_INET_INGRESS; a.query.query_flags = eff;
  a.query.prog_ids = (unsigned long)ids; a.query.prog_cnt = 8;
  if (bpf(BPF_PROG_QUERY, &a)) return -errno;
  *flags = a.query.attach_flags; return a.query.prog_cnt;
}
static void clear(int cg, int *p) { for (int k = 0; k < 6; k++) det(cg, p[k]); for (int k = 0; k < 3; k++) det(cg, 0); }
int main(int argc, char **argv) {
  char base[256], pa[300], pb[300];
  snprintf(base, sizeof base, "%s/bpfsim-%d", argv[1], getpid());
  snprintf(pa, sizeof pa, "%s/a", base); snprintf(pb, sizeof pb, "%s/a/b", base);
  if (mkdir(base, 0755) || mkdir(pa, 0755) || mkdir(pb, 0755)) { perror("mkdir"); return 1; }
  int a = open(pa, O_RDONLY | O_DIRECTORY), b = open(pb, O_RDONLY | O_DIRECTORY);
  int p[6]; for (int k = 0; k < 6; k++) p[k] = load();
  if (p[0] < 0) { perror("load"); return 1; }
  for (int P = 0; P < 3; P++) for (int C = 0; C < 3; C++) {
    const char *r1 = att(a, p[0], P, 0); const char *r2 = att(b, p[1], C, 0);
    printf("parent %d child %d: %s %s\n", P, C, r1, r2);
    clear(b, p); clear(a, p);
  }
  for (int E = 0; E < 3; E++) for (int N = 0; N < 3; N++) {
    att(a, p[0], E, 0); const char *r = att(a, p[1], N, 0);
    unsigned ids[8], fl; int n = query(a, 0, ids, &fl);
    printf("existing %d new %d: %s cnt %d flags %u\n", E, N, r, n, fl);
    clear(a, p);
  }
  printf("multi first: %s\n", att(a, p[0], 2, 0));
  printf("multi same again: %s\n", att(a, p[0], 2, 0));
  printf("override|multi: %s\n", att(a, p[1], 3, 0));
  printf("replace without multi: %s\n", att(a, p[1], 4, p[0]));
  printf("multi|replace no fd: %s\n", att(a, p[1], 6, 0));
  printf("multi|replace missing: %s\n", att(a, p[1], 6, p[2]));
  printf("multi detach fd0: %s\n", det(a, 0));
  printf("multi detach missing: %s\n", det(a, p[3]));
  att(b, p[4], 2, 0);
  {
    unsigned ids[8], fl;
    int n = query(b, 1, ids, &fl);
    printf("effective b: cnt %d flags %u\n", n, fl);
    union bpf_attr q;
    unsigned one[1];
    memset(&q, 0, sizeof q);
    q.query.target_fd = b; q.query.attach_type = 0; q.query.query_flags = 1;
    q.query.prog_ids = (unsigned long)one; q.query.prog_cnt = 1;
    long rr = bpf(BPF_PROG_QUERY, &q);
    printf("short effective query: %s cnt %u\n", rr ? strerrorname_np(errno) : "ok", q.query.prog_cnt);
  }
  clear(b, p); clear(a, p);
  printf("none detach empty: %s\n", det(a, p[0]));
  att(a, p[0], 0, 0); printf("none detach fd0: %s\n", det(a, 0));
  close(a); close(b); rmdir(pb); rmdir(pa); rmdir(base);
  return 0;
}
