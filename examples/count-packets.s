# An XDP program that counts the packets it sees in an array map (key 0) and lets them pass.
# `r1 = map_fd(0)` is filled in at load time with the map given as `map idx 0 REF` (as bpftool does); XDP_PASS = 2.
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(0)
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 2
    exit
