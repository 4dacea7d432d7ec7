import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
def le(v,n=4): return (v & ((1<<(8*n))-1)).to_bytes(n,'little').hex()
for flags, label in ((0, "common LRU"), (2, "BPF_F_NO_COMMON_LRU")):
    c=[(f"{label}: run on CPU 0 only", {"cmd":"pin_cpu","cpu":0}),
       (f"{label}: lru_hash max 4", {"cmd":"BPF_MAP_CREATE","map_type":9,"key_size":4,"value_size":4,"max_entries":4,"map_flags":flags,"as":"l"})]
    for k in range(1,5): c.append((f"insert {k}", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$l","key":le(k),"value":le(k)}))
    c.append(("lookup 1 from the syscall (does not mark it used)", {"cmd":"BPF_MAP_LOOKUP_ELEM","map_fd":"$l","key":le(1)}))
    c.append(("insert 5", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$l","key":le(5),"value":le(5)}))
    c.append(("insert 6", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$l","key":le(6),"value":le(6)}))
    c.append(("update 3 (a new node: now the newest)", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$l","key":le(3),"value":le(33)}))
    c.append(("insert 7", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$l","key":le(7),"value":le(7)}))
    for k in range(1,8): c.append((f"lookup {k}", {"cmd":"BPF_MAP_LOOKUP_ELEM","map_fd":"$l","key":le(k)}))
    run(c)
