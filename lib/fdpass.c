/* SCM_RIGHTS helpers and the named set of inherited sockets. */
#include "fdpass.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int hs_fd_send(int sock, const int *fds, size_t n, const void *data, size_t len)
{
	if (n > HS_FDPASS_MAX || len == 0)
		return -EINVAL;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * HS_FDPASS_MAX)];
	} control;
	memset(&control, 0, sizeof(control));
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	ssize_t r;
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

static void close_received(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *p = (int *)CMSG_DATA(c);
		for (size_t i = 0; i < k; i++)
			close(p[i]);
	}
}

ssize_t hs_fd_recv(int sock, int *fds, size_t *n, void *data, size_t len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * HS_FDPASS_MAX)];
	} control;
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t r;
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (msg.msg_flags & MSG_CTRUNC) {
		close_received(&msg);
		return -EMSGSIZE;
	}
	size_t got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (got + k > *n) {
			close_received(&msg);
			return -EMSGSIZE;
		}
		memcpy(fds + got, CMSG_DATA(c), k * sizeof(int));
		got += k;
	}
	*n = got;
	return r;
}

void hs_fdset_init(struct hs_fdset *set)
{
	set->count = 0;
}

int hs_fdset_add(struct hs_fdset *set, const char *name, int fd)
{
	if (set->count >= HS_FDPASS_MAX)
		return -ENOSPC;
	if (strlen(name) >= sizeof(set->entry[0].name))
		return -ENAMETOOLONG;
	snprintf(set->entry[set->count].name, sizeof(set->entry[0].name), "%s", name);
	set->entry[set->count].fd = fd;
	set->count++;
	return 0;
}

int hs_fdset_take(struct hs_fdset *set, const char *name)
{
	for (size_t i = 0; i < set->count; i++) {
		if (strcmp(set->entry[i].name, name) != 0)
			continue;
		int fd = set->entry[i].fd;
		set->entry[i] = set->entry[--set->count];
		return fd;
	}
	return -1;
}

void hs_fdset_close_all(struct hs_fdset *set)
{
	for (size_t i = 0; i < set->count; i++)
		close(set->entry[i].fd);
	set->count = 0;
}
