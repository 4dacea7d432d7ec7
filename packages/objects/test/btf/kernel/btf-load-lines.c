// Reads hex BTF blobs (one per line) and prints, per line, JSON {"r":result,"log":...} from the real kernel.
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static char logbuf[1 << 16];
int main(void) {
  static char line[1 << 20];
  static unsigned char blob[1 << 19];
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n')) line[--n] = 0;
    size_t len = n / 2;
    for (size_t i = 0; i < len; i++) sscanf(line + 2 * i, "%2hhx", &blob[i]);
    LIBBPF_OPTS(bpf_btf_load_opts, o, .log_buf = logbuf, .log_size = sizeof logbuf, .log_level = 1);
    logbuf[0] = 0;
    int fd = bpf_btf_load(blob, len, &o);
    int r = fd < 0 ? -errno : 0;
    if (fd >= 0) close(fd);
    printf("{\"r\":%d,\"log\":\"", r);
    for (char *p = logbuf; *p; p++) {
      unsigned char c = *p;
      if (c == '"' || c == '\\') printf("\\%c", c);
      else if (c == '\n') printf("\\n");
      else if (c == '\t') printf("\\t");
      else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
      else putchar(c);
    }
    printf("\"}\n");
  }
  return 0;
}
