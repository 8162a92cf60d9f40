# A child answering over a Pipe.
import ipcq as multiprocessing


def child(conn):
    while True:
        msg = conn.recv()
        if msg == 'bye':
            break
        conn.send(msg.upper())
    conn.close()


if __name__ == '__main__':
    parent_conn, child_conn = multiprocessing.Pipe()
    p = multiprocessing.Process(target=child, args=(child_conn,))
    p.start()
    for word in ('ping', 'hello'):
        parent_conn.send(word)
        print(parent_conn.recv())
    parent_conn.send('bye')
    p.join()
