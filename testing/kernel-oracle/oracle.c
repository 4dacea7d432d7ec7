// bpfsim kernel oracle: runs a script of bpf(2) commands and bpffs file operations against the
// real kernel and prints one JSON line per command. See README.md for the protocol.
//
// Safety: the process unshares its mount namespace, makes "/" private recursively, mounts a fresh
// bpffs on a temp directory it creates, and only accepts pathnames that map into that sandbox.
// It never attaches programs, and GET_FD_BY_ID is refused for ids this process did not create.
// The script runs in a forked child (so it can drop privileges); the parent unmounts and removes
// the sandbox afterwards, which frees every pinned object. Everything else dies with the child.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#define MAX_FIELDS 64
#define MAX_VARS 512
#define MAX_IDS 1024

/* ---------- output buffer ---------- */
static char *out;
static size_t out_len, out_cap;
static void out_put(const char *s, size_t n) {
  if (out_len + n + 1 > out_cap) {
    out_cap = (out_len + n + 1) * 2;
    out = realloc(out, out_cap);
    if (!out) abort();
  }
  memcpy(out + out_len, s, n);
  out_len += n;
  out[out_len] = 0;
}
static void out_fmt(const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  out_put(tmp, (size_t)n);
}
static void out_key(const char *k) {
  if (out_len > 1) out_put(",", 1);
  out_fmt("\"%s\":", k);
}
static void out_jstr(const char *s, size_t n) {
  out_put("\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"') out_put("\\\"", 2);
    else if (c == '\\') out_put("\\\\", 2);
    else if (c == '\n') out_put("\\n", 2);
    else if (c == '\t') out_put("\\t", 2);
    else if (c < 0x20 || c >= 0x7f) out_fmt("\\u%04x", c);
    else out_put((const char *)&c, 1);
  }
  out_put("\"", 1);
}
static void out_u64(const char *k, unsigned long long v) { out_key(k); out_fmt("%llu", v); }
static void out_i64(const char *k, long long v) { out_key(k); out_fmt("%lld", v); }
static void out_str(const char *k, const char *s) { out_key(k); out_jstr(s, strlen(s)); }
static void out_strn(const char *k, const char *s, size_t n) { out_key(k); out_jstr(s, n); }
static void out_hex(const char *k, const void *buf, size_t n) {
  out_key(k);
  out_put("\"", 1);
  for (size_t i = 0; i < n; i++) out_fmt("%02x", ((const unsigned char *)buf)[i]);
  out_put("\"", 1);
}

/* ---------- errno names ---------- */
static const char *errno_name(int e) {
  switch (e) {
  case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
  case EINTR: return "EINTR"; case EIO: return "EIO"; case E2BIG: return "E2BIG";
  case EBADF: return "EBADF"; case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES"; case EFAULT: return "EFAULT"; case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST"; case EXDEV: return "EXDEV"; case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR"; case EISDIR: return "EISDIR"; case EINVAL: return "EINVAL";
  case ENFILE: return "ENFILE"; case EMFILE: return "EMFILE"; case ENOSPC: return "ENOSPC";
  case EROFS: return "EROFS"; case EMLINK: return "EMLINK"; case ERANGE: return "ERANGE";
  case EDOM: return "EDOM"; case ENAMETOOLONG: return "ENAMETOOLONG"; case ENOSYS: return "ENOSYS";
  case ENOTEMPTY: return "ENOTEMPTY"; case ELOOP: return "ELOOP"; case EOVERFLOW: return "EOVERFLOW";
  case EOPNOTSUPP: return "EOPNOTSUPP"; case ENOTCONN: return "ENOTCONN"; case ETIMEDOUT: return "ETIMEDOUT";
  case 524: return "ENOTSUPP"; case ENXIO: return "ENXIO"; case ENOTTY: return "ENOTTY";
  case EBADFD: return "EBADFD"; case EFBIG: return "EFBIG"; case ESPIPE: return "ESPIPE"; case EPIPE: return "EPIPE";
  default: {
    static char buf[32];
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
  }
  }
}

/* ---------- minimal JSON-line parser: one flat object of strings/numbers/bools/null ---------- */
enum vkind { V_STR, V_NUM, V_BOOL, V_NULL };
struct field {
  char key[64];
  enum vkind kind;
  char *s; /* string value or number text */
  int b;
};
static struct field fields[MAX_FIELDS];
static int nfields;
static const char *parse_err;

static void skip_ws(const char **p) { while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n') (*p)++; }

static char *parse_string(const char **p) {
  if (**p != '"') { parse_err = "expected string"; return NULL; }
  (*p)++;
  size_t cap = 64, n = 0;
  char *s = malloc(cap);
  while (**p && **p != '"') {
    char c = **p;
    if (c == '\\') {
      (*p)++;
      c = **p;
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c == 'r') c = '\r';
      else if (c == 'b') c = '\b';
      else if (c == 'f') c = '\f';
      else if (c == 'u') {
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
          (*p)++;
          char h = **p;
          v <<= 4;
          if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
          else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
          else { parse_err = "bad \\u escape"; free(s); return NULL; }
        }
        if (v > 0xff) { parse_err = "only \\u00XX escapes are supported"; free(s); return NULL; }
        c = (char)v;
      } else if (c == 0) break;
    }
    if (n + 2 > cap) { cap *= 2; s = realloc(s, cap); }
    s[n++] = c;
    (*p)++;
  }
  if (**p != '"') { parse_err = "unterminated string"; free(s); return NULL; }
  (*p)++;
  s[n] = 0;
  return s;
}

static void free_fields(void) {
  for (int i = 0; i < nfields; i++) free(fields[i].s);
  nfields = 0;
}

