"""hwkit.grading.devices: the grading device, and no TensorFlow import where no GPU can be."""

import subprocess

from hwkit.grading import devices


def test_a_device_node_is_found_by_its_pattern(tmp_path):
    assert not devices.has_gpu_device_node((str(tmp_path / "nvidia[0-9]*"),))
    (tmp_path / "nvidia0").touch()
    assert devices.has_gpu_device_node((str(tmp_path / "nvidia[0-9]*"),))


def test_without_a_gpu_device_node_the_device_is_cpu_without_the_probe(monkeypatch):
    def no_probe(*args, **kwargs):
        raise AssertionError("the TensorFlow probe ran on a machine without GPU device nodes")

    monkeypatch.setattr(devices, "has_gpu_device_node", lambda: False)
    monkeypatch.setattr(subprocess, "run", no_probe)
    devices.tensorflow_device.cache_clear()
    try:
        assert devices.tensorflow_device() == "cpu"
    finally:
        devices.tensorflow_device.cache_clear()


def test_with_a_device_node_the_probe_decides(monkeypatch):
    class Done:
        returncode, stdout = 0, '["NVIDIA H200"]\n'

    monkeypatch.setattr(devices, "has_gpu_device_node", lambda: True)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Done())
    devices.tensorflow_device.cache_clear()
    try:
        assert devices.tensorflow_device() == "gpu: NVIDIA H200"
    finally:
        devices.tensorflow_device.cache_clear()
