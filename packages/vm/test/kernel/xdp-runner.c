// Kernel oracle for VM tests: loads each program read from standard input as an XDP program (or, for lines starting
// with `sk <packet hex> `, as a socket filter run on that packet) and test-runs it once (BPF_PROG_TEST_RUN) — by
// default on a 64-byte zeroed packet. Lines starting with `pa ` get a fresh BPF_MAP_TYPE_PROG_ARRAY (4 entries):
// every lddw with src 1 (map fd) is pointed at it, and after loading, entry 0 is the program itself (for tail-call
// tests). `paf <slot>,<slot>… ` does the same and also loads BTF describing one static function per listed start
// slot (the first is 0), which the verifier requires for bpf-to-bpf subprograms that tail-call. Never attaches
// anything; every object dies with this process.
// Run it inside a private mount namespace (the test does: unshare -m).
//
// Input: one program per line, hex bytes (8 per instruction slot). Output per line:
//   ok <retval> <first 32 bytes of the output packet as hex>
//   err <errno name> <first line of the verifier log>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr) { return syscall(__NR_bpf, cmd, attr, sizeof(*attr)); }

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A minimal BTF blob: int, a `int (void)` prototype, and functions f0, f1, … (static) of that prototype.
static int load_func_btf(int nfuncs) {
  static unsigned char blob[4096];
  uint32_t types[64], t = 0;
  char strs[256];
  uint32_t s = 0;
  strs[s++] = 0;
  uint32_t int_name = s;
  memcpy(strs + s, "int", 4);
  s += 4;
  // [1] INT "int": name, info (kind 1 << 24), size 4, then the encoding word (signed, 32 bits)
  types[t++] = int_name; types[t++] = 1u << 24; types[t++] = 4; types[t++] = (1u << 24) | 32;
  // [2] FUNC_PROTO returning [1], no parameters
  types[t++] = 0; types[t++] = 13u << 24; types[t++] = 1;
  for (int i = 0; i < nfuncs; i++) {
    uint32_t name = s;
    s += (uint32_t)sprintf(strs + s, "f%d", i) + 1;
    // [3 + i] FUNC "f<i>" of type [2], static linkage (vlen 0)
    types[t++] = name; types[t++] = 12u << 24; types[t++] = 2;
  }
  uint32_t hdr[6] = { 0x0001eB9F, 24, 0, t * 4, t * 4, s };  // magic/version/flags, hdr_len, type_off/len, str_off/len
  memcpy(blob, hdr, 24);
  memcpy(blob + 24, types, t * 4);
  memcpy(blob + 24 + t * 4, strs, s);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.btf = (uint64_t)(uintptr_t)blob;
  a.btf_size = 24 + t * 4 + s;
  return (int)sys_bpf(BPF_BTF_LOAD, &a);
}

