# Runs a bpffs script on the real kernel, for fs-script.ts. Started as `unshare -m python3 runner.py D W` by the test:
# it is in a private mount namespace of its own, mounts a fresh bpffs on D and a tmpfs on W (both empty directories
# the test created), and maps the script's /sys/fs/bpf and /tmp/w onto them. It never touches other paths, creates
# no BPF objects, and everything it mounted disappears with its namespace when it exits.
import ctypes, errno, json, os, sys

D, W = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH = 4096, 16384, 1 << 18, 2
CLONE_NEWNS = 0x00020000
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


def host(p):
    for prefix, real in (('/sys/fs/bpf', D), ('/tmp/w', W)):
        if p == prefix or p.startswith(prefix + '/'):
            return real + p[len(prefix):]
    raise ValueError('path outside the sandbox: ' + p)


def hidden(name):
    return name in ('maps.debug', 'progs.debug')  # bpf_preload's files, absent from bpfsim by default


def run(op):
    k = op['op']
    if k == 'mkdir':
        os.mkdir(host(op['path']), op.get('mode', 0o777))
    elif k == 'rmdir':
        os.rmdir(host(op['path']))
    elif k == 'unlink':
        os.unlink(host(op['path']))
    elif k == 'rename':
        os.rename(host(op['from']), host(op['to']))
    elif k == 'symlink':
        os.symlink(op['target'], host(op['path']))
    elif k == 'link':
        os.link(host(op['from']), host(op['to']), follow_symlinks=False)
    elif k == 'chmod':
        os.chmod(host(op['path']), op['mode'])
    elif k == 'umask':
        os.umask(op['mask'])
    elif k == 'readdir':
        return {'entries': [n for n in os.listdir(host(op['path'])) if not hidden(n)]}
    elif k in ('stat', 'lstat'):
        st = (os.lstat if k == 'lstat' else os.stat)(host(op['path']))
        return {'mode': st.st_mode, 'nlink': st.st_nlink, 'uid': st.st_uid, 'gid': st.st_gid, 'size': st.st_size}
    elif k == 'mount':
        mount('bpf', host(op['path']), 'bpf', 0, op.get('data'))
    elif k == 'bind':
        mount(host(op['from']), host(op['to']), None, MS_BIND)
    elif k == 'umount':
        check(libc.umount2(host(op['path']).encode(), MNT_DETACH if op.get('lazy') else 0))
    elif k == 'unshare':
        check(libc.unshare(CLONE_NEWNS))
        namespaces[op['name']] = os.open('/proc/self/ns/mnt', os.O_RDONLY)
    elif k == 'setns':
        check(libc.setns(namespaces[op['name']], CLONE_NEWNS))
    elif k == 'as':
        os.setgroups([])
        os.setgid(op['gid'])
        os.setuid(op['uid'])
    else:
        raise ValueError('unknown op ' + k)
    return 'ok'


def main():
    mount(None, '/', None, MS_REC | MS_PRIVATE)
    mount('bpf', D, 'bpf')
    mount('tmpfs', W, 'tmpfs', 0, 'mode=0755')
    namespaces['init'] = os.open('/proc/self/ns/mnt', os.O_RDONLY)
    out = []
    for op in json.load(sys.stdin):
        try:
            out.append(run(op))
        except OSError as e:
            out.append(errno.errorcode.get(e.errno, str(e.errno)))
    json.dump(out, sys.stdout)


main()
