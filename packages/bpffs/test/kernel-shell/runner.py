# Runs a filesystem script on the real kernel, for fs-script.ts. Started as `unshare -m python3 runner.py R` by the
# test: it is in a private mount namespace of its own, mounts a tmpfs on R (an empty directory the test created),
# builds there the same skeleton bpfsim's root fs has (/sys/fs/bpf with a fresh bpffs mounted on it, /tmp, and a
# tmpfs on /tmp/w), and chroots into R, so the script's absolute paths mean the same thing on both sides. It creates
# no BPF objects, and everything it mounted disappears with its namespace when it exits.
import ctypes, errno, json, os, platform, struct, sys

R = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
CLONE_NEWNS = 0x00020000
NR_BPF = {'x86_64': 321, 'aarch64': 280}.get(platform.machine())
BPF_MAP_CREATE, BPF_OBJ_PIN, BPF_OBJ_GET, BPF_MAP_TYPE_ARRAY = 0, 6, 7, 2
# Mount namespaces by name: 'init' is the runner's own private one; 'unshare' makes and enters a copy, 'setns'
# switches between them (the fds keep them alive, as the simulated processes do).
namespaces = {}


def check(ret):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def mount(src, target, fstype, flags=0, data=None):
    check(libc.mount(src.encode() if src else None, target.encode(), fstype.encode() if fstype else None, flags,
                     data.encode() if data else None))


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    ret = libc.syscall(NR_BPF, cmd, buf, 128)
    if ret < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return ret


def path_attr(path, fd=0, flags=0):
    p = ctypes.create_string_buffer(path.encode())
    keep.append(p)
    return struct.pack('QII', ctypes.addressof(p), fd, flags)


keep = []  # path buffers must outlive the syscall
the_map = None  # one array map created before the script runs; 'pin' pins it


def hidden(name):
    return name in ('maps.debug', 'progs.debug')  # bpf_preload's files, absent from bpfsim by default


def run(op, proc_self):
    k = op['op']
    if k == 'mkdir':
        os.mkdir(op['path'], op.get('mode', 0o777))
    elif k == 'rmdir':
        os.rmdir(op['path'])
    elif k == 'unlink':
        os.unlink(op['path'])
    elif k == 'rename':
        os.rename(op['from'], op['to'])
    elif k == 'symlink':
        os.symlink(op['target'], op['path'])
    elif k == 'link':
        os.link(op['from'], op['to'], follow_symlinks=False)
    elif k == 'chmod':
        os.chmod(op['path'], op['mode'])
    elif k == 'umask':
        os.umask(op['mask'])
    elif k == 'readdir':
        return {'entries': [n for n in os.listdir(op['path']) if not hidden(n)]}
    elif k in ('stat', 'lstat'):
        st = (os.lstat if k == 'lstat' else os.stat)(op['path'])
        return {'mode': st.st_mode, 'nlink': st.st_nlink, 'uid': st.st_uid, 'gid': st.st_gid, 'size': st.st_size}
    elif k == 'mount':
        mount('bpf', op['path'], 'bpf', 0, op.get('data'))
    elif k == 'bind':
        mount(op['from'], op['to'], None, MS_BIND)
    elif k == 'rbind':
        mount(op['from'], op['to'], None, MS_BIND | MS_REC)
    elif k == 'umount':
        check(libc.umount2(op['path'].encode(), MNT_DETACH if op.get('lazy') else 0))
    elif k == 'pin':
        bpf(BPF_OBJ_PIN, path_attr(op['path'], the_map))
    elif k == 'get':
        os.close(bpf(BPF_OBJ_GET, path_attr(op['path'], 0, op.get('flags', 0))))
    elif k == 'cat':
        fd = os.open(op['path'], os.O_RDONLY)
        try:
            os.read(fd, 4096)
        finally:
            os.close(fd)
    elif k == 'unshare':
        check(libc.unshare(CLONE_NEWNS))
        namespaces[op['name']] = os.open('ns/mnt', os.O_RDONLY, dir_fd=proc_self)
    elif k == 'setns':
        check(libc.setns(namespaces[op['name']], CLONE_NEWNS))
        os.chroot(R)  # setns puts the root at the namespace's root: back into the sandbox
        os.chdir('/')
    elif k == 'as':
        os.setgroups([])
        os.setgid(op['gid'])
        os.setuid(op['uid'])
    else:
        raise ValueError('unknown op ' + k)
    return 'ok'


def main():
    global the_map
    os.umask(0o022)
    if NR_BPF is None:
        sys.exit('no bpf(2) syscall number for ' + platform.machine())
    the_map = bpf(BPF_MAP_CREATE, struct.pack('IIII', BPF_MAP_TYPE_ARRAY, 4, 4, 1))
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    mount('tmpfs', R, 'tmpfs', 0, 'mode=0755')
    for path, mode in (('/sys', 0o555), ('/sys/fs', 0o755), ('/sys/fs/bpf', 0o755), ('/tmp', 0o1777)):
        os.mkdir(R + path)
        os.chmod(R + path, mode)
    mount('bpf', R + '/sys/fs/bpf', 'bpf')
    os.mkdir(R + '/tmp/w')
    mount('tmpfs', R + '/tmp/w', 'tmpfs', 0, 'mode=0755')
    proc_self = os.open('/proc/self', os.O_RDONLY | os.O_DIRECTORY)
    namespaces['init'] = os.open('ns/mnt', os.O_RDONLY, dir_fd=proc_self)
    os.chroot(R)
    os.chdir('/')
    out = []
    for op in json.load(sys.stdin):
        try:
            out.append(run(op, proc_self))
        except OSError as e:
            out.append(errno.errorcode.get(e.errno, str(e.errno)))
    json.dump(out, sys.stdout)


main()
