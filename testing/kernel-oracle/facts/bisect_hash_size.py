# Bisects the largest hash map key_size + value_size this kernel accepts (BPF_F_NO_PREALLOC, 1 entry: nothing is
# allocated per element). Usage: python3 facts/bisect_hash_size.py (as root).
import json, subprocess, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as oracle

def accepted(map_type, key_size, value_size, max_entries, flags):
    oracle._compile()
    line = json.dumps({"cmd": "BPF_MAP_CREATE", "map_type": map_type, "key_size": key_size,
                       "value_size": value_size, "max_entries": max_entries, "map_flags": flags}) + "\n"
    out = subprocess.run([oracle.BIN], input=line, capture_output=True, text=True).stdout.strip().split("\n")
    return "ret" in json.loads(out[1])

def bisect(ok, lo, hi):  # ok(lo) holds, ok(hi) does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo

print("hash value_size max with key 4:", bisect(lambda v: accepted(1, 4, v, 1, 1), 1 << 20, 1 << 22))
print("hash value_size max with key 64:", bisect(lambda v: accepted(1, 64, v, 1, 1), 1 << 20, 1 << 22))
print("hash key_size max with value 4:", bisect(lambda k: accepted(1, k, 4, 1, 1), 1 << 20, 1 << 22))
