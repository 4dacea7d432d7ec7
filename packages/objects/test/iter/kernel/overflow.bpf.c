// Iterator program run on the real kernel by ../kernel.test.ts (SAFETY: iterates only a map the test creates).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
char _license[] SEC("license") = "GPL";

char big[4000];
SEC("iter/bpf_map_elem")
int overflow(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	if (!key)
		return 0;
	/* key k writes (k + 1) * 4000 bytes: 9 keys → 4000..36000 */
	for (int i = 0; i < 10; i++) {
		if (i > *key) break;
		bpf_seq_write(seq, big, sizeof(big));
	}
	return 0;
}