static int parse_line(const char *p) {
  parse_err = NULL;
  skip_ws(&p);
  if (*p != '{') { parse_err = "expected {"; return -1; }
  p++;
  skip_ws(&p);
  if (*p == '}') return 0;
  for (;;) {
    if (nfields >= MAX_FIELDS) { parse_err = "too many fields"; return -1; }
    skip_ws(&p);
    char *k = parse_string(&p);
    if (!k) return -1;
    struct field *f = &fields[nfields];
    snprintf(f->key, sizeof f->key, "%s", k);
    free(k);
    skip_ws(&p);
    if (*p != ':') { parse_err = "expected :"; return -1; }
    p++;
    skip_ws(&p);
    f->s = NULL;
    f->b = 0;
    if (*p == '"') {
      f->kind = V_STR;
      f->s = parse_string(&p);
      if (!f->s) return -1;
    } else if (!strncmp(p, "true", 4)) { f->kind = V_BOOL; f->b = 1; p += 4; }
    else if (!strncmp(p, "false", 5)) { f->kind = V_BOOL; p += 5; }
    else if (!strncmp(p, "null", 4)) { f->kind = V_NULL; p += 4; }
    else if (*p == '-' || (*p >= '0' && *p <= '9')) {
      const char *st = p;
      if (*p == '-') p++;
      while ((*p >= '0' && *p <= '9') || *p == 'x' || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')) p++;
      f->kind = V_NUM;
      f->s = strndup(st, (size_t)(p - st));
    } else { parse_err = "unsupported value (only flat objects of strings, numbers, booleans, null)"; return -1; }
    nfields++;
    skip_ws(&p);
    if (*p == ',') { p++; continue; }
    if (*p == '}') return 0;
    parse_err = "expected , or }";
    return -1;
  }
}

static struct field *field(const char *k) {
  for (int i = 0; i < nfields; i++)
    if (!strcmp(fields[i].key, k)) return &fields[i];
  return NULL;
}
static const char *str_field(const char *k) {
  struct field *f = field(k);
  return f && f->kind == V_STR ? f->s : NULL;
}

/* ---------- variables ($name) ---------- */
struct var { char name[64]; long long v; };
static struct var vars[MAX_VARS];
static int nvars;
static void set_var(const char *name, long long v) {
  for (int i = 0; i < nvars; i++)
    if (!strcmp(vars[i].name, name)) { vars[i].v = v; return; }
  if (nvars < MAX_VARS) {
    snprintf(vars[nvars].name, sizeof vars[nvars].name, "%s", name);
    vars[nvars++].v = v;
  }
}
static int get_var(const char *name, long long *v) {
  for (int i = 0; i < nvars; i++)
    if (!strcmp(vars[i].name, name)) { *v = vars[i].v; return 0; }
  return -1;
}

static const char *arg_err;
/* Integer argument: a JSON number, or a string "$var". Missing → def. */
static unsigned long long num(const char *k, unsigned long long def) {
  struct field *f = field(k);
  if (!f || f->kind == V_NULL) return def;
  if (f->kind == V_BOOL) return (unsigned long long)f->b;
  if (f->kind == V_STR) {
    long long v;
    if (f->s[0] == '$' && get_var(f->s + 1, &v) == 0) return (unsigned long long)v;
    static char msg[128];
    snprintf(msg, sizeof msg, "field %s: unknown variable or not a number: %s", k, f->s);
    arg_err = msg;
    return def;
  }
  errno = 0;
  if (f->s[0] == '-') return (unsigned long long)strtoll(f->s, NULL, 0);
  return strtoull(f->s, NULL, 0);
}
static int has(const char *k) { struct field *f = field(k); return f && f->kind != V_NULL; }

/* The next_key of the last successful GET_NEXT_KEY: a key given as "@next" means these bytes (map walks). */
static unsigned char last_next_key[512];
static size_t last_next_key_len;

/* Hex buffer argument. Returns malloc'ed bytes (NULL when absent), *len set. */
static unsigned char *hexbuf(const char *k, size_t *len) {
  const char *s = str_field(k);
  *len = 0;
  if (!s) return NULL;
  size_t n = strlen(s);
  if (!strcmp(s, "@next")) {
    unsigned char *b = calloc(last_next_key_len + 1, 1);
    memcpy(b, last_next_key, last_next_key_len);
    *len = last_next_key_len;
    return b;
  }
  if (s[0] == '$') { /* a variable as a 4-byte little-endian value: an fd for prog_array / map-in-map values */
    long long v;
    if (get_var(s + 1, &v)) { arg_err = "unknown variable in buffer"; return NULL; }
    unsigned char *b = calloc(8, 1);
    uint32_t u = (uint32_t)v;
    memcpy(b, &u, 4);
    *len = 4;
    return b;
  }
  if (n % 2) { arg_err = "hex buffer with odd length"; return NULL; }
  unsigned char *b = calloc(n / 2 + 1, 1);
  for (size_t i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) { arg_err = "bad hex"; free(b); return NULL; }
    b[i] = (unsigned char)v;
  }
  *len = n / 2;
  return b;
}

/* ---------- ids this process created (GET_FD_BY_ID is limited to them) ---------- */
static unsigned own_ids[3][MAX_IDS];
static int n_own[3];
static void track_id(int kind, unsigned id) {
  for (int i = 0; i < n_own[kind]; i++) if (own_ids[kind][i] == id) return;
  if (n_own[kind] < MAX_IDS) own_ids[kind][n_own[kind]++] = id;
}
static int owns_id(int kind, unsigned id) {
  for (int i = 0; i < n_own[kind]; i++) if (own_ids[kind][i] == id) return 1;
  return 0;
}

