# Reads pinned iterators with os.read(fd, n) and prints what each read returned as JSON: the text (its length when
# 1000 bytes or longer) or {"errno": name}.
import ctypes, errno, json, os, re, struct, sys

FS = sys.argv[1]

def session(name, n, max_reads=12):
    fd = os.open(os.path.join(FS, name), os.O_RDONLY)
    out = []
    try:
        for _ in range(max_reads):
            try:
                b = os.read(fd, n)
            except OSError as e:
                out.append({'errno': errno.errorcode[e.errno]})
                continue
            out.append(len(b) if len(b) >= 1000 else b.decode())
            if not b:
                break
    finally:
        os.close(fd)
    return out

def zero_first(name):
    # read(fd, 0) first: the kernel still runs the program for the first object and keeps its output buffered
    fd = os.open(os.path.join(FS, name), os.O_RDONLY)
    try:
        return [os.read(fd, 0).decode(), os.read(fd, 4096).decode(), os.read(fd, 4096).decode()]
    finally:
        os.close(fd)

libc = ctypes.CDLL(None, use_errno=True)

def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(321, cmd, buf, 128)  # __NR_bpf on x86-64
    return r, ctypes.get_errno()

def obj_get(name):
    path = ctypes.create_string_buffer(os.path.join(FS, name).encode())
    r, e = bpf(7, struct.pack('<Q', ctypes.addressof(path)))  # BPF_OBJ_GET
    if r < 0:
        raise OSError(e, name)
    return r

def link_ids_used_by_failed_attach():
    # LINK_CREATE(prog, BPF_TRACE_ITER, iter_info.map.map_fd): a good link, two refused by attach_target, a good one.
    prog, m = obj_get('prog'), obj_get('m')
    def create(map_fd):
        info = ctypes.create_string_buffer(struct.pack('<I', map_fd), 16)
        return bpf(28, struct.pack('<IIIIQI', prog, 0, 28, 0, ctypes.addressof(info), 16))
    def link_id(fd):
        return int(re.search(r'link_id:\t(\d+)', open(f'/proc/self/fdinfo/{fd}').read()).group(1))
    a = create(m)[0]
    fails = [errno.errorcode[create(0)[1]], errno.errorcode[create(9999)[1]]]
    b = create(m)[0]
    return {'fails': fails, 'id_gap': link_id(b) - link_id(a)}

def fdinfo(name):
    # BPF_OBJ_GET (bpf(2) command 7) on the pin, then /proc/self/fdinfo; ids and the tag become placeholders.
    libc = ctypes.CDLL(None, use_errno=True)
    path = ctypes.create_string_buffer(os.path.join(FS, name).encode())
    attr = (ctypes.c_uint8 * 128)()
    ctypes.memmove(attr, ctypes.byref(ctypes.c_uint64(ctypes.addressof(path))), 8)
    fd = libc.syscall(321, 7, ctypes.byref(attr), 128)  # __NR_bpf on x86-64
    if fd < 0:
        return {'errno': errno.errorcode[ctypes.get_errno()]}
    try:
        text = open(f'/proc/self/fdinfo/{fd}').read()
    finally:
        os.close(fd)
    for key in ('link_id', 'prog_id', 'map_id', 'prog_tag'):
        text = re.sub(rf'^{key}:\t\S+$', f'{key}:\t<{key}>', text, flags=re.M)
    return text

print(json.dumps({
    'fdinfo': fdinfo('dump'),
    'zero_first': zero_first('dump'),
    'failed_attach': link_ids_used_by_failed_attach(),
    'dump': session('dump', 4096),
    'dump_again': session('dump', 4096),
    'dump_chunk7': session('dump', 7, 4),
    'retry': session('retry', 4096, 5),
    'overflow_big': session('overflow', 100000),
    'overflow_small': session('overflow', 5000),
    'formats': session('formats', 4096),
    'pointers': session('pointers', 4096),
}))
