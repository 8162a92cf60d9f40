"""ipcq's Python objects against multiprocessing's (make bench, in the VM).

Cells, each run ROUNDS times with the two mechanisms interleaved, the
median (min-max) reported:
  - Queue round trip: a small object (an int) to a child process and
    back through two queues, microseconds per round trip;
  - Queue streaming 1x1: a child puts COUNT small tuples, the parent
    gets them (every one checked in order), objects per second;
  - Lock: acquire + release by one process, uncontended, ns per pair;
  - multiprocessing.Pool alone: tasks/s through 4 workers, map with
    chunksize 1, empty and 64 KiB inputs (the figure the C Pool's table
    in ipcq-bench compares with; ipcq.Pool is multiprocessing's own).
All use the fork start method. Ends with a line per goal of issue 22:
at least 2x multiprocessing.Queue's streaming rate, a lower round trip.
"""

import multiprocessing
import statistics
import sys
import time

import ipcq

ROUNDS = 5
TRIPS = 1000
COUNT = 20000
LOCKS = 20000


def _echo(qin, qout, n):
    for _ in range(n):
        qout.put(qin.get())


def round_trip(ctx):
    a, b = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_echo, args=(a, b, TRIPS + 10))
    p.start()
    for i in range(10):
        a.put(i)
        b.get()
    t = time.perf_counter()
    for i in range(TRIPS):
        a.put(i)
        if b.get() != i:
            raise SystemExit('round trip: wrong object')
    dt = time.perf_counter() - t
    p.join()
    return dt / TRIPS * 1e6


def _produce(q, n):
    for i in range(n):
        q.put((i, 'payload-of-32-bytes-xxxxxxxxxxxx'))


def streaming(ctx):
    q = ctx.Queue()
    p = ctx.Process(target=_produce, args=(q, COUNT))
    t = time.perf_counter()
    p.start()
    for i in range(COUNT):
        if q.get()[0] != i:
            raise SystemExit('streaming: out of order')
    dt = time.perf_counter() - t
    p.join()
    return COUNT / dt


def lock_pair(ctx):
    lock = ctx.Lock()
    t = time.perf_counter()
    for _ in range(LOCKS):
        lock.acquire()
        lock.release()
    return (time.perf_counter() - t) / LOCKS * 1e9


POOL_TASKS = 2000


def _first_word(b):
    return b[:8]


def pool_tps(size):
    """multiprocessing.Pool's tasks/s, for the C Pool's table (issue 20):
    4 workers, map with chunksize 1, the task returning its input's first
    8 bytes, on inputs of @size bytes."""
    data = [bytes([i % 256]) * size for i in range(POOL_TASKS)]
    with multiprocessing.get_context('fork').Pool(4) as pool:
        pool.map(_first_word, data[:8], chunksize=1)    # workers up
        t = time.perf_counter()
        out = pool.map(_first_word, data, chunksize=1)
        dt = time.perf_counter() - t
    if [o[:1] for o in out] != [d[:1] for d in data]:
        raise SystemExit('pool: wrong result')
    return POOL_TASKS / dt


def cell(fn):
    res = {'ipcq': [], 'multiprocessing': []}
    for _ in range(ROUNDS):
        res['ipcq'].append(fn(ipcq.get_context('fork')))
        res['multiprocessing'].append(fn(multiprocessing.get_context('fork')))
    return res


def fmt(v):
    return (f"{statistics.median(v):10.1f} "
            f"({min(v):.1f}-{max(v):.1f})")


def main():
    cells = [('Queue round trip, us', round_trip, False),
             ('Queue streaming 1x1, objects/s', streaming, True),
             ('Lock acquire+release, ns', lock_pair, False)]
    print('== Python: ipcq against multiprocessing (fork), median (min-max) '
          f'of {ROUNDS}')
    medians = {}
    for name, fn, higher_better in cells:
        r = cell(fn)
        m_i = statistics.median(r['ipcq'])
        m_m = statistics.median(r['multiprocessing'])
        medians[name] = (m_i, m_m)
        ratio = m_i / m_m if higher_better else m_m / m_i
        print(f"{name:34s} ipcq {fmt(r['ipcq'])}   multiprocessing "
              f"{fmt(r['multiprocessing'])}   ipcq better by {ratio:.2f}x")
        for mech, vals in r.items():
            print(f"csv,python,{name},{mech},"
                  + ','.join(f'{v:.1f}' for v in vals))
    for size, label in ((8, 'empty (8 B input)'), (65536, '64 KiB input')):
        v = [pool_tps(size) for _ in range(ROUNDS)]
        print(f"multiprocessing.Pool tasks/s, {label:18s} {fmt(v)}   "
              f"us/task {1e6 / statistics.median(v):.0f}")
        print(f"csv,python,Pool tasks/s {label},multiprocessing,"
              + ','.join(f'{x:.1f}' for x in v))
    s_i, s_m = medians['Queue streaming 1x1, objects/s']
    r_i, r_m = medians['Queue round trip, us']
    print(f"goal: ipcq.Queue streams >= 2x multiprocessing.Queue: "
          f"{s_i / s_m:.2f}x: {'met' if s_i >= 2 * s_m else 'missed'}")
    print(f"goal: ipcq.Queue round trip below multiprocessing.Queue's: "
          f"{r_i:.1f} us vs {r_m:.1f} us: "
          f"{'met' if r_i < r_m else 'missed'}")


if __name__ == '__main__':
    sys.exit(main())