/* ---------- sandbox paths ---------- */
static char base_dir[256];
static char mapped[4096 + 512];
static int stat_only; /* set while resolving the path of a stat: preloaded entries may be stat'ed */
/* Script paths /sys/fs/bpf/... map to the private bpffs, /tmp/... to a private plain directory. */
static const char *map_path(const char *k) {
  const char *p = str_field(k);
  if (!p) { arg_err = "missing path"; return NULL; }
  const char *rest;
  const char *sub;
  if (!strcmp(p, "/sys/fs/bpf") || !strncmp(p, "/sys/fs/bpf/", 12)) { rest = p + 11; sub = "bpf"; }
  else if (!strcmp(p, "/tmp") || !strncmp(p, "/tmp/", 5)) { rest = p + 4; sub = "tmp"; }
  else { arg_err = "path outside the sandbox (only /sys/fs/bpf/... and /tmp/...)"; return NULL; }
  /* no ".." components: the sandbox must not be escaped */
  for (const char *q = rest; *q; q++)
    if (q[0] == '.' && q[1] == '.' && (q[-1] == '/') && (q[2] == '/' || q[2] == 0)) {
      arg_err = "'..' is not allowed in oracle paths";
      return NULL;
    }
  /* The kernel's bpf_preload pins two iterator links (maps.debug, progs.debug) into every new bpffs;
     reading them would walk other processes' objects, so the oracle only lets a script stat them. */
  if (!strcmp(sub, "bpf") && !stat_only &&
      (!strncmp(rest, "/maps.debug", 11) || !strncmp(rest, "/progs.debug", 12))) {
    arg_err = "the kernel's preloaded maps.debug/progs.debug may only be stat'ed";
    return NULL;
  }
  snprintf(mapped, sizeof mapped, "%s/%s%s", base_dir, sub, rest);
  return mapped;
}

/* ---------- bpf(2) ---------- */
/* A script argument could not be resolved: the command is not executed at all (the error is reported instead). */
static long sys_bpf(int cmd, union bpf_attr *attr) {
  if (arg_err) { errno = EINVAL; return -1; }
  return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int possible_cpus(void) {
  FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
  if (!f) return 1;
  char buf[256];
  int n = 0;
  if (fgets(buf, sizeof buf, f)) {
    char *p = buf;
    while (*p && *p != '\n') {
      int a = (int)strtol(p, &p, 10), b = a;
      if (*p == '-') b = (int)strtol(p + 1, &p, 10);
      n += b - a + 1;
      if (*p == ',') p++;
    }
  }
  fclose(f);
  return n > 0 ? n : 1;
}

/* What kind of BPF object an fd is, from /proc/self/fdinfo: 0 map, 1 prog, 2 link, -1 other. */
static int fd_kind(int fd) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  int f = open(path, O_RDONLY);
  if (f < 0) return -1;
  ssize_t n = read(f, buf, sizeof buf - 1);
  close(f);
  if (n <= 0) return -1;
  buf[n] = 0;
  if (strstr(buf, "\nmap_type:")) return 0;
  if (strstr(buf, "\nprog_type:")) return 1;
  if (strstr(buf, "\nlink_type:")) return 2;
  return -1;
}

static int map_info(int fd, struct bpf_map_info *info) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  memset(info, 0, sizeof *info);
  a.info.bpf_fd = (unsigned)fd;
  a.info.info_len = sizeof *info;
  a.info.info = (uintptr_t)info;
  return (int)sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
}

static unsigned obj_id(int fd, int kind) {
  union bpf_attr a;
  union { struct bpf_map_info m; struct bpf_prog_info p; struct bpf_link_info l; } info;
  memset(&a, 0, sizeof a);
  memset(&info, 0, sizeof info);
  a.info.bpf_fd = (unsigned)fd;
  a.info.info_len = kind == 0 ? sizeof info.m : kind == 1 ? sizeof info.p : sizeof info.l;
  a.info.info = (uintptr_t)&info;
  if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) return 0;
  return kind == 0 ? info.m.id : kind == 1 ? info.p.id : info.l.id;
}

/* After a command that returned a new fd: remember its id, bind "as" and "as.id". */
static void new_fd(int fd) {
  int kind = fd_kind(fd);
  unsigned id = kind >= 0 ? obj_id(fd, kind) : 0;
  if (kind >= 0 && id) track_id(kind, id);
  const char *as = str_field("as");
  if (as) {
    set_var(as, fd);
    if (id) {
      char n[80];
      snprintf(n, sizeof n, "%s.id", as);
      set_var(n, id);
      out_u64("bound_id", id); /* lets the test side name ids symbolically; oracle.ts strips it */
      out_str("bound_kind", kind == 0 ? "map" : kind == 1 ? "prog" : "link");
    }
  }
}

/* Size of a lookup value buffer as the kernel copies it (bpf_map_value_size). */
static size_t value_buf_size(int fd, int *key_size) {
  struct bpf_map_info mi;
  *key_size = 0;
  if (map_info(fd, &mi)) return 64;
  *key_size = (int)mi.key_size;
  switch (mi.type) {
  case BPF_MAP_TYPE_PERCPU_HASH: case BPF_MAP_TYPE_LRU_PERCPU_HASH:
  case BPF_MAP_TYPE_PERCPU_ARRAY: case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
    return (size_t)((mi.value_size + 7) & ~7u) * (size_t)possible_cpus();
  case BPF_MAP_TYPE_PROG_ARRAY: case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS:
  case BPF_MAP_TYPE_PERF_EVENT_ARRAY: case BPF_MAP_TYPE_CGROUP_ARRAY:
    return 4;
  default:
    return mi.value_size;
  }
}

/* Up to BPF_OBJ_NAME_LEN bytes, without forcing a NUL: a 16-character name reaches the kernel unterminated, as a
   C caller's would (bpf_obj_name_cpy then answers EINVAL). */
static void copy_name(char *dst, const char *k) {
  const char *s = str_field(k);
  if (s) memcpy(dst, s, strnlen(s, BPF_OBJ_NAME_LEN));
}

static int result(long r) {
  if (arg_err) return -1;
  if (r < 0) { out_str("errno", errno_name(errno)); return -1; }
  out_i64("ret", r);
  return 0;
}

