// Runs the scenarios of netdev.kernel.test.ts on the real kernel: legacy XDP attach flags (netlink, through libbpf's
// bpf_xdp_attach, as `ip link set dev X xdp…` does), XDP and tcx links, and what a link sees when its device is
// deleted. It must run inside a private network namespace holding a veth pair v0/v1 made by the test (it attaches
// only to v0, v1 and that namespace's own lo), and it deletes v0 itself. Output: one line per step, compared with
// bpfsim's answers.
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int P[6];
static unsigned ID[6];

static int load(int type, int eat, int r0) {
  struct bpf_insn insns[2] = { { .code = 0xb7, .dst_reg = 0, .imm = r0 }, { .code = 0x95 } };
  LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = eat);
  return bpf_prog_load(type, NULL, "GPL", insns, 2, &o);
}
static const char *res(int r) { return r < 0 ? strerrorname_np(-r) : "ok"; }
/** Which of P[] has this id ("-" for none). */
static const char *name(unsigned id) {
  static char b[4][8]; static int k;
  char *s = b[k++ & 3];
  if (!id) return "-";
  for (int i = 0; i < 6; i++) if (ID[i] == id) { snprintf(s, 8, "p%d", i); return s; }
  return "?";
}
static const char *att(int ifindex, int fd, unsigned flags, int expected, int has_expected) {
  LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = has_expected ? expected : 0);
  return res(bpf_xdp_attach(ifindex, fd, flags, &o));
}
static void query(const char *what, int ifindex) {
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  int r = bpf_xdp_query(ifindex, 0, &q);
  if (r) { printf("%s: query %s\n", what, res(r)); return; }
  printf("%s: drv %s skb %s\n", what, name(q.drv_prog_id), name(q.skb_prog_id));
}
static const char *link_create(int prog, int ifindex, int type, unsigned flags, int *out) {
  LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
  int r = bpf_link_create(prog, ifindex, type, &o);
  if (out) *out = r;
  return res(r < 0 ? -errno : 0);
}
static unsigned link_id(int fd, unsigned *ifindex) {
  struct bpf_link_info i; unsigned len = sizeof i; memset(&i, 0, sizeof i);
  if (bpf_obj_get_info_by_fd(fd, &i, &len)) return 0;
  *ifindex = i.xdp.ifindex; // tcx.ifindex is at the same offset
  return i.id;
}
static const char *fdinfo_ifindex(int fd) {
  static char line[64]; char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  FILE *f = fopen(path, "r"); if (!f) return "?";
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
  char *s = strstr(buf, "ifindex:"); if (!s) return "none";
  unsigned v; sscanf(s, "ifindex:\t%u", &v);
  snprintf(line, sizeof line, "%s", v ? "dev" : "0");
  return line;
}
static const char *upd(int link, int prog, int old) {
  LIBBPF_OPTS(bpf_link_update_opts, o, .flags = old ? BPF_F_REPLACE : 0, .old_prog_fd = old);
  return res(bpf_link_update(link, prog, &o) ? -errno : 0);
}
static const char *alive(unsigned id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return strerrorname_np(errno);
  close(fd);
  return "alive";
}

