// For each hex BTF blob on stdin: random BPF_MAP_CREATE attempts with its types; prints params and the errno.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  static char line[1 << 20];
  static unsigned char blob[1 << 19];
  const int types[] = {BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
                       BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_BLOOM_FILTER, BPF_MAP_TYPE_QUEUE,
                       BPF_MAP_TYPE_LPM_TRIE, BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_PERF_EVENT_ARRAY};
  srand(99);
  int bi = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n') line[--n] = 0;
    size_t len = n / 2;
    for (size_t i = 0; i < len; i++) sscanf(line + 2 * i, "%2hhx", &blob[i]);
    struct btf *b = btf__new(blob, len);
    int bfd = b ? bpf_btf_load(blob, len, NULL) : -1;
    if (bfd < 0) { btf__free(b); bi++; continue; }
    int nt = btf__type_cnt(b);
    for (int t = 0; t < 40; t++) {
      int type = types[rand() % (sizeof types / sizeof *types)];
      int kid = rand() % (nt + 1), vid = rand() % (nt + 1);
      if (rand() % 5 == 0) kid = 0;
      long ks = btf__resolve_size(b, kid), vs = btf__resolve_size(b, vid);
      if (ks < 0 || rand() % 4 == 0) ks = 1 + rand() % 16;
      if (vs < 0 || rand() % 4 == 0) vs = 1 + rand() % 16;
      if (type == BPF_MAP_TYPE_BLOOM_FILTER || type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_RINGBUF) ks = 0;
      unsigned max = type == BPF_MAP_TYPE_RINGBUF ? 4096 : 1 + rand() % 4;
      if (type == BPF_MAP_TYPE_RINGBUF) vs = 0;
      unsigned flags = type == BPF_MAP_TYPE_LPM_TRIE ? BPF_F_NO_PREALLOC : 0;
      LIBBPF_OPTS(bpf_map_create_opts, mo, .btf_fd = bfd, .btf_key_type_id = kid, .btf_value_type_id = vid, .map_flags = flags);
      int fd = bpf_map_create(type, "c", ks, vs, max, &mo);
      printf("{\"blob\":%d,\"type\":%d,\"ks\":%ld,\"vs\":%ld,\"max\":%u,\"flags\":%u,\"kid\":%d,\"vid\":%d,\"r\":%d}\n",
             bi, type, ks, vs, max, flags, kid, vid, fd < 0 ? -errno : 0);
      if (fd >= 0) close(fd);
    }
    close(bfd);
    btf__free(b);
    bi++;
  }
  return 0;
}
