"""Which device a grading kernel's TensorFlow will use, asked once per process.

The probe runs TensorFlow in a child process with the grading environment, so the answer is
what a submission's kernel sees: ``"gpu: <name>"`` when TensorFlow lists a GPU, else ``"cpu"``.
A machine without any GPU device node (NVIDIA's, ROCm's ``/dev/kfd``, WSL's ``/dev/dxg``) is
``"cpu"`` without the probe: importing TensorFlow to learn that cost every batch 6 s.
"""

import functools
import glob
import json
import os
import subprocess
import sys

GPU_DEVICE_NODES = ("/dev/nvidiactl", "/dev/nvidia[0-9]*", "/dev/kfd", "/dev/dxg")

PROBE = (
    "import json, tensorflow as tf\n"
    "gpus = tf.config.list_physical_devices('GPU')\n"
    "names = [tf.config.experimental.get_device_details(g).get('device_name', g.name) "
    "for g in gpus]\n"
    "print(json.dumps(names))\n"
)


@functools.lru_cache(maxsize=1)
def tensorflow_device(timeout_s: float = 120.0) -> str:
    """``"gpu: <name>"`` (the first GPU TensorFlow lists) or ``"cpu"``; ``"cpu"`` if the probe
    fails, with the reason on stderr."""
    if not has_gpu_device_node():
        return "cpu"
    try:
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            capture_output=True, text=True, timeout=timeout_s,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        names = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else []
    except (subprocess.TimeoutExpired, ValueError, IndexError) as error:
        print(f"hwkit: GPU probe failed ({type(error).__name__}); grading on the CPU",
              file=sys.stderr)
        names = []
    return f"gpu: {names[0]}" if names else "cpu"


def has_gpu_device_node(patterns: tuple[str, ...] = GPU_DEVICE_NODES) -> bool:
    """Whether this machine has a device node through which TensorFlow could reach a GPU."""
    return any(glob.glob(pattern) for pattern in patterns)
