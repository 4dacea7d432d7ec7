# The errno of each element command on an empty map of each type (FACTS.md "Element commands by map type").
import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
def le(v,n=4): return (v & ((1<<(8*n))-1)).to_bytes(n,'little').hex()
TYPES = [
  ("hash", dict(map_type=1, key_size=4, value_size=4, max_entries=2)),
  ("array", dict(map_type=2, key_size=4, value_size=4, max_entries=2)),
  ("prog_array", dict(map_type=3, key_size=4, value_size=4, max_entries=2)),
  ("perf_event_array", dict(map_type=4, key_size=4, value_size=4, max_entries=2)),
  ("percpu_hash", dict(map_type=5, key_size=4, value_size=4, max_entries=2)),
  ("percpu_array", dict(map_type=6, key_size=4, value_size=4, max_entries=2)),
  ("lru_hash", dict(map_type=9, key_size=4, value_size=4, max_entries=2)),
  ("lru_percpu_hash", dict(map_type=10, key_size=4, value_size=4, max_entries=2)),
  ("lpm_trie", dict(map_type=11, key_size=8, value_size=4, max_entries=2, map_flags=1)),
  ("array_of_maps", dict(map_type=12, key_size=4, value_size=4, max_entries=2, inner_map_fd="$inner")),
  ("hash_of_maps", dict(map_type=13, key_size=4, value_size=4, max_entries=2, inner_map_fd="$inner")),
  ("queue", dict(map_type=22, key_size=0, value_size=4, max_entries=2)),
  ("stack", dict(map_type=23, key_size=0, value_size=4, max_entries=2)),
  ("ringbuf", dict(map_type=27, key_size=0, value_size=0, max_entries=4096)),
  ("bloom_filter", dict(map_type=30, key_size=0, value_size=4, max_entries=2)),
]
def cases():
    c = [("inner map template", {"cmd":"BPF_MAP_CREATE","map_type":2,"key_size":4,"value_size":4,"max_entries":1,"as":"inner"})]
    for name, attrs in TYPES:
        ks = attrs["key_size"]
        key = {"key": "00"*ks} if ks else {}
        c.append((f"{name}: create", dict({"cmd":"BPF_MAP_CREATE","as":name}, **attrs)))
        c.append((f"{name}: lookup", dict({"cmd":"BPF_MAP_LOOKUP_ELEM","map_fd":"$"+name}, **key)))
        c.append((f"{name}: delete", dict({"cmd":"BPF_MAP_DELETE_ELEM","map_fd":"$"+name}, **key)))
        c.append((f"{name}: get_next_key NULL", {"cmd":"BPF_MAP_GET_NEXT_KEY","map_fd":"$"+name}))
        c.append((f"{name}: lookup_and_delete", dict({"cmd":"BPF_MAP_LOOKUP_AND_DELETE_ELEM","map_fd":"$"+name}, **key)))
        c.append((f"{name}: freeze", {"cmd":"BPF_MAP_FREEZE","map_fd":"$"+name}))
    return c
if __name__ == "__main__":
    run(cases())
