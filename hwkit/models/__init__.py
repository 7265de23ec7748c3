"""A network described as data (``hwkit.kernel.describe`` makes it in the kernel) and the
grader's own forward pass on it: ``forward``, ``predict_labels``, ``NotReproducible``;
activations are named by their values (``activation_name``)."""

from hwkit.models.activations import activation_name, dense_activations, identify
from hwkit.models.forward_pass import NotReproducible, forward, predict_labels

__all__ = ["NotReproducible", "activation_name", "dense_activations", "forward", "identify",
           "predict_labels"]
