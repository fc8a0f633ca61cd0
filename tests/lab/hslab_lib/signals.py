"""The lab's trap: SIGINT, SIGTERM and SIGHUP raise Interrupted wherever the program is, so the
`with Lab(...)` block unwinds and tears the lab down; during the teardown itself they are held
back (shielded) so that a second ^C cannot leave half a lab. SIGKILL cannot be caught: the next
run of the same prefix removes the leftovers first, and run-scenarios does it for every scenario."""

import contextlib
import signal

TRAPPED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(BaseException):
    """Raised by a trapped signal; BaseException so that `except Exception` does not eat it."""

    def __init__(self, signum):
        super().__init__("interrupted by %s" % signal.Signals(signum).name)
        self.signum = signum


def _raise(signum, frame):
    raise Interrupted(signum)


def install():
    for sig in TRAPPED:
        signal.signal(sig, _raise)


@contextlib.contextmanager
def shielded():
    """Holds trapped signals back for the block; one that came in is raised after it."""
    held = []

    def hold(signum, frame):
        held.append(signum)

    old = {sig: signal.signal(sig, hold) for sig in TRAPPED}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if held and old[held[0]] is _raise:
        raise Interrupted(held[0])