static void decode_info(int fd, unsigned len_in) {
  int kind = fd_kind(fd);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  union { struct bpf_map_info m; struct bpf_prog_info p; struct bpf_link_info l; char raw[512]; } info;
  memset(&info, 0, sizeof info);
  unsigned map_ids[64];
  static unsigned char xlated[4096 * 8];
  a.info.bpf_fd = (unsigned)fd;
  a.info.info = (uintptr_t)&info;
  a.info.info_len = len_in ? len_in : kind == 0 ? sizeof info.m : kind == 1 ? sizeof info.p : kind == 2 ? sizeof info.l : 64;
  if (a.info.info_len > sizeof info) a.info.info_len = sizeof info;
  /* "info_tail": a non-zero last byte of the buffer, to see the kernel refuse bytes it does not know (E2BIG) */
  if (num("info_tail", 0)) info.raw[a.info.info_len - 1] = 1;
  if (kind == 1 && num("xlated", 0)) {
    info.p.nr_map_ids = 64;
    info.p.map_ids = (uintptr_t)map_ids;
    info.p.xlated_prog_len = sizeof xlated;
    info.p.xlated_prog_insns = (uintptr_t)xlated;
  }
  if (result(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a))) return;
  out_u64("info_len", a.info.info_len);
  if (kind == 0) {
    struct bpf_map_info *m = &info.m;
    out_u64("type", m->type); out_u64("id", m->id); out_u64("key_size", m->key_size);
    out_u64("value_size", m->value_size); out_u64("max_entries", m->max_entries);
    out_u64("map_flags", m->map_flags); out_str("name", m->name); out_u64("ifindex", m->ifindex);
    out_u64("btf_vmlinux_value_type_id", m->btf_vmlinux_value_type_id);
    out_u64("btf_id", m->btf_id); out_u64("btf_key_type_id", m->btf_key_type_id);
    out_u64("btf_value_type_id", m->btf_value_type_id); out_u64("map_extra", m->map_extra);
  } else if (kind == 1) {
    struct bpf_prog_info *p = &info.p;
    out_u64("type", p->type); out_u64("id", p->id); out_hex("tag", p->tag, 8);
    out_u64("jited_prog_len", p->jited_prog_len); out_u64("xlated_prog_len", p->xlated_prog_len);
    out_u64("created_by_uid", p->created_by_uid); out_u64("nr_map_ids", p->nr_map_ids);
    out_str("name", p->name); out_u64("ifindex", p->ifindex); out_u64("gpl_compatible", p->gpl_compatible);
    out_u64("btf_id", p->btf_id); out_u64("run_time_ns", p->run_time_ns); out_u64("run_cnt", p->run_cnt);
    out_u64("recursion_misses", p->recursion_misses); out_u64("verified_insns", p->verified_insns);
    out_u64("load_time_nonzero", p->load_time != 0);
    if (num("xlated", 0)) {
      out_hex("xlated_prog_insns", xlated, p->xlated_prog_len < sizeof xlated ? p->xlated_prog_len : sizeof xlated);
      out_key("map_ids");
      out_put("[", 1);
      for (unsigned i = 0; i < p->nr_map_ids && i < 64; i++) out_fmt(i ? ",%u" : "%u", map_ids[i]);
      out_put("]", 1);
    }
  } else if (kind == 2) {
    out_u64("type", info.l.type); out_u64("id", info.l.id); out_u64("prog_id", info.l.prog_id);
  }
}

/* ---------- privileges ---------- */
static int cap_number(const char *name) {
  static const struct { const char *n; int v; } caps[] = {
    {"CAP_CHOWN", 0}, {"CAP_DAC_OVERRIDE", 1}, {"CAP_DAC_READ_SEARCH", 2}, {"CAP_FOWNER", 3},
    {"CAP_NET_ADMIN", 12}, {"CAP_SYS_ADMIN", 21}, {"CAP_SYS_RESOURCE", 24}, {"CAP_PERFMON", 38}, {"CAP_BPF", 39},
  };
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) if (!strcmp(caps[i].n, name)) return caps[i].v;
  return -1;
}

static void drop_privs(void) {
  uid_t uid = (uid_t)num("uid", 65534);
  gid_t gid = (gid_t)num("gid", 65534);
  if (arg_err) return;
  const char *capstr = str_field("caps");
  unsigned long long mask = 0;
  char list[512];
  snprintf(list, sizeof list, "%s", capstr ? capstr : "CAP_BPF");
  for (char *tok = strtok(list, ", "); tok; tok = strtok(NULL, ", ")) {
    int c = cap_number(tok);
    if (c < 0) { out_str("error", "unknown capability name"); return; }
    mask |= 1ull << c;
  }
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setresgid(gid, gid, gid) ||
      setresuid(uid, uid, uid)) {
    out_str("error", "could not switch uid/gid");
    return;
  }
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0, sizeof d);
  d[0].effective = d[0].permitted = (unsigned)(mask & 0xffffffffu);
  d[1].effective = d[1].permitted = (unsigned)(mask >> 32);
  if (syscall(SYS_capset, &h, d)) { out_str("error", "capset failed"); return; }
  out_i64("ret", 0);
}

/* ---------- commands ---------- */
static const struct { const char *name; int cmd; } bpf_cmds[] = {
  {"BPF_MAP_CREATE", BPF_MAP_CREATE}, {"BPF_MAP_LOOKUP_ELEM", BPF_MAP_LOOKUP_ELEM},
  {"BPF_MAP_UPDATE_ELEM", BPF_MAP_UPDATE_ELEM}, {"BPF_MAP_DELETE_ELEM", BPF_MAP_DELETE_ELEM},
  {"BPF_MAP_GET_NEXT_KEY", BPF_MAP_GET_NEXT_KEY}, {"BPF_PROG_LOAD", BPF_PROG_LOAD},
  {"BPF_OBJ_PIN", BPF_OBJ_PIN}, {"BPF_OBJ_GET", BPF_OBJ_GET}, {"BPF_PROG_TEST_RUN", BPF_PROG_TEST_RUN},
  {"BPF_PROG_GET_NEXT_ID", BPF_PROG_GET_NEXT_ID}, {"BPF_MAP_GET_NEXT_ID", BPF_MAP_GET_NEXT_ID},
  {"BPF_PROG_GET_FD_BY_ID", BPF_PROG_GET_FD_BY_ID}, {"BPF_MAP_GET_FD_BY_ID", BPF_MAP_GET_FD_BY_ID},
  {"BPF_OBJ_GET_INFO_BY_FD", BPF_OBJ_GET_INFO_BY_FD},
  {"BPF_MAP_LOOKUP_AND_DELETE_ELEM", BPF_MAP_LOOKUP_AND_DELETE_ELEM}, {"BPF_MAP_FREEZE", BPF_MAP_FREEZE},
  {"BPF_LINK_GET_FD_BY_ID", BPF_LINK_GET_FD_BY_ID}, {"BPF_LINK_GET_NEXT_ID", BPF_LINK_GET_NEXT_ID},
  {"BPF_MAP_LOOKUP_BATCH", BPF_MAP_LOOKUP_BATCH}, {"BPF_MAP_LOOKUP_AND_DELETE_BATCH", BPF_MAP_LOOKUP_AND_DELETE_BATCH},
  {"BPF_MAP_UPDATE_BATCH", BPF_MAP_UPDATE_BATCH}, {"BPF_MAP_DELETE_BATCH", BPF_MAP_DELETE_BATCH},
  {"BPF_BTF_LOAD", BPF_BTF_LOAD},
};

