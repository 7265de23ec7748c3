"""hwkit: homework kit and autograder for 青年AI自强计划 · 计算机视觉课."""

__version__ = "0.1.0"
