// Iterator program run on the real kernel by ../kernel.test.ts (SAFETY: iterates only a map the test creates).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int retry(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	if (!key) {
		BPF_SEQ_PRINTF(seq, "end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "key %u seq %llu\n", *key, ctx->meta->seq_num);
	return *key == 1;
}

