// Iterator program run on the real kernel by ../kernel.test.ts (SAFETY: iterates only a map the test creates).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";
SEC("iter/bpf_map_elem")
int fmt2(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	if (!key || *key != 0)
		return 0;
	unsigned char ip4[4] = {10, 0, 0, 1};
	unsigned char ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
	BPF_SEQ_PRINTF(seq, "[%pI6c] [%pI4x] [%pi4abc] [%pKz] [%pxq] [%12pI4] [%-12pI4|]\n", ip6, ip4, ip4, 0x10ULL, 0x10ULL, ip4, ip4);
	BPF_SEQ_PRINTF(seq, "[%p] [%p] [%20px] [%ps] [%pS] [%pB]\n", 0ULL, 0x1234ULL, 0x99ULL, 0x1234ULL, 0x1234ULL, 0x1234ULL);
	BPF_SEQ_PRINTF(seq, "[%ks]\n", 0ULL);
	return 0;
}