static void run_bpf(int cmd) {
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  size_t klen = 0, vlen = 0, ilen = 0, dlen = 0, clen = 0;
  unsigned char *key = NULL, *val = NULL, *insns = NULL, *din = NULL, *cin = NULL;
  unsigned char *vout = NULL, *dout = NULL, *cout = NULL, *nkey = NULL;
  char *log = NULL;
  switch (cmd) {
  case BPF_MAP_CREATE:
    a.map_type = (unsigned)num("map_type", 0);
    a.key_size = (unsigned)num("key_size", 0);
    a.value_size = (unsigned)num("value_size", 0);
    a.max_entries = (unsigned)num("max_entries", 0);
    a.map_flags = (unsigned)num("map_flags", 0);
    a.inner_map_fd = (unsigned)num("inner_map_fd", 0);
    a.numa_node = (unsigned)num("numa_node", 0);
    a.map_ifindex = (unsigned)num("map_ifindex", 0);
    a.btf_fd = (unsigned)num("btf_fd", 0);
    a.btf_key_type_id = (unsigned)num("btf_key_type_id", 0);
    a.btf_value_type_id = (unsigned)num("btf_value_type_id", 0);
    a.map_extra = num("map_extra", 0);
    copy_name(a.map_name, "map_name");
    if (a.map_ifindex) { out_str("error", "map_ifindex (offload) is refused by the oracle"); return; }
    if (arg_err) break;
    {
      long r = sys_bpf(cmd, &a);
      if (result(r) == 0) new_fd((int)r);
    }
    break;
  case BPF_MAP_LOOKUP_ELEM: case BPF_MAP_LOOKUP_AND_DELETE_ELEM: case BPF_MAP_UPDATE_ELEM:
  case BPF_MAP_DELETE_ELEM: case BPF_MAP_GET_NEXT_KEY: {
    int fd = (int)num("map_fd", (unsigned long long)-1);
    int ks;
    size_t vs = value_buf_size(fd, &ks);
    if (has("value_len")) vs = num("value_len", 0);
    key = hexbuf("key", &klen);
    val = hexbuf("value", &vlen);
    if (arg_err) break;
    a.map_fd = (unsigned)fd;
    a.key = (uintptr_t)key;
    a.flags = num("flags", 0);
    if (cmd == BPF_MAP_UPDATE_ELEM) {
      a.value = (uintptr_t)val;
      result(sys_bpf(cmd, &a));
    } else if (cmd == BPF_MAP_GET_NEXT_KEY) {
      nkey = calloc((size_t)ks + 8, 1);
      a.next_key = (uintptr_t)nkey;
      if (result(sys_bpf(cmd, &a)) == 0) {
        out_hex("next_key", nkey, (size_t)ks);
        last_next_key_len = (size_t)ks < sizeof last_next_key ? (size_t)ks : sizeof last_next_key;
        memcpy(last_next_key, nkey, last_next_key_len);
      }
    } else if (cmd == BPF_MAP_DELETE_ELEM) {
      result(sys_bpf(cmd, &a));
    } else {
      vout = calloc(vs + vlen + 8, 1);
      if (val) memcpy(vout, val, vlen); /* bloom filter peek reads the value to test from the buffer */
      a.value = (uintptr_t)vout;
      if (result(sys_bpf(cmd, &a)) == 0) out_hex("value", vout, vs);
    }
    break;
  }
  case BPF_MAP_LOOKUP_BATCH: case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
  case BPF_MAP_UPDATE_BATCH: case BPF_MAP_DELETE_BATCH: {
    int fd = (int)num("map_fd", (unsigned long long)-1);
    struct bpf_map_info mi;
    int ks;
    size_t vs = value_buf_size(fd, &ks);
    int hashy = map_info(fd, &mi) == 0 &&
                (mi.type == BPF_MAP_TYPE_HASH || mi.type == BPF_MAP_TYPE_PERCPU_HASH || mi.type == BPF_MAP_TYPE_LRU_HASH ||
                 mi.type == BPF_MAP_TYPE_LRU_PERCPU_HASH || mi.type == BPF_MAP_TYPE_HASH_OF_MAPS);
    /* batch tokens: a u32 bucket index for hash maps (htab_map_lookup_batch), a key for the generic walk */
    size_t blen = hashy ? 4 : (size_t)ks;
    unsigned count = (unsigned)num("count", 0);
    size_t inlen = 0;
    unsigned char *inb = hexbuf("in_batch", &inlen);
    key = hexbuf("keys", &klen);
    val = hexbuf("values", &vlen);
    if (arg_err) { free(inb); break; }
    unsigned char *outb = calloc(blen + 8, 1);
    int is_lookup = cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH;
    if (is_lookup) {
      free(key); free(val);
      key = calloc((size_t)count * (size_t)ks + 8, 1);
      val = calloc((size_t)count * vs + 8, 1);
    }
    a.batch.map_fd = (unsigned)fd;
    a.batch.in_batch = (uintptr_t)inb;
    a.batch.out_batch = (uintptr_t)outb;
    a.batch.keys = (uintptr_t)key;
    a.batch.values = (uintptr_t)val;
    a.batch.count = count;
    a.batch.elem_flags = num("elem_flags", 0);
    a.batch.flags = num("flags", 0);
    long r = sys_bpf(cmd, &a);
    int e = errno;
    int ok = result(r) == 0;
    if (!arg_err) out_u64("count", a.batch.count); /* written back on success and on most errors */
    if (ok || e == ENOENT) {
      if (is_lookup) {
        unsigned n = a.batch.count < count ? a.batch.count : count;
        out_hex("keys", key, (size_t)n * (size_t)ks);
        out_hex("values", val, (size_t)n * vs);
        out_hex("out_batch", outb, blen);
      }
    }
    free(inb);
    free(outb);
    break;
  }
  case BPF_BTF_LOAD: {
    size_t blen = 0;
    unsigned char *blob = hexbuf("btf", &blen);
    unsigned ls = (unsigned)num("btf_log_size", 0);
    if (ls) log = calloc(ls + 1, 1);
    if (arg_err) { free(blob); break; }
    a.btf = (uintptr_t)blob;
    a.btf_size = (unsigned)blen;
    a.btf_log_level = (unsigned)num("btf_log_level", 0);
    a.btf_log_buf = (uintptr_t)log;
    a.btf_log_size = ls;
    long r = sys_bpf(cmd, &a);
    int e = errno;
    if (result(r) == 0) {
      const char *as = str_field("as");
      if (as) set_var(as, r);
    }
    if (log) out_str("log", log);
    errno = e;
    free(blob);
    break;
  }
  case BPF_MAP_FREEZE:
    a.map_fd = (unsigned)num("map_fd", (unsigned long long)-1);
    if (arg_err) break;
    result(sys_bpf(cmd, &a));
    break;
  case BPF_PROG_LOAD: {
    insns = hexbuf("insns", &ilen);
    if (arg_err) break;
    /* "fixups": "IDX=$var,IDX=$var" sets insn IDX's imm to a variable (map fds for lddw). */
    const char *fx = str_field("fixups");
    if (fx) {
      char list[1024];
      snprintf(list, sizeof list, "%s", fx);
      for (char *tok = strtok(list, ", "); tok; tok = strtok(NULL, ", ")) {
        char *eq = strchr(tok, '=');
        long long v;
        unsigned long idx = strtoul(tok, NULL, 10);
        if (!eq || eq[1] != '$' || get_var(eq + 2, &v) || (idx + 1) * 8 > ilen) { arg_err = "bad fixups"; break; }
        int32_t imm = (int32_t)v;
        memcpy(insns + idx * 8 + 4, &imm, 4);
      }
      if (arg_err) break;
    }
    a.prog_type = (unsigned)num("prog_type", 0);
    a.insns = (uintptr_t)insns;
    a.insn_cnt = has("insn_cnt") ? (unsigned)num("insn_cnt", 0) : (unsigned)(ilen / 8);
    const char *lic = str_field("license");
    a.license = (uintptr_t)lic;
    a.log_level = (unsigned)num("log_level", 0);
    unsigned ls = (unsigned)num("log_size", 0);
    if (ls) {
      log = calloc(ls + 1, 1);
      a.log_buf = (uintptr_t)log;
      a.log_size = ls;
    }
    a.kern_version = (unsigned)num("kern_version", 0);
    a.prog_flags = (unsigned)num("prog_flags", 0);
    a.expected_attach_type = (unsigned)num("expected_attach_type", 0);
    a.prog_ifindex = (unsigned)num("prog_ifindex", 0);
    if (a.prog_ifindex) { out_str("error", "prog_ifindex (offload) is refused by the oracle"); break; }
    if (a.prog_type == BPF_PROG_TYPE_TRACING || a.prog_type == BPF_PROG_TYPE_EXT || a.prog_type == BPF_PROG_TYPE_LSM ||
        a.prog_type == BPF_PROG_TYPE_STRUCT_OPS) {
      out_str("error", "program types that attach at load time are refused by the oracle");
      break;
    }
    copy_name(a.prog_name, "prog_name");
    long r = sys_bpf(cmd, &a);
    int e = errno;
    if (result(r) == 0) new_fd((int)r);
    if (log) out_str("log", log);
    errno = e;
    break;
  }
  case BPF_OBJ_PIN: case BPF_OBJ_GET: {
    const char *p = map_path("pathname");
    if (arg_err) break;
    a.pathname = (uintptr_t)p;
    a.bpf_fd = (unsigned)num("bpf_fd", 0);
    a.file_flags = (unsigned)num("file_flags", 0);
    long r = sys_bpf(cmd, &a);
    if (result(r) == 0 && cmd == BPF_OBJ_GET) new_fd((int)r);
    break;
  }
  case BPF_PROG_TEST_RUN: {
    din = hexbuf("data_in", &dlen);
    cin = hexbuf("ctx_in", &clen);
    if (arg_err) break;
    a.test.prog_fd = (unsigned)num("prog_fd", (unsigned long long)-1);
    a.test.data_in = (uintptr_t)din;
    a.test.data_size_in = has("data_size_in") ? (unsigned)num("data_size_in", 0) : (unsigned)dlen;
    unsigned dso = (unsigned)num("data_size_out", 0);
    if (dso) {
      dout = calloc(dso, 1);
      a.test.data_out = (uintptr_t)dout;
      a.test.data_size_out = dso;
    }
    a.test.ctx_in = (uintptr_t)cin;
    a.test.ctx_size_in = (unsigned)clen;
    unsigned cso = (unsigned)num("ctx_size_out", 0);
    if (cso) {
      cout = calloc(cso, 1);
      a.test.ctx_out = (uintptr_t)cout;
      a.test.ctx_size_out = cso;
    }
    a.test.repeat = (unsigned)num("repeat", 0);
    a.test.flags = (unsigned)num("flags", 0);
    a.test.cpu = (unsigned)num("cpu", 0);
    long r = sys_bpf(cmd, &a);
    int e = errno;
    if (result(r) == 0 || e == ENOSPC) {
      out_u64("retval", a.test.retval);
      out_u64("duration", a.test.duration);
      out_u64("data_size_out", a.test.data_size_out);
      if (dout) out_hex("data_out", dout, a.test.data_size_out < dso ? a.test.data_size_out : dso);
      /* BPF_PROG_TYPE_SYSCALL writes its context back into the ctx_in buffer (bpf_prog_test_run_syscall) */
      if (cin) out_hex("ctx_in_after", cin, clen);
      if (cso) {
        out_u64("ctx_size_out", a.test.ctx_size_out);
        out_hex("ctx_out", cout, a.test.ctx_size_out < cso ? a.test.ctx_size_out : cso);
      }
    }
    break;
  }
  case BPF_PROG_GET_NEXT_ID: case BPF_MAP_GET_NEXT_ID: case BPF_LINK_GET_NEXT_ID:
    a.start_id = (unsigned)num("start_id", 0);
    if (result(sys_bpf(cmd, &a)) == 0) out_u64("next_id", a.next_id);
    break;
  case BPF_PROG_GET_FD_BY_ID: case BPF_MAP_GET_FD_BY_ID: case BPF_LINK_GET_FD_BY_ID: {
    int kind = cmd == BPF_MAP_GET_FD_BY_ID ? 0 : cmd == BPF_PROG_GET_FD_BY_ID ? 1 : 2;
    unsigned id = (unsigned)num(kind == 0 ? "map_id" : kind == 1 ? "prog_id" : "link_id", 0);
    if (arg_err) break;
    /* Safety: only ids this script created, or ids that name nothing (huge values). */
    if (!owns_id(kind, id) && id < 0x7f000000u) {
      out_str("error", "GET_FD_BY_ID refused: id not created by this script");
      break;
    }
    a.map_id = id; /* same slot as prog_id / link_id */
    a.open_flags = (unsigned)num("open_flags", 0);
    long r = sys_bpf(cmd, &a);
    if (result(r) == 0) new_fd((int)r);
    break;
  }
  case BPF_OBJ_GET_INFO_BY_FD:
    if (arg_err) break;
    decode_info((int)num("bpf_fd", (unsigned long long)-1), (unsigned)num("info_len", 0));
    break;
  default:
    out_str("error", "command not supported by the oracle");
    break;
  }
  if (arg_err) out_str("error", arg_err);
  free(key); free(val); free(insns); free(din); free(cin); free(vout); free(dout); free(cout); free(nkey); free(log);
}

