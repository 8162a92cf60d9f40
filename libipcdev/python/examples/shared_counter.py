# Four processes add to a shared Value under its lock.
import ipcq as multiprocessing


def add(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


if __name__ == '__main__':
    counter = multiprocessing.Value('i', 0)
    procs = [multiprocessing.Process(target=add, args=(counter, 500))
             for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert counter.value == 2000
    print('counter:', counter.value)
