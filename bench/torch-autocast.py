#!/usr/bin/python3
"""Run the PyTorch peer (../shared/bench/torch_peft.py) under torch.autocast("cpu", dtype=torch.bfloat16): PyTorch's
own BF16 mixed precision (matrix products in BF16, weights and optimizer in FP32), the peer of tamga --precision bf16.
usage: bench/torch-autocast.py PEER [PEER OPTIONS...]   (prints the peer's JSON line with "autocast": "bf16")"""
import json, os, runpy, sys, io, contextlib

peer = sys.argv[1]
blas = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
if os.environ.get("TORCH_PEFT_BLAS") != "openmp":      # the peer's own re-execution, done here so autocast wraps it
    env = dict(os.environ, TORCH_PEFT_BLAS="openmp")
    if os.path.isdir(blas):
        env["LD_LIBRARY_PATH"] = blas + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    os.execve("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv, env)
import torch

sys.argv = [peer] + sys.argv[2:]
out = io.StringIO()
with contextlib.redirect_stdout(out), torch.autocast("cpu", dtype=torch.bfloat16):
    runpy.run_path(peer, run_name="__main__")
for line in out.getvalue().splitlines():
    try:
        r = json.loads(line)
        r["autocast"] = "bf16"
        print(json.dumps(r))
    except ValueError:
        print(line)
