import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); from run import run
def mc(t, k, v, n, f=0, **kw):
    d = {"cmd":"BPF_MAP_CREATE","map_type":t,"key_size":k,"value_size":v,"max_entries":n,"map_flags":f}; d.update(kw); return d
def le(v,n=4): return v.to_bytes(n,'little').hex()
def U(m,k,v,f=0):
    d={"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$"+m,"value":v,"flags":f}
    if k is not None: d["key"]=k
    return d
def L(m,k=None,**kw):
    d={"cmd":"BPF_MAP_LOOKUP_ELEM","map_fd":"$"+m, **kw}
    if k is not None: d["key"]=k
    return d
def D(m,k=None):
    d={"cmd":"BPF_MAP_DELETE_ELEM","map_fd":"$"+m}
    if k is not None: d["key"]=k
    return d
N=lambda m,k=None:{"cmd":"BPF_MAP_GET_NEXT_KEY","map_fd":"$"+m,**({"key":k} if k is not None else {})}
LD=lambda m,k=None:{"cmd":"BPF_MAP_LOOKUP_AND_DELETE_ELEM","map_fd":"$"+m,**({"key":k} if k is not None else {})}
c = []
c.append(("queue q (value 4, max 2)", dict(mc(22,0,4,2), **{"as":"q"})))
c.append(("queue push with empty non-NULL key pointer", U("q","",le(1))))
c.append(("queue push 1", U("q",None,le(1))))
c.append(("queue push 2", U("q",None,le(2))))
c.append(("queue push full", U("q",None,le(3))))
c.append(("queue push full NOEXIST", U("q",None,le(3),1)))
c.append(("queue push full BPF_EXIST (overwrite oldest)", U("q",None,le(3),2)))
c.append(("queue peek", L("q")))
c.append(("queue pop", LD("q")))
c.append(("queue next_key", N("q")))
c.append(("queue delete", D("q")))
c.append(("queue pop", LD("q")))
c.append(("queue pop empty", LD("q")))
c.append(("queue peek empty", L("q")))
c.append(("stack s", dict(mc(23,0,4,2), **{"as":"s"})))
c.append(("stack push 1", U("s",None,le(1))))
c.append(("stack push 2", U("s",None,le(2))))
c.append(("stack push 3 BPF_EXIST", U("s",None,le(3),2)))
c.append(("stack pop", LD("s")))
c.append(("stack pop", LD("s")))
c.append(("stack pop", LD("s")))
c.append(("lpm t", dict(mc(11,8,4,8,1), **{"as":"t"})))
c.append((None, U("t",le(8)+"0a000000",le(1))))
c.append((None, U("t",le(16)+"0a010000",le(2))))
c.append((None, U("t",le(24)+"c0a80000",le(3))))
c.append(("lpm next_key null", N("t")))
c.append(("lpm next_key 10.1/16", N("t",le(16)+"0a010000")))
c.append(("lpm next_key 10/8", N("t",le(8)+"0a000000")))
c.append(("lpm next_key 192.168.0/24", N("t",le(24)+"c0a80000")))
c.append(("lpm next_key missing 11/8", N("t",le(8)+"0b000000")))
c.append(("lpm lookup exact 10.0.0.0/8 key", L("t",le(8)+"0a000000")))
c.append(("lpm lookup prefixlen 33", L("t",le(33)+"0a000000")))
c.append(("lpm update NOEXIST existing", U("t",le(8)+"0a000000",le(1),1)))
c.append(("lpm update EXIST missing", U("t",le(8)+"0b000000",le(1),2)))
c.append(("bloom b", dict(mc(30,0,4,8), **{"as":"b"})))
c.append(("bloom push", U("b",None,le(7))))
c.append(("bloom push NOEXIST", U("b",None,le(7),1)))
c.append(("bloom peek 7 (value buffer = value to test)", {"cmd":"BPF_MAP_LOOKUP_ELEM","map_fd":"$b","value_len":4}))
c.append(("bloom delete", D("b")))
c.append(("bloom pop", LD("b")))
c.append(("queue pop with flags BPF_F_LOCK", dict(LD("q"), flags=4)))
c.append(("lru l (max 4... no common lru)", dict(mc(9,4,4,4,2), **{"as":"l"})))
c.append(("lru fdinfo", {"cmd":"fdinfo","fd":"$l"}))
c.append(("array of maps inner", dict(mc(2,4,4,2), **{"as":"inner"})))
c.append(("array_of_maps outer", dict(mc(12,4,4,2,inner_map_fd="$inner"), **{"as":"o"})))
c.append(("outer update with inner fd", {"cmd":"BPF_MAP_UPDATE_ELEM","map_fd":"$o","key":le(0),"value_fd":"$inner"}))
c.append(("outer lookup → inner id", L("o",le(0))))
c.append(("outer lookup empty slot", L("o",le(1))))
c.append(("outer delete", D("o",le(0))))
c.append(("outer delete again", D("o",le(0))))
c.append(("outer update with a hash fd (incompatible)", U("o",le(0),None)))
run(c)