int main(void) {
  static char line[1 << 20];
  static unsigned char code[1 << 19];
  static char log[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    unsigned char pkt[256] = {0}, out[256] = {0};
    uint32_t pkt_len = 64;
    int prog_type = BPF_PROG_TYPE_XDP;
    char *text = line;
    int map_fd = -1, btf_fd = -1, nfuncs = 0;
    uint32_t func_info[2 * 16];
    if (strncmp(line, "paf ", 4) == 0) {
      char *p = line + 4;
      while (nfuncs < 16) {
        func_info[2 * nfuncs] = (uint32_t)strtoul(p, &p, 10);
        func_info[2 * nfuncs + 1] = (uint32_t)(3 + nfuncs);
        nfuncs++;
        if (*p != ',') break;
        p++;
      }
      btf_fd = load_func_btf(nfuncs);
      if (btf_fd < 0) {
        printf("err btf_load %d\n", errno);
        fflush(stdout);
        continue;
      }
      memmove(line + 3, p + 1, strlen(p + 1) + 1); // leave `pa ` + the program
      line[2] = ' ';
    }
    if (strncmp(line, "pa ", 3) == 0) {
      union bpf_attr m;
      memset(&m, 0, sizeof m);
      m.map_type = BPF_MAP_TYPE_PROG_ARRAY;
      m.key_size = 4;
      m.value_size = 4;
      m.max_entries = 4;
      map_fd = (int)sys_bpf(BPF_MAP_CREATE, &m);
      if (map_fd < 0) {
        printf("err map_create %d\n", errno);
        fflush(stdout);
        continue;
      }
      text = line + 3;
    } else if (strncmp(line, "sk ", 3) == 0) {
      prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
      pkt_len = 0;
      char *p = line + 3;
      while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && pkt_len < sizeof pkt) {
        pkt[pkt_len++] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
        p += 2;
      }
      text = p;
    }
    size_t n = 0;
    for (char *p = text; p[0] && p[1]; ) {
      int hi = hexval(p[0]), lo = hexval(p[1]);
      if (hi < 0 || lo < 0) { p++; continue; }
      code[n++] = (unsigned char)(hi * 16 + lo);
      p += 2;
    }
    if (map_fd >= 0) {
      for (size_t at = 0; at + 16 <= n; at += 8) {
        if (code[at] == 0x18 && (code[at + 1] >> 4) == 1) memcpy(&code[at + 4], &map_fd, 4);
        if (code[at] == 0x18) at += 8;
      }
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    log[0] = 0;
    attr.prog_type = (uint32_t)prog_type;
    attr.insns = (uint64_t)(uintptr_t)code;
    attr.insn_cnt = (uint32_t)(n / 8);
    attr.license = (uint64_t)(uintptr_t)"GPL";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof log;
    attr.log_level = 1;
    if (btf_fd >= 0) {
      attr.prog_btf_fd = (uint32_t)btf_fd;
      attr.func_info = (uint64_t)(uintptr_t)func_info;
      attr.func_info_cnt = (uint32_t)nfuncs;
      attr.func_info_rec_size = 8;
    }
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0) {
      int e = errno;
      char *nl = strchr(log, '\n');
      // report the last non-empty log line (the verifier's reason)
      char *last = log, *p = log;
      while ((nl = strchr(p, '\n')) != NULL) { if (nl > p) last = p; p = nl + 1; }
      char *end = strchr(last, '\n');
      if (end) *end = 0;
      printf("err %s %s\n", e == EACCES ? "EACCES" : e == EINVAL ? "EINVAL" : e == EPERM ? "EPERM" : "E?", last);
      fflush(stdout);
      if (map_fd >= 0) close(map_fd);
      continue;
    }
    if (map_fd >= 0) {
      union bpf_attr u;
      uint32_t key = 0, value = (uint32_t)fd;
      memset(&u, 0, sizeof u);
      u.map_fd = (uint32_t)map_fd;
      u.key = (uint64_t)(uintptr_t)&key;
      u.value = (uint64_t)(uintptr_t)&value;
      if (sys_bpf(BPF_MAP_UPDATE_ELEM, &u) < 0) {
        printf("err map_update %d\n", errno);
        fflush(stdout);
        close(fd);
        close(map_fd);
        continue;
      }
    }
    memset(&attr, 0, sizeof attr);
    attr.test.prog_fd = (uint32_t)fd;
    attr.test.data_in = (uint64_t)(uintptr_t)pkt;
    attr.test.data_size_in = pkt_len;
    attr.test.data_out = (uint64_t)(uintptr_t)out;
    attr.test.data_size_out = sizeof out;
    attr.test.repeat = 1;
    if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0) {
      printf("err test_run %d\n", errno);
    } else {
      printf("ok %u ", attr.test.retval);
      for (int i = 0; i < 32; i++) printf("%02x", out[i]);
      printf("\n");
    }
    fflush(stdout);
    close(fd);
    // the map holds the program and the program the map: deleting entry 0 breaks the cycle so both are freed
    if (btf_fd >= 0) close(btf_fd);
    if (map_fd >= 0) {
      union bpf_attr d;
      uint32_t key = 0;
      memset(&d, 0, sizeof d);
      d.map_fd = (uint32_t)map_fd;
      d.key = (uint64_t)(uintptr_t)&key;
      sys_bpf(BPF_MAP_DELETE_ELEM, &d);
      close(map_fd);
    }
  }
  return 0;
}