int main(void) {
  int v0 = if_nametoindex("v0"), v1 = if_nametoindex("v1"), lo = 1;
  if (!v0 || !v1) { perror("if_nametoindex"); return 1; }
  for (int i = 0; i < 6; i++) {
    P[i] = load(BPF_PROG_TYPE_XDP, 0, 2);
    if (P[i] < 0) { perror("load"); return 1; }
    struct bpf_prog_info info; unsigned len = sizeof info; memset(&info, 0, sizeof info);
    bpf_obj_get_info_by_fd(P[i], &info, &len);
    ID[i] = info.id;
  }
  int devmap = load(BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 2), sf = load(BPF_PROG_TYPE_SOCKET_FILTER, 0, 0);
  int cls = load(BPF_PROG_TYPE_SCHED_CLS, 0, 0);

  // Legacy attach flags on a veth (native XDP: no mode flag means DRV mode).
  printf("veth default: %s\n", att(v0, P[0], 0, 0, 0));
  query("  after", v0);
  printf("veth update-if-noexist: %s\n", att(v0, P[1], XDP_FLAGS_UPDATE_IF_NOEXIST, 0, 0));
  printf("veth replace, wrong expected: %s\n", att(v0, P[1], 0, P[2], 1));
  printf("veth replace, right expected: %s\n", att(v0, P[1], 0, P[0], 1));
  printf("veth replace, expected none: %s\n", att(v0, P[2], 0, -1, 1));
  printf("veth skb mode while drv: %s\n", att(v0, P[2], XDP_FLAGS_SKB_MODE, 0, 0));
  printf("veth hw mode: %s\n", att(v0, P[2], XDP_FLAGS_HW_MODE, 0, 0));
  printf("veth two modes: %s\n", att(v0, P[2], XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE, 0, 0));
  printf("veth unknown flag: %s\n", att(v0, P[2], 1 << 5, 0, 0));
  printf("veth remove in skb mode: %s\n", att(v0, -1, XDP_FLAGS_SKB_MODE, 0, 0));
  query("  after", v0);
  printf("veth same program again: %s\n", att(v0, P[1], XDP_FLAGS_DRV_MODE, 0, 0));
  printf("veth devmap program: %s\n", att(v0, devmap, 0, 0, 0));
  printf("veth socket filter: %s\n", att(v0, sf, 0, 0, 0));
  printf("veth remove: %s\n", att(v0, -1, 0, 0, 0));
  query("  after", v0);
  printf("veth remove nothing: %s\n", att(v0, -1, 0, 0, 0));
  printf("veth skb mode: %s\n", att(v0, P[0], XDP_FLAGS_SKB_MODE, 0, 0));
  printf("veth default while skb: %s\n", att(v0, P[1], 0, 0, 0));
  printf("veth remove default while skb: %s\n", att(v0, -1, 0, 0, 0));
  query("  after", v0);
  printf("veth replace expected none, in skb: %s\n", att(v0, P[1], XDP_FLAGS_SKB_MODE, -1, 1));
  printf("veth remove in skb mode: %s\n", att(v0, -1, XDP_FLAGS_SKB_MODE, 0, 0));
  query("  after", v0);
  printf("veth replace expected none, empty: %s\n", att(v0, P[0], 0, -1, 1));
  printf("veth remove: %s\n", att(v0, -1, 0, 0, 0));
  att(v0, P[0], 0, 0, 0);
  printf("veth noexist, same program: %s\n", att(v0, P[0], XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, 0, 0));
  printf("veth replace with nothing: %s\n", att(v0, -1, 0, P[0], 1));
  query("  after", v0);

  // lo has no native XDP: no mode flag means SKB mode, DRV and HW are refused.
  printf("lo drv mode: %s\n", att(lo, P[0], XDP_FLAGS_DRV_MODE, 0, 0));
  printf("lo hw mode: %s\n", att(lo, P[0], XDP_FLAGS_HW_MODE, 0, 0));
  printf("lo default: %s\n", att(lo, P[0], 0, 0, 0));
  query("  after", lo);
  printf("lo remove: %s\n", att(lo, -1, 0, 0, 0));
  printf("lo remove nothing in hw mode: %s\n", att(lo, -1, XDP_FLAGS_HW_MODE, 0, 0));

  // XDP links next to legacy programs.
  int l0, l1;
  att(v0, P[0], 0, 0, 0);
  printf("link over legacy, same mode: %s\n", link_create(P[1], v0, BPF_XDP, 0, NULL));
  printf("link over legacy, skb mode: %s\n", link_create(P[1], v0, BPF_XDP, XDP_FLAGS_SKB_MODE, NULL));
  att(v0, -1, 0, 0, 0);
  printf("link flags update-if-noexist: %s\n", link_create(P[1], v0, BPF_XDP, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL));
  printf("link hw mode: %s\n", link_create(P[1], v0, BPF_XDP, XDP_FLAGS_HW_MODE, NULL));
  printf("link lo drv mode: %s\n", link_create(P[1], lo, BPF_XDP, XDP_FLAGS_DRV_MODE, NULL));
  printf("link devmap program: %s\n", link_create(devmap, v0, BPF_XDP, 0, NULL));
  printf("link: %s\n", link_create(P[1], v0, BPF_XDP, 0, &l0));
  query("  after", v0);
  printf("legacy over link: %s\n", att(v0, P[2], 0, 0, 0));
  printf("legacy remove over link: %s\n", att(v0, -1, 0, 0, 0));
  printf("legacy skb over drv link: %s\n", att(v0, P[2], XDP_FLAGS_SKB_MODE, 0, 0));
  printf("legacy remove skb beside drv link: %s\n", att(v0, -1, XDP_FLAGS_SKB_MODE, 0, 0));
  printf("second link: %s\n", link_create(P[2], v0, BPF_XDP, 0, NULL));
  printf("second link skb: %s\n", link_create(P[2], v0, BPF_XDP, XDP_FLAGS_SKB_MODE, NULL));
  unsigned ifx, a = link_id(l0, &ifx);
  link_create(P[3], lo, BPF_XDP, 0, &l1);
  unsigned b = link_id(l1, &ifx);
  printf("failed link creates used ids: %d\n", (int)(b - a - 1));
  close(l1);

  // Device removal: v0 (an XDP link and a tcx link on it) and its peer v1 (a legacy program whose fd is closed) go
  // away together; lo keeps its legacy program.
  int t0;
  printf("tcx link: %s\n", link_create(cls, v0, 46 /* BPF_TCX_INGRESS */, 0, &t0));
  printf("legacy on the peer: %s\n", att(v1, P[5], 0, 0, 0));
  close(P[5]);
  printf("peer program, fd closed: %s\n", alive(ID[5]));
  att(lo, P[4], 0, 0, 0);
  close(P[4]);
  printf("before: fdinfo %s info %s\n", fdinfo_ifindex(l0), link_id(l0, &ifx) && ifx ? "dev" : "0");
  if (system("ip link del v0")) { fprintf(stderr, "ip link del failed\n"); return 1; }
  printf("after: fdinfo %s info %s\n", fdinfo_ifindex(l0), link_id(l0, &ifx) && !ifx ? "0" : "dev");
  printf("tcx after: fdinfo %s info %s\n", fdinfo_ifindex(t0), link_id(t0, &ifx) && !ifx ? "0" : "dev");
  printf("peer program after removal: %s\n", alive(ID[5]));
  printf("link's program: %s\n", alive(ID[1]));
  printf("update same program: %s\n", upd(l0, P[1], 0));
  printf("update other program: %s\n", upd(l0, P[2], 0));
  printf("update wrong old: %s\n", upd(l0, P[2], P[3]));
  printf("tcx update: %s\n", upd(t0, load(BPF_PROG_TYPE_SCHED_CLS, 0, 2), 0));
  printf("detach: %s\n", res(bpf_link_detach(l0) ? -errno : 0));
  printf("detach again: %s\n", res(bpf_link_detach(l0) ? -errno : 0));
  printf("tcx detach: %s\n", res(bpf_link_detach(t0) ? -errno : 0));
  printf("xdp link on removed device: %s\n", link_create(P[2], v0, BPF_XDP, 0, NULL));
  printf("tcx link on removed device: %s\n", link_create(cls, v0, 46 /* BPF_TCX_INGRESS */, 0, NULL));
  printf("lo program: %s\n", alive(ID[4]));
  att(lo, -1, 0, 0, 0);
  printf("lo program removed: %s\n", alive(ID[4]));
  close(l0);
  close(t0);
  return 0;
}
