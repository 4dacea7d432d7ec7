// Iterator program run on the real kernel by ../kernel.test.ts (SAFETY: iterates only a map the test creates).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int fmt(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	if (!key || *key != 0)
		return 0;
	unsigned char ip4[4] = {10, 0, 0, 1};
	unsigned char ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
	char str[8] = "hi";
	char str2[8] = "abc";
	BPF_SEQ_PRINTF(seq, "[%pI4] [%pi4] [%pI6] [%pi6]\n", ip4, ip4, ip6, ip6);
	BPF_SEQ_PRINTF(seq, "[%s] [%5s] [%-5s|] [%3c] [%-3c|]\n", str, str2, str2, 'z', 'z');
	BPF_SEQ_PRINTF(seq, "[%x] [%lx] [%08x] [%-8d|] [% 5d] [%+5d] [%u] [%lu] [%i] [%%] [%X] [%llx]\n", -1, -1L, 255, -42, 42, 42, -1, -1L, -7, 0xabc, 0x123456789abcdefULL);
	BPF_SEQ_PRINTF(seq, "[%px] [%pK] [%s]\n", 0x1234ULL, 0ULL, (char *)0);
	BPF_SEQ_PRINTF(seq, "[%05d] [%-05d|] [%+05d] [%05x] [% 05d]\n", -42, -42, 42, 42, 42);
	char bad1[] = "%.2d\n";
	char bad2[] = "%o\n";
	char bad3[] = "%hd\n";
	char bad4[] = "%d %d\n";
	char bad5[] = "%sx\n";
	char bad6[] = "%pZ\n";
	char bad7[] = "%ld\n";
	__u64 args[2] = {1, 2};
	long r1 = bpf_seq_printf(seq, bad1, sizeof(bad1), args, 8);
	long r2 = bpf_seq_printf(seq, bad2, sizeof(bad2), args, 8);
	long r3 = bpf_seq_printf(seq, bad3, sizeof(bad3), args, 8);
	long r4 = bpf_seq_printf(seq, bad4, sizeof(bad4), args, 8);
	long r5 = bpf_seq_printf(seq, bad5, sizeof(bad5), args, 8);
	long r6 = bpf_seq_printf(seq, bad6, sizeof(bad6), args, 8);
	long r7 = bpf_seq_printf(seq, bad7, sizeof(bad7), args, 12);
	long r8 = bpf_seq_printf(seq, bad7, 3, args, 8);
	BPF_SEQ_PRINTF(seq, "rets %ld %ld %ld %ld %ld %ld %ld %ld\n", r1, r2, r3, r4, r5, r6, r7, r8);
	return 0;
}
