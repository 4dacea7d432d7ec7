# Mutates the valid BTF blobs of kernel-fixtures.json (word rewrites, bit flips, inserted/removed words) for the
# differential run described in README.md. Usage: python3 mutate-blobs.py <seed> <count>  (writes blobs.txt)
import json, random, struct
import sys; random.seed(int(sys.argv[1]))
fx = json.load(open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'kernel-fixtures.json')))
blobs = [bytes.fromhex(c['blob']) for c in fx if 'blob' in c and (c.get('result',0)==0 and c.get('btf_load',0)==0)]
out = []
for i in range(int(sys.argv[2])):
    b = bytearray(random.choice(blobs))
    hdr_len = struct.unpack_from('<I', b, 4)[0]
    type_len = struct.unpack_from('<I', b, 12)[0]
    nmut = random.randint(1, 3)
    for _ in range(nmut):
        if type_len < 4: break
        w = hdr_len + 4 * random.randrange(type_len // 4)
        mode = random.random()
        if mode < 0.4:
            struct.pack_into('<I', b, w, random.randint(0, 12))
        elif mode < 0.6:
            old = struct.unpack_from('<I', b, w)[0]
            struct.pack_into('<I', b, w, (old ^ (1 << random.randrange(32))) & 0xffffffff)
        elif mode < 0.8:
            b[w + random.randrange(4)] = random.randrange(256)
        else:
            old = struct.unpack_from('<I', b, w)[0]
            struct.pack_into('<I', b, w, (old + random.choice([-1, 1, 8, -8, 32])) & 0xffffffff)
    if random.random() < 0.25 and type_len >= 8:
        w = hdr_len + 4 * random.randrange(type_len // 4)
        if random.random() < 0.5:
            b[w:w] = struct.pack('<I', random.randint(0, 40))
            delta = 4
        else:
            del b[w:w+4]
            delta = -4
        tl = struct.unpack_from('<I', b, 12)[0] + delta
        struct.pack_into('<I', b, 12, tl)
        struct.pack_into('<I', b, 16, struct.unpack_from('<I', b, 16)[0] + delta)
    out.append(b.hex())
open('blobs.txt', 'w').write('\n'.join(out) + '\n')
