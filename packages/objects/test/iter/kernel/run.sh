#!/bin/bash
# Runs the iterator programs on the real kernel. Call as: unshare -m --propagation private bash run.sh <workdir>
# <workdir> holds the compiled *.bpf.o; a private bpffs is mounted at <workdir>/fs (visible only in this mount
# namespace, so every pin and object goes away when the namespace exits). Only a map this script creates is iterated.
set -euo pipefail
W="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$W/fs"
mount -t bpf bpf "$W/fs"
bpftool map create "$W/fs/m" type array key 4 value 8 entries 9 name itm
for k in 0 1 2 3 4 5 6 7 8; do bpftool map update pinned "$W/fs/m" key $k 0 0 0 value $((k * 7)) 0 0 0 0 0 0 0; done
for p in dump retry overflow formats pointers; do bpftool iter pin "$W/$p.bpf.o" "$W/fs/$p" map pinned "$W/fs/m"; done
bpftool prog load "$W/dump.bpf.o" "$W/fs/prog"
python3 "$HERE/reader.py" "$W/fs"
