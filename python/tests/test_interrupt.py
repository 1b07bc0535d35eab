"""Ctrl-C during a long trace: the GIL is released and signals are checked while waiting, so
SIGINT raises KeyboardInterrupt promptly instead of after the trace."""

import signal
import subprocess
import sys
import time

import pytest

REPEATS = 50

SCRIPT = f"""
import signal, sys, time, actbif
# A harness started in the background (`cmd &` without job control) passes SIGINT ignored to its
# children, and Python then installs no KeyboardInterrupt handler: restore it explicitly.
signal.signal(signal.SIGINT, signal.default_int_handler)
REPEATS = {REPEATS}
m = actbif.TwoLayer.paper(100)
print("start", flush=True)
t = time.time()
try:
    # Repeated so that the work outlasts the signal on any machine (one trace: 1-10 s).
    for _ in range(REPEATS):
        m.trace(progress=False)
    print("finished", time.time() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", time.time() - t, flush=True)
"""

# One m = 100 trace takes 1-10 s, and it runs REPEATS times; an interrupted call must return
# within the polling period (50 ms) plus Python's start-up noise, far below that duration.
PROMPT_S = 1.0


def assert_sigint_interrupts(script):
    """Runs `script`, sends SIGINT once it prints "start": it must print "interrupted" within
    PROMPT_S."""
    p = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "start"
    time.sleep(0.5)
    sent = time.time()
    p.send_signal(signal.SIGINT)
    line = p.stdout.readline().split()
    waited = time.time() - sent
    p.kill()
    p.wait()
    assert line and line[0] == "interrupted", line
    assert waited <= PROMPT_S, f"KeyboardInterrupt came {waited:.2f} s after SIGINT"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_interrupts_a_trace():
    assert_sigint_interrupts(SCRIPT)


LONG_CALLS = {
    # The full phase boundary at large widths runs for minutes.
    "phase_boundary": "actbif.TwoLayer.phase_boundary([50, 75, 100], per_decade=20)",
    # Repeated fold curves of the m = 10 paper model (seconds each).
    "fold_curve": "[actbif.TwoLayer.paper(10).fold_curve() for _ in range(50)]",
}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", sorted(LONG_CALLS))
def test_sigint_interrupts_curves(name):
    """fold_curve and phase_boundary run on a worker thread: SIGINT raises at once."""
    script = (
        "import signal, time, actbif\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "print('start', flush=True)\n"
        "t = time.time()\n"
        "try:\n"
        f"    {LONG_CALLS[name]}\n"
        "    print('finished', time.time() - t, flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', time.time() - t, flush=True)\n"
    )
    assert_sigint_interrupts(script)