static void run_fs(const char *cmd) {
  if (!strcmp(cmd, "mkdir")) {
    mode_t mode = (mode_t)num("mode", 0755);
    const char *p = map_path("path");
    if (!arg_err) result(mkdir(p, mode));
  } else if (!strcmp(cmd, "rmdir")) {
    const char *p = map_path("path");
    if (!arg_err) result(rmdir(p));
  } else if (!strcmp(cmd, "unlink")) {
    const char *p = map_path("path");
    if (!arg_err) result(unlink(p));
  } else if (!strcmp(cmd, "rename")) {
    const char *p = map_path("from");
    char from[sizeof mapped];
    if (!arg_err) {
      snprintf(from, sizeof from, "%s", p);
      const char *q = map_path("to");
      if (!arg_err) result(rename(from, q));
    }
  } else if (!strcmp(cmd, "chmod")) {
    mode_t mode = (mode_t)num("mode", 0);
    const char *p = map_path("path");
    if (!arg_err) result(chmod(p, mode));
  } else if (!strcmp(cmd, "chown")) {
    uid_t uid = (uid_t)num("uid", (unsigned long long)-1);
    gid_t gid = (gid_t)num("gid", (unsigned long long)-1);
    const char *p = map_path("path");
    if (!arg_err) result(chown(p, uid, gid));
  } else if (!strcmp(cmd, "readdir")) {
    const char *p = map_path("path");
    if (arg_err) return;
    DIR *d = opendir(p);
    if (!d) { result(-1); return; }
    out_i64("ret", 0);
    out_key("entries");
    out_put("[", 1);
    int first = 1;
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      if (!first) out_put(",", 1);
      first = 0;
      out_jstr(e->d_name, strlen(e->d_name));
    }
    out_put("]", 1);
    closedir(d);
  } else if (!strcmp(cmd, "stat")) {
    stat_only = 1;
    const char *p = map_path("path");
    stat_only = 0;
    if (arg_err) return;
    struct stat st;
    if (result(lstat(p, &st))) return;
    out_u64("mode", st.st_mode);
    out_str("type", S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : S_ISLNK(st.st_mode) ? "symlink" : "other");
    out_u64("uid", st.st_uid); out_u64("gid", st.st_gid); out_u64("nlink", st.st_nlink); out_u64("size", (unsigned long long)st.st_size);
  } else if (!strcmp(cmd, "read")) {
    const char *p = map_path("path");
    if (arg_err) return;
    int f = open(p, O_RDONLY);
    if (f < 0) { result(-1); return; }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
      if (n + 4096 > cap) { cap *= 2; buf = realloc(buf, cap); }
      ssize_t r = read(f, buf + n, 4096);
      if (r < 0) { result(-1); close(f); free(buf); return; }
      if (r == 0) break;
      n += (size_t)r;
    }
    close(f);
    out_i64("ret", (long long)n);
    out_strn("text", buf, n);
    free(buf);
  } else {
    out_str("error", "unknown command");
  }
}

