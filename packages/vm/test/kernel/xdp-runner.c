// Kernel oracle for VM tests: loads each program read from standard input as an XDP program and test-runs it once
// (BPF_PROG_TEST_RUN) on a 64-byte zeroed packet. Never attaches anything; every program dies with this process.
// Run it inside a private mount namespace (the test does: unshare -m).
//
// Input: one program per line, hex bytes (8 per instruction slot). Output per line:
//   ok <retval> <first 8 bytes of the output packet as hex>
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

int main(void) {
  static char line[1 << 20];
  static unsigned char code[1 << 19];
  static char log[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = 0;
    for (char *p = line; p[0] && p[1]; ) {
      int hi = hexval(p[0]), lo = hexval(p[1]);
      if (hi < 0 || lo < 0) { p++; continue; }
      code[n++] = (unsigned char)(hi * 16 + lo);
      p += 2;
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    log[0] = 0;
    attr.prog_type = BPF_PROG_TYPE_XDP;
    attr.insns = (uint64_t)(uintptr_t)code;
    attr.insn_cnt = (uint32_t)(n / 8);
    attr.license = (uint64_t)(uintptr_t)"GPL";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof log;
    attr.log_level = 1;
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
      continue;
    }
    unsigned char pkt[64] = {0}, out[64] = {0};
    memset(&attr, 0, sizeof attr);
    attr.test.prog_fd = (uint32_t)fd;
    attr.test.data_in = (uint64_t)(uintptr_t)pkt;
    attr.test.data_size_in = sizeof pkt;
    attr.test.data_out = (uint64_t)(uintptr_t)out;
    attr.test.data_size_out = sizeof out;
    attr.test.repeat = 1;
    if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0) {
      printf("err test_run %d\n", errno);
    } else {
      printf("ok %u ", attr.test.retval);
      for (int i = 0; i < 8; i++) printf("%02x", out[i]);
      printf("\n");
    }
    fflush(stdout);
    close(fd);
  }
  return 0;
}
