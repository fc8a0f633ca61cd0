"""What the hot restart scenarios and benchmark share: whether a replaced process is gone, and a
stand-in binary that runs the real daemon with a test hook set in its environment."""

import os


def gone(pid):
    """The process has exited (a zombie child of ours counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def test_binary(lab, daemon, name, env):
    """A script in the lab's work dir that runs daemon with env (e.g. "HS_TEST_CRASH_AT_ADOPT=1")
    and no core dump: the "exe" of a hot restart that is to fail."""
    path = os.path.join(lab.workdir, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\nulimit -c 0\n%s exec %s \"$@\"\n" % (env, lab.paths.daemon(daemon)))
    os.chmod(path, 0o755)
    return path
