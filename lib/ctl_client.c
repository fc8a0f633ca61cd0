/* Blocking control-protocol client with deadlines, for hrpctl and tests. */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "loop.h"

int hs_ctl_socket_path(char *buf, size_t len, const char *rundir, const char *daemon)
{
	int n = snprintf(buf, len, "%s/%s.sock", rundir, daemon);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int hs_ctl_connect(const char *rundir, const char *daemon, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (hs_ctl_socket_path(sa.sun_path, sizeof(sa.sun_path), rundir, daemon) < 0) {
		snprintf(err, errlen, "socket path under %s is too long", rundir);
		return -ENAMETOOLONG;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-r));
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		snprintf(err, errlen, "cannot reach %s at %s: %s", daemon, sa.sun_path,
			 strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}

static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = hs_now_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			return 0;
	}
}

static int read_full(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	size_t got = 0;
	while (got < len) {
		int r = wait_fd(fd, POLLIN, deadline);
		if (r < 0)
			return r;
		ssize_t n = recv(fd, buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static int read_frame(int fd, uint64_t deadline, json_t **msg, char *err, size_t errlen)
{
	uint8_t hdr[HS_CTL_HEADER_LEN];
	int r = read_full(fd, hdr, sizeof(hdr), deadline);
	size_t plen = r == 0 ? hs_ctl_frame_length(hdr) : 0;
	if (r == 0 && plen == 0)
		r = -EBADMSG;
	else if (r == 0 && plen > HS_CTL_MAX_RESPONSE)
		r = -EMSGSIZE;
	if (r < 0) {
		snprintf(err, errlen, "reading answer: %s", strerror(-r));
		return r;
	}
	char *payload = malloc(plen);
	if (!payload)
		return -ENOMEM;
	r = read_full(fd, (uint8_t *)payload, plen, deadline);
	if (r < 0) {
		free(payload);
		snprintf(err, errlen, "reading answer: %s", strerror(-r));
		return r;
	}
	json_error_t jerr;
	json_t *obj = json_loadb(payload, plen, 0, &jerr);
	free(payload);
	if (!json_is_object(obj)) {
		json_decref(obj);
		snprintf(err, errlen, "malformed answer from daemon");
		return -EBADMSG;
	}
	*msg = obj;
	return 0;
}

int hs_ctl_read(int fd, int timeout_ms, json_t **msg, char *err, size_t errlen)
{
	return read_frame(fd, hs_now_ms() + (uint64_t)timeout_ms, msg, err, errlen);
}

int hs_ctl_call(int fd, const char *cmd, json_t *args, int timeout_ms, json_t **response, char *err,
		size_t errlen)
{
	static json_int_t next_id = 1;
	json_int_t id = next_id++;
	uint64_t deadline = hs_now_ms() + (uint64_t)timeout_ms;
	json_t *req = hs_ctl_request_new(id, cmd, args);
	uint8_t *frame;
	size_t len;
	int r = hs_ctl_frame_encode(req, &frame, &len);
	json_decref(req);
	if (r < 0) {
		snprintf(err, errlen, "encoding request: %s", strerror(-r));
		return r;
	}
	size_t off = 0;
	while (off < len) {
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			break;
		ssize_t n = send(fd, frame + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	free(frame);
	if (off < len) {
		snprintf(err, errlen, "sending request: %s", strerror(-r));
		return r;
	}
	/* Skip events (and any stale answer) until the one with our id arrives. */
	for (;;) {
		json_t *msg;
		r = read_frame(fd, deadline, &msg, err, errlen);
		if (r < 0)
			return r;
		json_t *mid = json_object_get(msg, "id");
		bool is_answer = json_object_get(msg, "ok") != NULL;
		if (is_answer && (json_integer_value(mid) == id || json_integer_value(mid) == 0)) {
			*response = msg;
			return 0;
		}
		json_decref(msg);
	}
}
