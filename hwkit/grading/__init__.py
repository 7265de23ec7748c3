"""``hwkit grade``: a batch of submissions graded into a gradebook, feedback and grades.

- ``batch``: a folder of submissions, start to end (``grade_folder``, ``GradeOptions``).
- ``engine``: one submission (``grade_submission``) and a local pool (``grade_batch``);
  ``ray_engine``: the same as Ray tasks.
- ``worker``, ``worker_run``: the process that runs a notebook and its probes in a sandboxed
  kernel (``hwkit.sandbox``), and how the engine stages and runs it.
- ``judge``: the processes that run setups and verdicts on what kernels send back.
- ``outcomes``, ``heldout``, ``notebook_file``, ``env``, ``devices``, ``gradescope``: scores and
  statuses, held-out accuracies, the submitted file, environments, the device, Gradescope.
Kept light on purpose: a worker or judge process imports only the modules it runs.
"""
