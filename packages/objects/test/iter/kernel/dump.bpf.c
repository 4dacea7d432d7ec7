// Iterator program run on the real kernel by ../kernel.test.ts (SAFETY: iterates only a map the test creates).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

SEC("iter/bpf_map_elem")
int dump(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *val = ctx->value;
	if (!key || !val) {
		BPF_SEQ_PRINTF(seq, "end seq_num=%llu session=%llu\n", ctx->meta->seq_num, ctx->meta->session_id);
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%u: %llu|%5d|%-4x|%05d|%+d|% d|%c|%lld|%X\n", *key, *val, *key, *key, -(int)*key, *key, *key, 'A' + *key, -(long long)*val, *key + 250);
	return 0;
}