static void run_line(const char *line, int index) {
  out_len = 0;
  out_put("{", 1);
  out_i64("i", index);
  arg_err = NULL;
  if (parse_line(line)) {
    out_str("error", parse_err ? parse_err : "parse error");
    free_fields();
    goto done;
  }
  const char *cmd = str_field("cmd");
  if (!cmd) { out_str("error", "missing cmd"); goto cleanup; }
  for (size_t i = 0; i < sizeof bpf_cmds / sizeof bpf_cmds[0]; i++)
    if (!strcmp(bpf_cmds[i].name, cmd)) { run_bpf(bpf_cmds[i].cmd); goto cleanup; }
  if (!strcmp(cmd, "close")) {
    int fd = (int)num("fd", (unsigned long long)-1);
    if (fd >= 0 && fd <= 2) { out_str("error", "refusing to close stdio"); goto cleanup; }
    if (!arg_err) result(close(fd));
  } else if (!strcmp(cmd, "dup")) {
    int fd = (int)num("fd", (unsigned long long)-1);
    if (!arg_err) { long r = dup(fd); if (result(r) == 0) new_fd((int)r); }
  } else if (!strcmp(cmd, "fdinfo")) {
    int fd = (int)num("fd", (unsigned long long)-1);
    char path[64], buf[8192];
    if (arg_err) goto cleanup;
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int f = open(path, O_RDONLY);
    if (f < 0) { result(-1); goto cleanup; }
    ssize_t n = read(f, buf, sizeof buf);
    int e = errno;
    close(f);
    errno = e;
    if (n < 0) { result(-1); goto cleanup; }
    out_i64("ret", 0);
    out_strn("text", buf, (size_t)n);
  } else if (!strcmp(cmd, "drop_privs")) {
    drop_privs();
  } else if (!strcmp(cmd, "pin_cpu")) {
    /* Run the rest of the script on one CPU (sched_setaffinity of this process only): per-CPU behaviour such as
       the LRU maps' local free lists becomes reproducible. */
    int cpu = (int)num("cpu", 0);
    if (arg_err) goto cleanup;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    result(sched_setaffinity(0, sizeof set, &set));
  } else if (!strcmp(cmd, "wait_gone")) {
    /* Objects are freed asynchronously (RCU, workqueues): poll until the id is no longer allocated, for up to
       2 s. This must not take references: a GET_FD_BY_ID + close on a prog_array whose clear work is still pending
       makes prog_array_map_clear take a second map reference that its already-queued work never drops (the map
       then leaks until reboot). BPF_*_GET_NEXT_ID(id - 1) == id tells "still allocated" without touching it.
       ret 0 = gone; ETIMEDOUT = still alive. */
    const char *kind = str_field("kind");
    int k = kind && !strcmp(kind, "prog") ? 1 : kind && !strcmp(kind, "link") ? 2 : 0;
    unsigned id = (unsigned)num("id", 0);
    if (arg_err) goto cleanup;
    if (!owns_id(k, id) || id == 0) { out_str("error", "wait_gone refused: id not created by this script"); goto cleanup; }
    int cmdno = k == 0 ? BPF_MAP_GET_NEXT_ID : k == 1 ? BPF_PROG_GET_NEXT_ID : BPF_LINK_GET_NEXT_ID;
    int gone = 0, failed = 0;
    for (int tries = 0; tries < 200 && !gone && !failed; tries++) {
      union bpf_attr a;
      memset(&a, 0, sizeof a);
      a.start_id = id - 1;
      long r = sys_bpf(cmdno, &a);
      if (r == 0 && a.next_id == id) usleep(10000);
      else if (r == 0 || errno == ENOENT) gone = 1;
      else failed = 1;
    }
    if (failed) { result(-1); goto cleanup; }
    if (gone) out_i64("ret", 0);
    else out_str("errno", "ETIMEDOUT");
  } else {
    run_fs(cmd);
  }
cleanup:
  if (arg_err && !strstr(out, "\"error\"")) out_str("error", arg_err);
  free_fields();
done:
  out_put("}\n", 2);
  fwrite(out, 1, out_len, stdout);
  fflush(stdout);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  remove(p);
  return 0;
}

