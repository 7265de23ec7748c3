"""What runs inside the student's kernel while it is graded: the probe runner (``probe``)
and the model describer (``describe``). Nothing here decides anything: whatever these send
back, the grader checks and judges on its own side."""
