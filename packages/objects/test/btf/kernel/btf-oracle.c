// Records what Linux does with BTF: the pretty print `cat` of pinned BTF maps (bpffs map_seq_show) and the errno +
// verifier log of BPF_BTF_LOAD / BPF_MAP_CREATE error cases. Prints JSON (kernel-fixtures.json) on stdout.
//
// Build and run (root; only objects this program creates, in a private mount namespace with its own bpffs):
//   clang-19 -O1 -o /tmp/btf-oracle btf-oracle.c -lbpf
//   unshare -m sh -c 'mkdir -p /tmp/btf-oracle-fs && mount -t bpf bpf /tmp/btf-oracle-fs &&
//                     /tmp/btf-oracle /tmp/btf-oracle-fs' > kernel-fixtures.json
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fsdir;
static int first = 1;
static char logbuf[1 << 16];

static void json_str(const char *s, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') printf("\\n");
    else if (c == '\t') printf("\\t");
    else if (c < 0x20 || c >= 0x7f) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void json_hex(const void *p, size_t n) {
  putchar('"');
  for (size_t i = 0; i < n; i++) printf("%02x", ((const unsigned char *)p)[i]);
  putchar('"');
}

static void begin(const char *kind, const char *name) {
  printf("%s{\"kind\":\"%s\",\"name\":\"%s\"", first ? "[\n" : ",\n", kind, name);
  first = 0;
}

/** Loads raw BTF bytes with log_level 1; returns fd or -errno, log in logbuf. */
static int load_raw(const void *data, size_t size) {
  LIBBPF_OPTS(bpf_btf_load_opts, o, .log_buf = logbuf, .log_size = sizeof(logbuf), .log_level = 1);
  logbuf[0] = 0;
  int fd = bpf_btf_load(data, size, &o);
  return fd < 0 ? -errno : fd;
}

static int load_sized(const void *data, size_t size, unsigned log_size, unsigned level) {
  LIBBPF_OPTS(bpf_btf_load_opts, o, .log_buf = log_size ? logbuf : NULL, .log_size = log_size, .log_level = level);
  memset(logbuf, 0, sizeof(logbuf));
  int fd = bpf_btf_load(data, size, &o);
  return fd < 0 ? -errno : fd;
}

static void load_case_sized(const char *name, const void *data, size_t size, unsigned log_size, unsigned level) {
  int fd = load_sized(data, size, log_size, level);
  begin("load", name);
  printf(",\"blob\":");
  json_hex(data, size);
  printf(",\"log_size\":%u,\"log_level\":%u,\"result\":%d,\"log\":", log_size, level, fd < 0 ? fd : 0);
  json_str(logbuf, strlen(logbuf));
  printf("}");
  if (fd >= 0) close(fd);
}

static void load_case(const char *name, const void *data, size_t size) {
  int fd = load_raw(data, size);
  begin("load", name);
  printf(",\"blob\":");
  json_hex(data, size);
  printf(",\"result\":%d,\"log\":", fd < 0 ? fd : 0);
  json_str(logbuf, strlen(logbuf));
  printf("}");
  if (fd >= 0) close(fd);
}

struct entry { const void *key; const void *value; };

/**
 * Creates a map with the BTF, fills it (value bytes for percpu maps: ncpus × round_up(value_size, 8)), pins it,
 * cats the pin; records everything.
 */
static void map_case(const char *name, struct btf *btf, enum bpf_map_type type, unsigned ks, unsigned vs,
                     unsigned max, unsigned flags, int key_id, int value_id, const struct entry *e, int n, unsigned vstride) {
  unsigned size;
  const void *raw = btf__raw_data(btf, &size);
  int bfd = load_raw(raw, size);
  begin("map", name);
  printf(",\"blob\":");
  json_hex(raw, size);
  printf(",\"map_type\":%d,\"key_size\":%u,\"value_size\":%u,\"max_entries\":%u,\"map_flags\":%u,\"key_type_id\":%d,\"value_type_id\":%d",
         type, ks, vs, max, flags, key_id, value_id);
  if (bfd < 0) {
    printf(",\"btf_load\":%d,\"log\":", bfd);
    json_str(logbuf, strlen(logbuf));
    printf("}");
    return;
  }
  LIBBPF_OPTS(bpf_map_create_opts, mo, .btf_fd = bfd, .btf_key_type_id = key_id, .btf_value_type_id = value_id,
              .map_flags = flags);
  int mfd = bpf_map_create(type, name, ks, vs, max, &mo);
  printf(",\"create\":%d", mfd < 0 ? -errno : 0);
  printf(",\"entries\":[");
  for (int i = 0; mfd >= 0 && i < n; i++) {
    int r = bpf_map_update_elem(mfd, e[i].key, e[i].value, 0);
    if (r) { fprintf(stderr, "%s: update %d failed: %d\n", name, i, errno); exit(1); }
    printf("%s[", i ? "," : "");
    json_hex(e[i].key, ks);
    putchar(',');
    json_hex(e[i].value, vstride);
    putchar(']');
  }
  printf("]");
  if (mfd >= 0) {
    char path[256], buf[1 << 16];
    snprintf(path, sizeof(path), "%s/%s", fsdir, name);
    if (bpf_obj_pin(mfd, path)) { fprintf(stderr, "pin %s: %d\n", path, errno); exit(1); }
    int f = open(path, O_RDONLY);
    ssize_t len = 0, r;
    if (f < 0) { printf(",\"open\":%d", -errno); }
    else {
      while ((r = read(f, buf + len, sizeof(buf) - 1 - len)) > 0) len += r;
      if (r < 0) printf(",\"read\":%d", -errno);
      close(f);
      printf(",\"cat\":");
      json_str(buf, len);
    }
    unlink(path);
    close(mfd);
  }
  printf("}");
  close(bfd);
}

static struct btf *base_btf(int *u32_id, int *int_id) {
  struct btf *b = btf__new_empty();
  *u32_id = btf__add_int(b, "unsigned int", 4, 0);
  *int_id = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  return b;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s <bpffs dir>\n", argv[0]); return 2; }
  fsdir = argv[1];
  int u32, i32;

  { // array u32 -> u32
    struct btf *b = base_btf(&u32, &i32);
    unsigned k[3] = {0, 1, 2}, v[3] = {0, 5, 0xffffffff};
    struct entry e[] = {{&k[0], &v[0]}, {&k[1], &v[1]}, {&k[2], &v[2]}};
    map_case("arr_u32", b, BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, u32, u32, e, 3, 4);
    btf__free(b);
  }
  { // hash u32 -> struct pair { int a; unsigned b; }
    struct btf *b = base_btf(&u32, &i32);
    int s = btf__add_struct(b, "pair", 8);
    btf__add_field(b, "a", i32, 0, 0);
    btf__add_field(b, "b", u32, 32, 0);
    unsigned k[3] = {1, 2, 3};
    int v[3][2] = {{1, 2}, {-3, 4}, {5, 6}};
    struct entry e[] = {{&k[0], v[0]}, {&k[1], v[1]}, {&k[2], v[2]}};
    map_case("hash_struct", b, BPF_MAP_TYPE_HASH, 4, 8, 8, 0, u32, s, e, 3, 8);
    btf__free(b);
  }
  { // array u32 -> struct with char[8], enum, signed char, short, u64, bitfields, nested array, pointer, union
    struct btf *b = base_btf(&u32, &i32);
    int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    int uch = btf__add_int(b, "unsigned char", 1, 0);
    int sh = btf__add_int(b, "short", 2, BTF_INT_SIGNED);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    int s64 = btf__add_int(b, "long long int", 8, BTF_INT_SIGNED);
    int bo = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
    int carr = btf__add_array(b, u32, ch, 8);
    int iarr = btf__add_array(b, u32, i32, 3);
    int en = btf__add_enum(b, "color", 4);
    btf__add_enum_value(b, "RED", 0);
    btf__add_enum_value(b, "GREEN", 1);
    btf__add_enum_value(b, "BLUE", 7);
    int ptr = btf__add_ptr(b, i32);
    int td = btf__add_typedef(b, "u64_t", u64);
    int cst = btf__add_const(b, td);
    int un = btf__add_union(b, "num", 4);
    btf__add_field(b, "i", i32, 0, 0);
    btf__add_field(b, "u", u32, 0, 0);
    // struct rec { char name[8]; enum color c; signed char sc; unsigned char uc; short sh; u64 big; s64 neg;
    //   int arr[3]; unsigned x:3, y:5, z:24; _Bool ok; pad; int *p; const u64_t cu; union num n; pad } (80 bytes)
    int s = btf__add_struct(b, "rec", 80);
    btf__add_field(b, "name", carr, 0, 0);
    btf__add_field(b, "c", en, 64, 0);
    btf__add_field(b, "sc", ch, 96, 0);
    btf__add_field(b, "uc", uch, 104, 0);
    btf__add_field(b, "sh", sh, 112, 0);
    btf__add_field(b, "big", u64, 128, 0);
    btf__add_field(b, "neg", s64, 192, 0);
    btf__add_field(b, "arr", iarr, 256, 0);
    btf__add_field(b, "x", u32, 352, 3);
    btf__add_field(b, "y", u32, 355, 5);
    btf__add_field(b, "z", u32, 360, 24);
    btf__add_field(b, "ok", bo, 384, 0);
    btf__add_field(b, "p", ptr, 448, 0);
    btf__add_field(b, "cu", cst, 512, 0);
    btf__add_field(b, "n", un, 512 + 64, 0);
    unsigned char v[2][80];
    memset(v, 0, sizeof(v));
    for (int j = 0; j < 2; j++) {
      unsigned char *p = v[j];
      memcpy(p, j ? "ab\0\0\0\0\0z" : "hello!!!", 8);
      *(int *)(p + 8) = j ? 1 : 7;
      p[12] = j ? 0x80 : 'A';
      p[13] = j ? 0xff : 'b';
      *(short *)(p + 14) = j ? -2 : 300;
      *(unsigned long long *)(p + 16) = j ? 0xffffffffffffffffULL : 42;
      *(long long *)(p + 24) = j ? -9223372036854775807LL - 1 : -1;
      int arr[3] = {1, -2, 3};
      memcpy(p + 32, arr, 12);
      unsigned bits = j ? (7u | (31u << 3) | (0xabcdefu << 8)) : (5u | (9u << 3) | (1u << 8));
      memcpy(p + 44, &bits, 4);
      p[48] = j ? 1 : 0;
      *(unsigned long long *)(p + 56) = j ? 0xffff888012345678ULL : 0;
      *(unsigned long long *)(p + 64) = 0x1122334455667788ULL;
      *(int *)(p + 72) = j ? -5 : 6;
    }
    unsigned k[2] = {0, 3};
    struct entry e[] = {{&k[0], v[0]}, {&k[1], v[1]}};
    map_case("arr_rec", b, BPF_MAP_TYPE_ARRAY, 4, 80, 4, 0, u32, s, e, 2, 80);
    btf__free(b);
  }
  { // percpu array u32 -> u64 (2 cpus: values are 2 × 8 bytes)
    struct btf *b = base_btf(&u32, &i32);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    unsigned k[2] = {0, 2};
    unsigned long long v[2][2] = {{10, 11}, {0, 0xdeadbeef}};
    struct entry e[] = {{&k[0], v[0]}, {&k[1], v[1]}};
    map_case("percpu_arr", b, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 3, 0, u32, u64, e, 2, 16);
    btf__free(b);
  }
  { // percpu hash u32 -> int (value_size 4, rounded to 8 per cpu in the syscall buffer)
    struct btf *b = base_btf(&u32, &i32);
    unsigned k[2] = {7, 9};
    int v[2][4] = {{-1, 0, 2, 0}, {3, 0, -4, 0}};
    struct entry e[] = {{&k[0], v[0]}, {&k[1], v[1]}};
    map_case("percpu_hash", b, BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 0, u32, i32, e, 2, 16);
    btf__free(b);
  }
  { // hash with a typedef'd struct key and an enum value outside the enumerators, a char value, bool
    struct btf *b = base_btf(&u32, &i32);
    int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    int ks = btf__add_struct(b, "k", 4);
    btf__add_field(b, "lo", ch, 0, 0);
    btf__add_field(b, "hi", ch, 8, 0);
    btf__add_field(b, "id", btf__add_int(b, "short unsigned int", 2, 0), 16, 0);
    int kt = btf__add_typedef(b, "key_t", ks);
    int en = btf__add_enum(b, "e", 4);
    btf__add_enum_value(b, "A", -1);
    btf__add_enum_value(b, "B", 2);
    unsigned char k[2][4] = {{'x', 0, 1, 0}, {'\n', '"', 0xff, 0xff}};
    int v[2] = {-1, 3};
    struct entry e[] = {{k[0], &v[0]}, {k[1], &v[1]}};
    map_case("hash_tdkey_enum", b, BPF_MAP_TYPE_HASH, 4, 4, 4, 0, kt, en, e, 2, 4);
    btf__free(b);
  }
  { // LRU hash u64 -> array of 2 structs with a u8 array
    struct btf *b = base_btf(&u32, &i32);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    int u8 = btf__add_int(b, "unsigned char", 1, 0);
    int a3 = btf__add_array(b, u32, u8, 3);
    int s = btf__add_struct(b, "small", 4);
    btf__add_field(b, "b", a3, 0, 0);
    int a2 = btf__add_array(b, u32, s, 2);
    unsigned long long k[1] = {0x100000000ULL};
    unsigned char v[1][8] = {{1, 2, 3, 0, 4, 5, 6, 0}};
    struct entry e[] = {{&k[0], v[0]}};
    map_case("lru_arr_struct", b, BPF_MAP_TYPE_LRU_HASH, 8, 8, 4, 0, u64, a2, e, 1, 8);
    btf__free(b);
  }
  { // array whose value type is an empty-ish struct with a float and a 2-d array
    struct btf *b = base_btf(&u32, &i32);
    int u16 = btf__add_int(b, "short unsigned int", 2, 0);
    int in = btf__add_array(b, u32, u16, 2);
    int out = btf__add_array(b, u32, in, 2);
    unsigned k[1] = {1};
    unsigned short v[1][4] = {{1, 2, 65535, 4}};
    struct entry e[] = {{&k[0], v[0]}};
    map_case("arr_2d", b, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, u32, out, e, 1, 8);
    btf__free(b);
  }
  // ---- MAP_CREATE with BTF: errors ----
  { // value size mismatch
    struct btf *b = base_btf(&u32, &i32);
    map_case("err_value_size", b, BPF_MAP_TYPE_HASH, 4, 8, 4, 0, u32, i32, NULL, 0, 0);
    btf__free(b);
  }
  { // key size mismatch
    struct btf *b = base_btf(&u32, &i32);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    map_case("err_key_size", b, BPF_MAP_TYPE_HASH, 4, 4, 4, 0, u64, i32, NULL, 0, 0);
    btf__free(b);
  }
  { // array key must be a 32-bit int
    struct btf *b = base_btf(&u32, &i32);
    int s = btf__add_struct(b, "kk", 4);
    btf__add_field(b, "a", u32, 0, 0);
    map_case("err_arr_struct_key", b, BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, s, i32, NULL, 0, 0);
    btf__free(b);
  }
  { // type id out of range
    struct btf *b = base_btf(&u32, &i32);
    map_case("err_bad_type_id", b, BPF_MAP_TYPE_HASH, 4, 4, 4, 0, u32, 99, NULL, 0, 0);
    btf__free(b);
  }
  { // value type is a FUNC_PROTO (no size)
    struct btf *b = base_btf(&u32, &i32);
    int fp = btf__add_func_proto(b, i32);
    map_case("err_value_no_size", b, BPF_MAP_TYPE_HASH, 4, 4, 4, 0, u32, fp, NULL, 0, 0);
    btf__free(b);
  }
  { // key 0 (keyless) on a hash map
    struct btf *b = base_btf(&u32, &i32);
    map_case("err_hash_keyless", b, BPF_MAP_TYPE_HASH, 4, 4, 4, 0, 0, i32, NULL, 0, 0);
    btf__free(b);
  }
  { // spin lock in a hash value: accepted; in a percpu hash: EOPNOTSUPP
    struct btf *b = base_btf(&u32, &i32);
    int sl = btf__add_struct(b, "bpf_spin_lock", 4);
    btf__add_field(b, "val", u32, 0, 0);
    int s = btf__add_struct(b, "locked", 8);
    btf__add_field(b, "cnt", i32, 0, 0);
    btf__add_field(b, "lock", sl, 32, 0);
    unsigned k = 1;
    int v[2] = {5, 0};
    struct entry e[] = {{&k, v}};
    map_case("spin_lock_hash", b, BPF_MAP_TYPE_HASH, 4, 8, 4, 0, u32, s, e, 1, 8);
    map_case("err_spin_lock_percpu", b, BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0, u32, s, NULL, 0, 0);
    btf__free(b);
  }
  { // a map without BTF cannot be read through bpffs
    int mfd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "nobtf", 4, 4, 1, NULL);
    char path[256];
    snprintf(path, sizeof(path), "%s/nobtf", fsdir);
    bpf_obj_pin(mfd, path);
    int f = open(path, O_RDONLY);
    begin("nobtf", "nobtf");
    printf(",\"open\":%d}", f < 0 ? -errno : 0);
    if (f >= 0) close(f);
    unlink(path);
    close(mfd);
  }
  // ---- BPF_BTF_LOAD: valid and invalid blobs (log_level 1) ----
  {
    struct btf *b = base_btf(&u32, &i32);
    int s = btf__add_struct(b, "pair", 8);
    btf__add_field(b, "a", i32, 0, 0);
    btf__add_field(b, "b", u32, 32, 0);
    btf__add_ptr(b, s);
    int en = btf__add_enum(b, "color", 4);
    btf__add_enum_value(b, "RED", 0);
    (void)en;
    btf__add_typedef(b, "pair_t", s);
    btf__add_array(b, u32, s, 2);
    unsigned size;
    const unsigned char *raw = btf__raw_data(b, &size);
    unsigned char m[4096];
    load_case("ok_mixed", raw, size);
    memcpy(m, raw, size); m[0] = 0x00; load_case("bad_magic", m, size);
    memcpy(m, raw, size); m[2] = 2; load_case("bad_version", m, size);
    memcpy(m, raw, size); m[3] = 1; load_case("bad_flags", m, size);
    load_case("too_short", raw, 8);
    load_case("truncated", raw, size - 1);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    btf__add_int(b, "int", 3, BTF_INT_SIGNED); // size 3 is not a power of two
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("int_bad_size", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_ptr(b, 5); // dangling
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("ptr_dangling", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "a", i, 0, 0);
    btf__add_field(b, "b", i, 32, 0); // beyond the struct size
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("member_beyond_size", raw, size);
    (void)s;
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    btf__add_int(b, "1nt", 4, BTF_INT_SIGNED); // invalid name
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("bad_name", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_typedef(b, "loop", 3);
    btf__add_const(b, 2); // typedef -> const -> typedef loop
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("loop", raw, size);
    (void)i;
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_array(b, 1, 1, 4);
    btf__add_enum(b, "en", 4);
    btf__add_enum_value(b, "X", 1);
    btf__add_fwd(b, "fw", BTF_FWD_STRUCT);
    btf__add_volatile(b, 1);
    btf__add_restrict(b, btf__add_ptr(b, 1));
    int fp = btf__add_func_proto(b, 1);
    btf__add_func_param(b, "x", 1);
    btf__add_func(b, "f", BTF_FUNC_GLOBAL, fp);
    btf__add_float(b, "double", 8);
    btf__add_union(b, "u", 4);
    btf__add_field(b, "a", 1, 0, 0);
    btf__add_type_tag(b, "tag", 1);
    btf__add_decl_tag(b, "dtag", 1, -1);
    btf__add_enum64(b, "e64", 8, true);
    btf__add_enum64_value(b, "BIG", 0x100000000ULL);
    int v = btf__add_var(b, "gv", BTF_VAR_GLOBAL_ALLOCATED, 1);
    btf__add_datasec(b, ".data", 4);
    btf__add_datasec_var_info(b, v, 0, 4);
    unsigned size;
    const void *raw = btf__raw_data(b, &size);
    load_case("all_kinds", raw, size);
    btf__free(b);
  }

  {
    struct btf *b = base_btf(&u32, &i32);
    int s = btf__add_struct(b, "node", 16);
    int p = btf__add_ptr(b, s);
    btf__add_field(b, "next", p, 0, 0);
    btf__add_field(b, "v", i32, 64, 0);
    unsigned size;
    const unsigned char *raw = btf__raw_data(b, &size);
    load_case("self_ref_ok", raw, size);
    load_case_sized("log_too_small", raw, size, 64, 1);
    load_case_sized("no_log", raw, size, 0, 0);
    unsigned char m[4096];
    // header of 32 bytes whose tail is not zero
    memcpy(m, raw, 24); memset(m + 24, 0, 8); m[28] = 1; m[4] = 32; memcpy(m + 32, raw + 24, size - 24);
    load_case("hdr_tail_nonzero", m, size + 8);
    memcpy(m, raw, 24); memset(m + 24, 0, 8); m[4] = 32; memcpy(m + 32, raw + 24, size - 24);
    load_case("hdr_tail_zero", m, size + 8);
    memcpy(m, raw, size); m[size - 1] = 'x'; load_case("str_not_nul_terminated", m, size);
    memcpy(m, raw, size); m[24 + 0] = 0xff; m[24 + 1] = 0xff; load_case("name_off_out_of_range", m, size);
    memcpy(m, raw, size); m[24 + 7] = 20 << 0; load_case("bad_kind", m, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "a", i, 0, 0);
    btf__add_array(b, s, i, 2); // index type is a struct
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("array_bad_index", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int fp = btf__add_func_proto(b, i);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "f", fp, 0, 0); // a member of kind FUNC_PROTO
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("member_func_proto", raw, size);
    (void)s;
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int c = btf__add_int(b, "char", 1, 0);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "a", c, 0, 12); // bitfield wider than the int
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("bitfield_too_wide", raw, size);
    (void)s;
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int prev = i;
    for (int k = 0; k < 33; k++) prev = btf__add_const(b, prev);
    btf__add_ptr(b, prev);
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("too_deep", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_typedef(b, "ok_t", i);
    unsigned size; const unsigned char *raw = btf__raw_data(b, &size);
    unsigned char m[4096];
    memcpy(m, raw, size);
    // turn the typedef's name into "1ok_t" is not possible in place; point it at the int's name "int" instead and
    // make the int's name invalid: name "in-" (typedef names must be identifiers)
    for (unsigned k = 0; k < size; k++) if (!memcmp(m + k, "ok_t", 4)) { m[k] = '-'; break; }
    load_case("typedef_bad_name", m, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_enum(b, "e3", 4);
    btf__add_enum_value(b, "A", 1);
    unsigned size; const unsigned char *raw = btf__raw_data(b, &size);
    unsigned char m[4096];
    memcpy(m, raw, size);
    m[24 + 16 + 8] = 3; // enum size 3
    load_case("enum_bad_size", m, size);
    (void)i;
    btf__free(b);
  }
  // ---- more pretty printing ----
  { // keyless .data array (DATASEC value)
    struct btf *b = base_btf(&u32, &i32);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    int v1 = btf__add_var(b, "counter", BTF_VAR_GLOBAL_ALLOCATED, i32);
    int v2 = btf__add_var(b, "total", BTF_VAR_STATIC, u64);
    int ds = btf__add_datasec(b, ".data", 16);
    btf__add_datasec_var_info(b, v1, 0, 4);
    btf__add_datasec_var_info(b, v2, 8, 8);
    unsigned k = 0;
    unsigned char v[16] = {7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0};
    struct entry e[] = {{&k, v}};
    map_case("datasec", b, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 0, ds, e, 1, 16);
    btf__free(b);
  }
  { // signed enum, enum64, __int128, float, bool array, latin-1 char array, empty union, const volatile typedef ptr
    struct btf *b = base_btf(&u32, &i32);
    int se = btf__add_enum64(b, "se", 4, true); // libbpf makes a 4-byte signed ENUM when values fit
    btf__add_enum64_value(b, "NEG", (unsigned long long)-2);
    int e64 = btf__add_enum64(b, "big", 8, false);
    btf__add_enum64_value(b, "HUGE", 0x100000000ULL);
    int i128 = btf__add_int(b, "__int128 unsigned", 16, 0);
    int fl = btf__add_float(b, "float", 4);
    int bo = btf__add_int(b, "_Bool", 1, BTF_INT_BOOL);
    int barr = btf__add_array(b, u32, bo, 3);
    int ch = btf__add_int(b, "char", 1, BTF_INT_CHAR);
    int carr = btf__add_array(b, u32, ch, 4);
    int eu = btf__add_union(b, "empty", 4);
    int vp = btf__add_volatile(b, btf__add_const(b, btf__add_ptr(b, i32)));
    int td = btf__add_typedef(b, "cvp_t", vp);
    int s = btf__add_struct(b, "misc", 64);
    btf__add_field(b, "se", se, 0, 0);
    btf__add_field(b, "u", eu, 32, 0);
    btf__add_field(b, "e64", e64, 64, 0);
    btf__add_field(b, "wide", i128, 128, 0);
    btf__add_field(b, "f", fl, 256, 0);
    btf__add_field(b, "flags", barr, 288, 0);
    btf__add_field(b, "tag", carr, 312, 0);
    btf__add_field(b, "p", td, 384, 0);
    unsigned k[2] = {0, 1};
    unsigned char v[2][64];
    memset(v, 0, sizeof(v));
    *(int *)v[0] = -2; *(int *)v[1] = -7;
    *(unsigned long long *)(v[0] + 8) = 0x100000000ULL; *(unsigned long long *)(v[1] + 8) = 5;
    *(unsigned long long *)(v[0] + 16) = 1; *(unsigned long long *)(v[0] + 24) = 0;
    *(unsigned long long *)(v[1] + 16) = 0x0123456789abcdefULL; *(unsigned long long *)(v[1] + 24) = 0xfedcba9876543210ULL;
    *(float *)(v[0] + 32) = 1.5f;
    v[0][36] = 1; v[0][37] = 0; v[0][38] = 1;
    v[1][36] = 1; v[1][37] = 1; v[1][38] = 1;
    v[0][39] = 0xe9; v[0][40] = 't'; v[0][41] = 0x01; v[0][42] = 'x';
    v[1][39] = 'a'; v[1][40] = 'b'; v[1][41] = 'c'; v[1][42] = 'd';
    struct entry e[] = {{&k[0], v[0]}, {&k[1], v[1]}};
    map_case("misc_kinds", b, BPF_MAP_TYPE_ARRAY, 4, 64, 2, 0, u32, s, e, 2, 64);
    btf__free(b);
  }
  { // LRU percpu hash with a typedef'd int value; hash with many keys (iteration order)
    struct btf *b = base_btf(&u32, &i32);
    int td = btf__add_typedef(b, "s32", i32);
    unsigned k[1] = {42};
    int v[1][4] = {{-1, 0, 1, 0}};
    struct entry e[] = {{&k[0], v[0]}};
    map_case("lru_percpu_hash", b, BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 8, 0, u32, td, e, 1, 16);
    unsigned hk[6] = {10, 20, 30, 40, 50, 60};
    int hv[6] = {1, 2, 3, 4, 5, 6};
    struct entry he[6];
    for (int q = 0; q < 6; q++) { he[q].key = &hk[q]; he[q].value = &hv[q]; }
    map_case("hash_order", b, BPF_MAP_TYPE_HASH, 4, 4, 16, 0, u32, td, he, 6, 4);
    btf__free(b);
  }

  { // which map types accept BTF (u32 key / u32 value), and prog_array's pretty print (the program's id)
    struct btf *b = base_btf(&u32, &i32);
    map_case("btf_prog_array_empty", b, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, 0, u32, u32, NULL, 0, 0);
    map_case("btf_perf_event_array", b, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0, u32, u32, NULL, 0, 0);
    map_case("btf_cgroup_array", b, BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 2, 0, u32, u32, NULL, 0, 0);
    map_case("btf_array_of_maps_none", b, BPF_MAP_TYPE_QUEUE, 0, 4, 2, 0, 0, u32, NULL, 0, 0);
    map_case("btf_stack", b, BPF_MAP_TYPE_STACK, 0, 4, 2, 0, 0, u32, NULL, 0, 0);
    map_case("btf_bloom", b, BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 2, 0, 0, u32, NULL, 0, 0);
    map_case("btf_lpm_trie", b, BPF_MAP_TYPE_LPM_TRIE, 8, 4, 2, BPF_F_NO_PREALLOC, btf__add_int(b, "long long unsigned int", 8, 0), u32, NULL, 0, 0);
    map_case("btf_percpu_array_keyless", b, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 1, 0, 0, u32, NULL, 0, 0);
    btf__free(b);
  }

  { // bpf_timer (16 bytes) in map values: which map types take it; a wrong-sized "bpf_timer" is no timer
    struct btf *b = base_btf(&u32, &i32);
    int u64 = btf__add_int(b, "long long unsigned int", 8, 0);
    int tm = btf__add_struct(b, "bpf_timer", 16);
    btf__add_field(b, "a", u64, 0, 0);
    btf__add_field(b, "b", u64, 64, 0);
    int v = btf__add_struct(b, "timed", 24);
    btf__add_field(b, "cnt", i32, 0, 0);
    btf__add_field(b, "t", tm, 64, 0);
    map_case("timer_hash", b, BPF_MAP_TYPE_HASH, 4, 24, 2, 0, u32, v, NULL, 0, 0);
    map_case("timer_array", b, BPF_MAP_TYPE_ARRAY, 4, 24, 2, 0, u32, v, NULL, 0, 0);
    map_case("timer_lru", b, BPF_MAP_TYPE_LRU_HASH, 4, 24, 2, 0, u32, v, NULL, 0, 0);
    map_case("timer_percpu_array", b, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 2, 0, u32, v, NULL, 0, 0);
    map_case("timer_percpu_hash", b, BPF_MAP_TYPE_PERCPU_HASH, 4, 24, 2, 0, u32, v, NULL, 0, 0);
    int small = btf__add_struct(b, "bpf_timer", 8);
    btf__add_field(b, "a", u64, 0, 0);
    int v2 = btf__add_struct(b, "not_timed", 16);
    btf__add_field(b, "cnt", i32, 0, 0);
    btf__add_field(b, "t", small, 64, 0);
    map_case("small_timer_percpu", b, BPF_MAP_TYPE_PERCPU_HASH, 4, 16, 2, 0, u32, v2, NULL, 0, 0);
    int sl = btf__add_struct(b, "bpf_spin_lock", 4);
    btf__add_field(b, "val", u32, 0, 0);
    int both = btf__add_struct(b, "both", 32);
    btf__add_field(b, "l", sl, 0, 0);
    btf__add_field(b, "t", tm, 64, 0);
    map_case("lock_and_timer_array", b, BPF_MAP_TYPE_ARRAY, 4, 32, 2, 0, u32, both, NULL, 0, 0);
    map_case("lock_and_timer_lru", b, BPF_MAP_TYPE_LRU_HASH, 4, 32, 2, 0, u32, both, NULL, 0, 0);
    map_case("lock_flags_rdonly_prog", b, BPF_MAP_TYPE_ARRAY, 4, 32, 2, BPF_F_RDONLY_PROG, u32, both, NULL, 0, 0);
    btf__free(b);
  }

  { // resolve depth and loops with forward references
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    for (int k = 0; k < 33; k++) btf__add_array(b, i, k == 32 ? i : 3 + k, 1); // [2]->[3]->...->[34]->int
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("array_chain_too_deep", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    for (int k = 0; k < 31; k++) btf__add_typedef(b, "t", k == 30 ? i : 3 + k); // [2]->[3]->...->[32]->int
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("typedef_chain_31", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "arr", 3, 0, 0);
    btf__add_array(b, i, s, 1); // struct s { struct s arr[1]; }
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("struct_array_loop", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    btf__add_struct(b, "a", 8);
    btf__add_field(b, "p", 4, 0, 0);
    btf__add_struct(b, "b", 8);
    btf__add_field(b, "p", 5, 0, 0);
    btf__add_ptr(b, 3); // [4] struct b *
    btf__add_ptr(b, 2); // [5] struct a *
    btf__add_fwd(b, "c", BTF_FWD_STRUCT);
    btf__add_ptr(b, 6);
    btf__add_typedef(b, "vp", 0);
    btf__add_ptr(b, 8); // pointer to typedef void
    btf__add_const(b, 0);
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("ptr_cycles_ok", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int fw = btf__add_fwd(b, "f", BTF_FWD_STRUCT);
    int s = btf__add_struct(b, "s", 4);
    btf__add_field(b, "x", fw, 0, 0); // member of a forward-declared type
    (void)i; (void)s;
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("member_fwd", raw, size);
    btf__free(b);
  }
  {
    struct btf *b = btf__new_empty();
    int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
    int fp = btf__add_func_proto(b, i);
    btf__add_func_param(b, "a", i);
    btf__add_func_param(b, "", 0); // vararg
    btf__add_func(b, "f", BTF_FUNC_STATIC, fp);
    int fp2 = btf__add_func_proto(b, 0);
    btf__add_func_param(b, "", i); // unnamed arg: fine in a proto, not for a FUNC
    btf__add_func(b, "g", BTF_FUNC_GLOBAL, fp2);
    unsigned size; const void *raw = btf__raw_data(b, &size);
    load_case("func_unnamed_arg", raw, size);
    btf__free(b);
  }
  printf("\n]\n");
  return 0;
}
