"""The demo cohort is named the LMS way: each file's name decides whose it is, and each keeps
its name's time stamp as its modification time (so no time flag is raised in the demo)."""

from hwkit.course import load_config
from hwkit.demo import DEMO_COHORT, DEMO_ROSTER, write_demo_cohort
from hwkit.gradebook.roster import identify
from hwkit.gradebook.submission_time import file_time, name_time_flag, stamp_in_name


def test_the_demo_files_are_filed_by_their_names_and_keep_their_stamped_times(tmp_path):
    samples = {}
    for _, sample in DEMO_COHORT:
        samples[sample] = tmp_path / f"{sample}.ipynb"
        samples[sample].write_text("{}", encoding="utf-8")
    paths = write_demo_cohort(samples, tmp_path / "submissions", tmp_path / "roster.csv")
    ids = {student_id for student_id, *_ in DEMO_ROSTER}
    deadline = load_config().deadline("a2")
    owners = []
    for path in paths:
        identity = identify(path.name, "", ids)
        owners.append(identity.student_id)
        stamp = stamp_in_name(path.name)
        if stamp is not None:
            assert file_time(path) == stamp.isoformat(timespec="seconds"), path.name
        assert name_time_flag(path.name, file_time(path), deadline) == "", path.name
    assert owners == ["2026001", "2026001", "2026002", "2026003", "2026004", "2026005", None]
