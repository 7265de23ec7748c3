"""The autograder: a zip and its manifest, the one contract between ``hwkit build`` (which
writes them) and ``hwkit grade`` (which reads them).

- ``manifest``: ``Manifest`` and ``CaseRecord``, every case's question, points, visibility and
  student-facing message, and the zip's fingerprint.
- ``cases``: the zip's test cases split into setup (grader), probe (kernel) and verdict
  (grader): ``SplitCase``, ``read_cases``.
"""
