// For each hex BTF blob on stdin: for every type id with a size in 1..256, a one-element HASH map whose key and
// value both have that type, random bytes, pinned and read back. Prints JSON lines.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static void hex(const unsigned char *p, int n) { for (int i = 0; i < n; i++) printf("%02x", p[i]); }
static void jstr(const char *s, int n) {
  putchar('"');
  for (int i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') printf("\\n");
    else if (c == '\t') printf("\\t");
    else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}
int main(int argc, char **argv) {
  static char line[1 << 20];
  static unsigned char blob[1 << 19], key[512], val[512];
  char path[256], buf[1 << 16];
  srand(42);
  int bi = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n') line[--n] = 0;
    size_t len = n / 2;
    for (size_t i = 0; i < len; i++) sscanf(line + 2 * i, "%2hhx", &blob[i]);
    struct btf *b = btf__new(blob, len);
    if (!b) { bi++; continue; }
    int bfd = bpf_btf_load(blob, len, NULL);
    if (bfd < 0) { btf__free(b); bi++; continue; }
    int nt = btf__type_cnt(b);
    for (int id = 1; id < nt; id++) {
      long sz = btf__resolve_size(b, id);
      if (sz < 1 || sz > 256) continue;
      for (int i = 0; i < sz; i++) { key[i] = rand() & 0xff; val[i] = (rand() % 3) ? rand() & 0xff : 0; }
      if (rand() % 4 == 0) memset(val, 0, sz);
      LIBBPF_OPTS(bpf_map_create_opts, mo, .btf_fd = bfd, .btf_key_type_id = id, .btf_value_type_id = id);
      int mfd = bpf_map_create(BPF_MAP_TYPE_HASH, "f", sz, sz, 1, &mo);
      printf("{\"blob\":%d,\"id\":%d,\"size\":%ld,\"create\":%d", bi, id, sz, mfd < 0 ? -errno : 0);
      if (mfd >= 0) {
        printf(",\"key\":\""); hex(key, sz); printf("\",\"value\":\""); hex(val, sz); printf("\"");
        if (bpf_map_update_elem(mfd, key, val, 0)) printf(",\"update\":%d", -errno);
        snprintf(path, sizeof path, "%s/m", argv[1]);
        bpf_obj_pin(mfd, path);
        int f = open(path, O_RDONLY);
        int got = 0, r;
        if (f >= 0) { while ((r = read(f, buf + got, sizeof buf - 1 - got)) > 0) got += r; close(f); printf(",\"cat\":"); jstr(buf, got); }
        else printf(",\"open\":%d", -errno);
        unlink(path);
        close(mfd);
      }
      printf("}\n");
    }
    close(bfd);
    btf__free(b);
    bi++;
  }
  return 0;
}
