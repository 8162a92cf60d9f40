# Producer and consumers through a Queue, as the tutorials write it; the
# one changed line is the import.
import ipcq as multiprocessing


def square(tasks, results):
    for n in iter(tasks.get, None):
        results.put((n, n * n))


if __name__ == '__main__':
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    workers = [multiprocessing.Process(target=square, args=(tasks, results))
               for _ in range(4)]
    for w in workers:
        w.start()
    for n in range(100):
        tasks.put(n)
    for _ in workers:
        tasks.put(None)
    squares = dict(results.get() for _ in range(100))
    for w in workers:
        w.join()
    assert squares == {n: n * n for n in range(100)}
    print('sum of squares:', sum(squares.values()))
