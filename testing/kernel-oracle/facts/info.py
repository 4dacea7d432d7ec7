import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
c=[]
c.append(("map", {"cmd":"BPF_MAP_CREATE","map_type":2,"key_size":4,"value_size":4,"max_entries":1,"as":"m"}))
c.append(("prog", {"cmd":"BPF_PROG_LOAD","prog_type":1,"insns":"b7000000000000009500000000000000","license":"GPL","as":"p"}))
for n in (512,):
    c.append((f"map info_len {n} (zero tail): written back = the kernel's sizeof(struct bpf_map_info)", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$m","info_len":n}))
    c.append((f"map info_len {n} with a non-zero last byte", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$m","info_len":n,"info_tail":1}))
    c.append((f"prog info_len {n} (zero tail)", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$p","info_len":n}))
    c.append((f"prog info_len {n} with a non-zero last byte", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$p","info_len":n,"info_tail":1}))
c.append(("map info_len 8 with a non-zero byte 7 (inside what the kernel knows)", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$m","info_len":8,"info_tail":1}))
c.append(("map info_len 4", {"cmd":"BPF_OBJ_GET_INFO_BY_FD","bpf_fd":"$m","info_len":4}))
run(c)
