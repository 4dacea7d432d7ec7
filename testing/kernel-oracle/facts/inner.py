import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
def mc(t, k, v, n, f=0, **kw):
    d = {"cmd":"BPF_MAP_CREATE","map_type":t,"key_size":k,"value_size":v,"max_entries":n,"map_flags":f}; d.update(kw); return d
U=lambda m,k,v:{"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$"+m,"key":k,"value":v}
c=[]
c.append(("inner template: array 4/4/2 with BPF_F_INNER_MAP", dict(mc(2,4,4,2,4096), **{"as":"tmpl"})))
c.append(("array_of_maps from it", dict(mc(12,4,4,2,inner_map_fd="$tmpl"), **{"as":"o"})))
c.append(("inner array max_entries 9 with BPF_F_INNER_MAP", dict(mc(2,4,4,9,4096), **{"as":"big"})))
c.append(("→ accepted (max_entries may differ)", U("o","00000000","$big")))
c.append(("inner array max_entries 9 without the flag", dict(mc(2,4,4,9), **{"as":"bignoflag"})))
c.append(("→ refused (map_flags differ)", U("o","01000000","$bignoflag")))
c.append(("inner array value_size 8 with the flag", dict(mc(2,4,8,2,4096), **{"as":"wide"})))
c.append(("→ refused", U("o","01000000","$wide")))
c.append(("map-in-map as the inner template", mc(12,4,4,2,inner_map_fd="$o")))
c.append(("queue as the inner template", dict(mc(22,0,4,2), **{"as":"q"})))
c.append((None, mc(12,4,4,2,inner_map_fd="$q")))
c.append(("ringbuf as the inner template", dict(mc(27,0,0,4096), **{"as":"rb"})))
c.append((None, mc(12,4,4,2,inner_map_fd="$rb")))
c.append(("prog_array as the inner template", dict(mc(3,4,4,2), **{"as":"pa"})))
c.append((None, mc(12,4,4,2,inner_map_fd="$pa")))
c.append(("outer value_size 8", mc(12,4,8,2,inner_map_fd="$tmpl")))
c.append(("inner_map_fd 99 (not an fd)", mc(12,4,4,2,inner_map_fd=99)))
c.append(("plain array with inner_map_fd set (ignored)", mc(2,4,4,2,inner_map_fd="$tmpl")))
run(c)
