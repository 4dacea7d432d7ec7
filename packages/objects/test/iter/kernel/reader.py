# Reads pinned iterators with os.read(fd, n) and prints what each read returned as JSON: the text (its length when
# 1000 bytes or longer) or {"errno": name}.
import ctypes, errno, json, os, re, sys

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
    'dump': session('dump', 4096),
    'dump_again': session('dump', 4096),
    'dump_chunk7': session('dump', 7, 4),
    'retry': session('retry', 4096, 5),
    'overflow_big': session('overflow', 100000),
    'overflow_small': session('overflow', 5000),
    'formats': session('formats', 4096),
    'pointers': session('pointers', 4096),
}))
