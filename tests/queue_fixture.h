/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the queue suites (queue_test.c, queue_lifecycle_test.c):
 * the device, an anonymous queue of capacity 4 with both roles, and a
 * name unique to the test. Include after ipcq_test.h.
 */
#ifndef QUEUE_FIXTURE_H
#define QUEUE_FIXTURE_H

FIXTURE(q) {
	int dev;
	int fd;			/* anonymous queue, capacity 4, both roles */
	char name[64];		/* a name unique to this test */
};

FIXTURE_SETUP(q)
{
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	self->fd = raw_queue_open(self->dev, NULL, BOTH | IPCQ_OPEN_CLOEXEC,
				  0, 4, 0);
	ASSERT_LE(0, self->fd);
	snprintf(self->name, sizeof(self->name), "queue-test-%d", getpid());
}

FIXTURE_TEARDOWN(q)
{
	raw_unlink(self->dev, self->name);
	close(self->fd);
	close(self->dev);
}

#endif /* QUEUE_FIXTURE_H */
