# Runs a list of (description, command) pairs through the kernel oracle and prints a markdown table row per
# command: description | script line | result. Usage: python3 facts/<topic>.py (as root; compiles oracle.c).
import json, os, subprocess, sys, tempfile
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(tempfile.gettempdir(), "bpfsim-oracle-facts")
def _compile():
    src = os.path.join(HERE, "..", "oracle.c")
    if not os.path.exists(BIN) or os.path.getmtime(BIN) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-o", BIN, src], check=True)
def run(cases):
    _compile()
    inp = "\n".join(json.dumps(c) for _, c in cases) + "\n"
    out = subprocess.run([BIN], input=inp, capture_output=True, text=True).stdout.strip().split("\n")
    res = [json.loads(l) for l in out[1:]]
    for (d, c), r in zip(cases, res):
        r.pop("i", None); r.pop("bound_id", None); r.pop("bound_kind", None)
        print(f"| {d or ''} | `{json.dumps(c)}` | `{json.dumps(r)}` |")
    return res
