import sys, struct; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
def le(v,n=4): return (v & ((1<<(8*n))-1)).to_bytes(n,'little').hex()
def btf(types, strings):
    # types: bytes of btf_type records; strings: bytes starting with \0
    hdr = struct.pack('<HBBIIIII', 0xeB9F, 1, 0, 24, 0, len(types), len(types), len(strings))
    return (hdr + types + strings).hex()
STR = b'\0u32\0pair\0a\0b\0'
INT_U32 = struct.pack('<III', 1, 1 << 24, 4) + struct.pack('<I', 32)           # [1] int u32, 32 bits
PAIR = struct.pack('<III', 5, (4 << 24) | 2, 8) + struct.pack('<III', 10, 1, 0) + struct.pack('<III', 12, 1, 32)  # [2] struct pair {u32 a; u32 b}
BLOB = btf(INT_U32 + PAIR, STR)
c=[]
c.append(("load BTF (u32, struct pair)", {"cmd":"BPF_BTF_LOAD","btf":BLOB,"as":"btf"}))
c.append(("bad BTF magic", {"cmd":"BPF_BTF_LOAD","btf":"0000"+BLOB[4:],"btf_log_level":1,"btf_log_size":4096}))
c.append(("hash u32 → struct pair with BTF", {"cmd":"BPF_MAP_CREATE","map_type":1,"key_size":4,"value_size":8,"max_entries":4,"btf_fd":"$btf","btf_key_type_id":1,"btf_value_type_id":2,"as":"h"}))
c.append(("key type size mismatch (value u32 for 8 bytes)", {"cmd":"BPF_MAP_CREATE","map_type":1,"key_size":4,"value_size":8,"max_entries":4,"btf_fd":"$btf","btf_key_type_id":1,"btf_value_type_id":1}))
c.append((None, {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$h","key":le(1),"value":le(10)+le(11)}))
c.append((None, {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$h","key":le(2),"value":le(20)+le(21)}))
c.append(("info shows btf ids", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$h"}))
c.append(("pin", {"cmd":"BPF_OBJ_PIN","bpf_fd":"$h","pathname":"/sys/fs/bpf/h"}))
c.append(("cat pinned hash with BTF", {"cmd":"read","path":"/sys/fs/bpf/h"}))
c.append(("array u32 → u32 with BTF", {"cmd":"BPF_MAP_CREATE","map_type":2,"key_size":4,"value_size":4,"max_entries":3,"btf_fd":"$btf","btf_key_type_id":1,"btf_value_type_id":1,"as":"a"}))
c.append((None, {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$a","key":le(1),"value":le(7)}))
c.append((None, {"cmd":"BPF_OBJ_PIN","bpf_fd":"$a","pathname":"/sys/fs/bpf/a"}))
c.append(("cat pinned array with BTF", {"cmd":"read","path":"/sys/fs/bpf/a"}))
c.append(("empty hash with BTF", {"cmd":"BPF_MAP_CREATE","map_type":1,"key_size":4,"value_size":4,"max_entries":3,"btf_fd":"$btf","btf_key_type_id":1,"btf_value_type_id":1,"as":"e"}))
c.append((None, {"cmd":"BPF_OBJ_PIN","bpf_fd":"$e","pathname":"/sys/fs/bpf/e"}))
c.append(("cat empty", {"cmd":"read","path":"/sys/fs/bpf/e"}))
run(c)
