// Test helper for llvm-kernel-oracle.test.ts: prints the kernel verifier's instruction listing of programs.
// stdin: one program per line, as hex (8 bytes a slot, memory order). For each program it calls
// BPF_PROG_LOAD (socket filter, log_level 2) and prints the lines the verifier logs under
// "Live regs before insn:" (every instruction, printed with print_bpf_insn), then a line "==".
// If the log has no such listing it prints "none: <first log line>" instead. The program is never attached;
// a successful load's fd is closed at once. Run it inside `unshare -m`.
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char line[1 << 20];
static unsigned char prog[1 << 19];
static char log_buf[1 << 22];

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(void) {
  while (fgets(line, sizeof line, stdin)) {
    size_t n = 0;
    for (char *p = line; hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < sizeof prog; p += 2) {
      prog[n++] = (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
    }
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = (uint32_t)(n / 8);
    attr.license = (uint64_t)(uintptr_t)"GPL";
    attr.log_buf = (uint64_t)(uintptr_t)log_buf;
    attr.log_size = sizeof log_buf;
    attr.log_level = 2;
    log_buf[0] = 0;
    long fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd >= 0) close((int)fd);
    char *listing = strstr(log_buf, "Live regs before insn:\n");
    if (!listing) {
      char *end = strchr(log_buf, '\n');
      if (end) *end = 0;
      printf("none: %s (errno %d)\n==\n", log_buf, fd < 0 ? errno : 0);
      continue;
    }
    char *p = listing + strlen("Live regs before insn:\n");
    // Listing lines look like "%3d: <10 liveness chars> (xx) text"; stop at the first line that does not.
    while (*p) {
      char *end = strchr(p, '\n');
      if (!end) break;
      *end = 0;
      char *q = p;
      while (*q == ' ') q++;
      if (!(*q >= '0' && *q <= '9') || !strstr(q, ": ") || !strstr(q, " (")) break;
      puts(p);
      p = end + 1;
    }
    puts("==");
    fflush(stdout);
  }
  return 0;
}