static void fatal(const char *what) {
  printf("{\"fatal\":\"%s\",\"errno\":\"%s\"}\n", what, errno_name(errno));
  fflush(stdout);
}

int main(int argc, char **argv) {
  (void)argc; (void)argv;
  if (geteuid() != 0) { errno = EPERM; fatal("must run as root"); return 2; }
  /* fd numbers are part of what scripts observe (the lowest free fd): start from 3 like a fresh process, whatever
     the caller let us inherit */
  if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
    for (int fd = 3; fd < 1024; fd++) close(fd);
  snprintf(base_dir, sizeof base_dir, "/tmp/bpfsim-oracle-XXXXXX");
  if (!mkdtemp(base_dir)) { fatal("mkdtemp"); return 2; }
  chmod(base_dir, 0755);
  char bpf_dir[300], tmp_dir[300];
  snprintf(bpf_dir, sizeof bpf_dir, "%s/bpf", base_dir);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", base_dir);
  if (mkdir(bpf_dir, 0755) || mkdir(tmp_dir, 0755) || chmod(tmp_dir, 01777)) { fatal("mkdir sandbox"); rmdir(bpf_dir); rmdir(base_dir); return 2; }
  if (unshare(CLONE_NEWNS)) { fatal("unshare(CLONE_NEWNS)"); rmdir(bpf_dir); rmdir(tmp_dir); rmdir(base_dir); return 2; }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) { fatal("make / private"); return 2; }
  if (mount("bpf", bpf_dir, "bpf", 0, NULL)) { fatal("mount bpffs"); rmdir(bpf_dir); rmdir(tmp_dir); rmdir(base_dir); return 2; }
  umask(022);
  printf("{\"ready\":true,\"possible_cpus\":%d}\n", possible_cpus());
  fflush(stdout);

  pid_t child = fork();
  if (child == 0) {
    char *line = NULL;
    size_t cap = 0;
    int index = 0;
    while (getline(&line, &cap, stdin) > 0) {
      const char *p = line;
      skip_ws(&p);
      if (!*p) continue;
      run_line(line, index++);
    }
    free(line);
    _exit(0);
  }
  int status = 0;
  if (child > 0) waitpid(child, &status, 0);
  umount2(bpf_dir, MNT_DETACH);
  nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return child > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}
