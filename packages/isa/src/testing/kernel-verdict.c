// Test helper (not part of the library): asks the running Linux kernel's verifier about eBPF programs.
// Reads one program per line on stdin (hex bytes, 8 per slot, no separators), loads each with BPF_PROG_LOAD and
// prints one line per program: "ok" or "err <errno> <verifier log, newlines as '|'>". By default the program is a GPL
// socket filter with log level 1; a line may start with "@<prog_type>:<expected_attach_type>:<prog_flags>:<log_level>:
// <license> " to choose otherwise.
// Run it only inside a private mount namespace (unshare -m); it creates no maps, pins nothing and attaches nothing,
// and closes every program fd it gets.
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char log_buf[1 << 16];

static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(void) {
  static char line[1 << 16];
  static unsigned char prog[1 << 15];
  while (fgets(line, sizeof line, stdin)) {
    unsigned type = BPF_PROG_TYPE_SOCKET_FILTER, attach = 0, flags = 0, level = 1;
    char license[64] = "GPL";
    char *p = line;
    if (line[0] == '@') {
      int used = 0;
      if (sscanf(line, "@%u:%u:%u:%u:%63[^ ] %n", &type, &attach, &flags, &level, license, &used) < 5 || used == 0) {
        printf("bad line\n");
        fflush(stdout);
        continue;
      }
      p = line + used;
    }
    size_t n = 0;
    for (; p[0] && p[1] && hex_value(p[0]) >= 0 && hex_value(p[1]) >= 0 && n < sizeof prog; p += 2)
      prog[n++] = (unsigned char)(hex_value(p[0]) << 4 | hex_value(p[1]));
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = type;
    attr.expected_attach_type = attach;
    attr.prog_flags = flags;
    attr.insns = (unsigned long)prog;
    attr.insn_cnt = (unsigned)(n / 8);
    attr.license = (unsigned long)license;
    attr.log_buf = (unsigned long)log_buf;
    attr.log_size = sizeof log_buf;
    attr.log_level = level;
    log_buf[0] = 0;
    int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd >= 0) {
      close(fd);
      printf("ok\n");
    } else {
      int err = errno;
      for (char *p = log_buf; *p; p++)
        if (*p == '\n') *p = '|';
      printf("err %d %s\n", err, log_buf);
    }
    fflush(stdout);
  }
  return 0;
}
