// Kernel oracle for ring buffer record layout: creates a BPF_MAP_TYPE_RINGBUF of <size> bytes, loads a socket
// filter that runs the given ops, test-runs it once, then mmaps the ring like libbpf and prints the producer and
// consumer positions and the raw data area up to the producer position.
//   ringbuf-probe <size> <op>...   op: o<n> = bpf_ringbuf_output of n pattern bytes (1, 2, 3, ...; n <= 32)
//                                      s<n> = reserve n, write 0xab to byte 0 (if n > 0), submit
//                                      d<n> = reserve n, write 0xab to byte 0 (if n > 0), discard
// Output: "prod=<n> cons=<n> data=<hex>"  (run inside `unshare -m`, see ../kernel-oracle.test.ts)
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct bpf_insn prog[4096];
static int n;

static void emit(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm) {
  prog[n].code = code; prog[n].dst_reg = dst; prog[n].src_reg = src; prog[n].off = off; prog[n].imm = imm; n++;
}
static void ld64(__u8 dst, __u8 src, __u64 v) {
  emit(BPF_LD | BPF_DW | BPF_IMM, dst, src, 0, (__s32)(__u32)v);
  emit(0, 0, 0, 0, (__s32)(__u32)(v >> 32));
}
static int sys_bpf(int cmd, union bpf_attr *a) { return syscall(__NR_bpf, cmd, a, sizeof(*a)); }

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  unsigned size = strtoul(argv[1], 0, 0);
  union bpf_attr a;
  memset(&a, 0, sizeof a);
  a.map_type = BPF_MAP_TYPE_RINGBUF; a.max_entries = size;
  int map = sys_bpf(BPF_MAP_CREATE, &a);
  if (map < 0) { printf("create %d\n", errno); return 1; }
  for (int i = 0; i < 4; i++) {           // stack[-32..0) = 1, 2, ..., 32
    __u64 v = 0;
    for (int b = 0; b < 8; b++) v |= (__u64)(i * 8 + b + 1) << (8 * b);
    ld64(1, 0, v);
    emit(BPF_STX | BPF_DW | BPF_MEM, 10, 1, -32 + 8 * i, 0);
  }
  for (int i = 2; i < argc; i++) {
    int len = atoi(argv[i] + 1);
    if (argv[i][0] == 'o') {
      ld64(1, BPF_PSEUDO_MAP_FD, map);
      emit(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
      emit(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -32);
      emit(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, len);
      emit(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
      emit(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
    } else {
      ld64(1, BPF_PSEUDO_MAP_FD, map);
      emit(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, len);
      emit(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
      emit(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve);
      emit(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, len > 0 ? 4 : 3, 0);
      if (len > 0) emit(BPF_ST | BPF_B | BPF_MEM, 0, 0, 0, 0xab);
      emit(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
      emit(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
      emit(BPF_JMP | BPF_CALL, 0, 0, 0, argv[i][0] == 's' ? BPF_FUNC_ringbuf_submit : BPF_FUNC_ringbuf_discard);
    }
  }
  emit(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
  emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

  static char log[1 << 16];
  memset(&a, 0, sizeof a);
  a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
  a.insns = (unsigned long)prog; a.insn_cnt = n;
  a.license = (unsigned long)"GPL";
  a.log_buf = (unsigned long)log; a.log_size = sizeof log; a.log_level = 1;
  int pfd = sys_bpf(BPF_PROG_LOAD, &a);
  if (pfd < 0) { printf("load %d\n%s\n", errno, log); return 1; }
  static unsigned char pkt[64];
  memset(&a, 0, sizeof a);
  a.test.prog_fd = pfd; a.test.data_in = (unsigned long)pkt; a.test.data_size_in = sizeof pkt; a.test.repeat = 1;
  if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0) { printf("run %d\n", errno); return 1; }

  long page = sysconf(_SC_PAGESIZE);
  unsigned long *cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, map, 0);
  unsigned char *prod = mmap(NULL, page + 2 * (size_t)size, PROT_READ, MAP_SHARED, map, page);
  if (cons == MAP_FAILED || prod == MAP_FAILED) { printf("mmap %d\n", errno); return 1; }
  unsigned long p = *(unsigned long *)prod;
  printf("prod=%lu cons=%lu data=", p, *cons);
  for (unsigned long i = 0; i < p && i < size; i++) printf("%02x", prod[page + i]);
  printf("\n");
  return 0;
}
