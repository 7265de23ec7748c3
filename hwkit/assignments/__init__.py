"""The course's assignments, each one folder of this package (a plugin).

``hwkit/assignments/<id>/__init__.py`` declares ``ASSIGNMENT`` (``spec.Assignment``): its
limits, data, cluster resources, samples and the modules of its own (budget, checks, training
helpers) that its tests and notebook use. Adding an assignment is its master notebook and
tests under ``solutions/<id>/`` plus one folder here; nothing else names it.
"""

import importlib
import pkgutil

from hwkit.assignments.spec import Assignment, Samples, TaskResources


def _discover() -> dict[str, Assignment]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.ispkg:
            assignment = importlib.import_module(f"{__name__}.{module.name}").ASSIGNMENT
            found[assignment.id] = assignment
    return dict(sorted(found.items()))


ASSIGNMENTS: dict[str, Assignment] = _discover()


def get_assignment(assignment_id: str) -> Assignment:
    """The assignment with this id; a clear error naming the known ids otherwise."""
    key = assignment_id.strip().lower()
    if key in ASSIGNMENTS:
        return ASSIGNMENTS[key]
    known = ", ".join(ASSIGNMENTS)
    raise KeyError(f"unknown assignment '{assignment_id}'; available: {known}")


__all__ = ["ASSIGNMENTS", "Assignment", "Samples", "TaskResources", "get_assignment"]
