# A Lock around printing, a Semaphore letting two in at a time, an Event.
import ipcq as multiprocessing


def worker(i, lock, sem, start):
    start.wait()
    with sem:
        with lock:
            print('worker', i, 'inside')


if __name__ == '__main__':
    lock, sem = multiprocessing.Lock(), multiprocessing.Semaphore(2)
    start = multiprocessing.Event()
    procs = [multiprocessing.Process(target=worker,
                                     args=(i, lock, sem, start))
             for i in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
