/* Hot restart: the I/O around the stages of hot_stage.c (doc/hot-restart.md).
 *
 * Wire, on a SOCK_STREAM socketpair: old -> new, a 4-byte length (host order: same machine)
 * carrying the sockets as SCM_RIGHTS, then that many bytes of JSON
 * {"daemon", "fds": [names in the order of the fds], "state": snapshot}; new -> old, one JSON
 * line, {"confirm": true, "pid": N} or {"refuse": "why"}. */
#include "daemon_hot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon.h"
#include "hot_stage.h"
#include "log.h"

#define HOT_MAX_STATE (16u << 20)

struct hs_daemon_hot {
	struct hs_hot st;
	int fd;    /* our end of the socketpair, -1 when none */
	pid_t pid; /* old side: the new process */
	bool adopting;
	struct hs_io io;
	struct hs_timer timer;
	char buf[1024];
	size_t len;
	char last_error[256];
};

static void on_timeout(struct hs_timer *t, void *arg);

static struct hs_daemon_hot *hot_get(struct hs_daemon *d)
{
	if (!d->hot && (d->hot = calloc(1, sizeof(*d->hot)))) {
		hs_hot_init(&d->hot->st);
		d->hot->fd = -1;
		hs_timer_init(&d->hot->timer, &d->loop, on_timeout, d);
	}
	return d->hot;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Old side. */

static void finish(struct hs_daemon *d, enum hs_hot_event ev, const char *why)
{
	struct hs_daemon_hot *h = d->hot;
	enum hs_hot_stage old = h->st.stage;
	if (hs_hot_step(&h->st, ev, hs_now_ms()) < 0)
		return;
	hs_io_stop(&h->io);
	hs_timer_cancel(&h->timer);
	if (h->st.stage == HS_HOT_CONFIRMED) {
		hs_notice("[hot]", "%s -> confirmed: pid %d runs, leaving everything to it",
			  hs_hot_stage_name(old), (int)h->pid);
		d->handed_over = true;
		hs_loop_exit(&d->loop, 0);
		return;
	}
	snprintf(h->last_error, sizeof(h->last_error), "%s", why);
	hs_warn("[hot]", "%s -> aborted (%s): %s; going on", hs_hot_stage_name(old),
		hs_hot_event_name(ev), why);
	close(h->fd);
	h->fd = -1;
	/* Whatever it got that far, it must not go on beside us. */
	kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	/* it may have written its pid into the pid file we share */
	int e = d->pidfile_fd >= 0 ? hs_daemon_pid_write(d) : 0;
	if (e < 0)
		hs_warn("[hot]", "could not write our pid back into %s: %s", d->pidfile,
			strerror(-e));
	if (d->ops->hot_aborted)
		d->ops->hot_aborted(d);
}

static void on_reply(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct hs_daemon *d = arg;
	struct hs_daemon_hot *h = d->hot;
	ssize_t n = recv(fd, h->buf + h->len, sizeof(h->buf) - 1 - h->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(d, HS_HOT_EV_GONE, "the new process closed the socket (it died?)");
		return;
	}
	h->len += (size_t)n;
	h->buf[h->len] = '\0';
	if (!strchr(h->buf, '\n')) {
		if (h->len == sizeof(h->buf) - 1)
			finish(d, HS_HOT_EV_FAILED, "answer too long");
		return;
	}
	json_t *j = json_loads(h->buf, JSON_DISABLE_EOF_CHECK, NULL);
	const char *refuse = NULL;
	int confirm = 0;
	if (!j || json_unpack(j, "{s?b, s?s}", "confirm", &confirm, "refuse", &refuse) < 0)
		finish(d, HS_HOT_EV_FAILED, "unreadable answer");
	else if (confirm)
		finish(d, HS_HOT_EV_CONFIRM, "");
	else
		finish(d, HS_HOT_EV_REFUSED, refuse ? refuse : "refused");
	json_decref(j);
}

static void on_timeout(struct hs_timer *t, void *arg)
{
	finish(arg, HS_HOT_EV_TIMEOUT, "no confirm in time");
}

/* Our binary; a path replaced by a package upgrade reads "PATH (deleted)": the new file is at
 * PATH. */
static int self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	char *del = strstr(buf, " (deleted)");
	if (del && del[10] == '\0')
		*del = '\0';
	return 0;
}

static pid_t spawn(struct hs_daemon *d, const char *exe, int child_fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* The loop blocked its signals; the new process starts with none blocked. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	char num[16];
	snprintf(num, sizeof(num), "%d", child_fd);
	/* The new process gets its fds through child_fd (SCM_RIGHTS), nothing else: a library's
	 * socket that is not close-on-exec (libnftables') would pile up, one per generation. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	fcntl(child_fd, F_SETFD, 0);
	setenv(HS_HOT_ENV, num, 1);
	/* sd_watchdog_enabled() only answers the pid it names. */
	if (getenv("WATCHDOG_PID")) {
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("WATCHDOG_PID", num, 1);
	}
	execv(exe, d->argv);
	_exit(127);
}

static char *handover_message(struct hs_daemon *d, struct hs_fdset *set)
{
	json_t *names = json_array();
	for (size_t i = 0; i < set->count; i++)
		json_array_append_new(names, json_string(set->entry[i].name));
	json_t *msg = json_pack("{s:s, s:o, s:o*}", "daemon", d->ops->name, "fds", names, "state",
				d->ops->snapshot(d));
	char *text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	return text;
}

static int send_handover(struct hs_daemon *d, int fd, char *err, size_t errlen)
{
	struct hs_fdset set;
	hs_fdset_init(&set);
	hs_fdset_add(&set, "ctl", hs_ctl_server_listen_fd(d->ctl));
	if (d->pidfile_fd >= 0)
		hs_fdset_add(&set, "pidfile", d->pidfile_fd);
	int r = d->ops->hot_fds(d, &set);
	char *text = r < 0 ? NULL : handover_message(d, &set);
	if (!text) {
		snprintf(err, errlen, "cannot build the handover: %s",
			 strerror(r < 0 ? -r : ENOMEM));
		return r < 0 ? r : -ENOMEM;
	}
	uint32_t len = (uint32_t)strlen(text);
	int fds[HS_FDPASS_MAX];
	for (size_t i = 0; i < set.count; i++)
		fds[i] = set.entry[i].fd;
	r = hs_fd_send(fd, fds, set.count, &len, sizeof(len));
	if (r == 0)
		r = write_all(fd, text, len);
	free(text);
	if (r < 0)
		snprintf(err, errlen, "sending the sockets: %s", strerror(-r));
	return r;
}

int hs_daemon_hot_start(struct hs_daemon *d, const char *exe, char *err, size_t errlen)
{
	struct hs_daemon_hot *h = hot_get(d);
	if (!h)
		return -ENOMEM;
	if (!d->ops->snapshot || !d->ops->hot_fds) {
		snprintf(err, errlen, "%s has no hot restart", d->ops->name);
		return -EOPNOTSUPP;
	}
	if (hs_hot_busy(&h->st) || d->stopping) {
		snprintf(err, errlen, "a hot restart or a stop is under way");
		return -EBUSY;
	}
	if (d->ops->hot_refuse && d->ops->hot_refuse(d, err, errlen) != 0) {
		hs_warn("[hot]", "hot restart refused: %s", err);
		snprintf(h->last_error, sizeof(h->last_error), "%s", err);
		return -EBUSY;
	}
	char self[4096];
	if (!exe && self_exe(self, sizeof(self)) == 0)
		exe = self;
	if (!exe || access(exe, X_OK) < 0) {
		snprintf(err, errlen, "%s: not executable", exe ? exe : "/proc/self/exe");
		return -ENOENT;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -errno;
	}
	pid_t pid = spawn(d, exe, sv[1]);
	close(sv[1]);
	if (pid < 0) {
		int r = -errno;
		close(sv[0]);
		snprintf(err, errlen, "fork: %s", strerror(-r));
		return r;
	}
	h->fd = sv[0];
	h->pid = pid;
	h->len = 0;
	hs_hot_step(&h->st, HS_HOT_EV_START, hs_now_ms());
	hs_notice("[hot]", "idle -> spawned: %s as pid %d", exe, (int)pid);
	int r = send_handover(d, h->fd, err, errlen);
	if (r < 0) {
		finish(d, HS_HOT_EV_FAILED, err);
		return r;
	}
	hs_hot_step(&h->st, HS_HOT_EV_SENT, hs_now_ms());
	hs_timer_arm_at(&h->timer, h->st.deadline_ms);
	if (hs_io_start(&h->io, &d->loop, h->fd, EPOLLIN, on_reply, d) < 0) {
		finish(d, HS_HOT_EV_FAILED, "cannot watch the socket");
		snprintf(err, errlen, "cannot watch the socket");
		return -EIO;
	}
	return 0;
}

json_t *hs_daemon_hot_status(const struct hs_daemon *d)
{
	const struct hs_daemon_hot *h = d->hot;
	if (!h)
		return json_pack("{s:s, s:i, s:i, s:i, s:s}", "stage", "idle", "attempts", 0,
				 "confirmed", 0, "aborted", 0, "last_error", "");
	return json_pack("{s:s, s:I, s:I, s:I, s:s}", "stage", hs_hot_stage_name(h->st.stage),
			 "attempts", (json_int_t)h->st.attempts, "confirmed",
			 (json_int_t)h->st.confirmed, "aborted", (json_int_t)h->st.aborted,
			 "last_error", h->last_error);
}

/* New side. */

static int receive(struct hs_daemon *d, int fd)
{
	struct timeval tv = { .tv_sec = HS_HOT_TIMEOUT_MS / 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int fds[HS_FDPASS_MAX];
	size_t n = HS_FDPASS_MAX;
	uint32_t len = 0;
	ssize_t got = hs_fd_recv(fd, fds, &n, &len, sizeof(len));
	if (got != (ssize_t)sizeof(len) || len == 0 || len > HOT_MAX_STATE) {
		for (size_t i = 0; got >= 0 && i < n; i++)
			close(fds[i]);
		return got < 0 ? (int)got : -EBADMSG;
	}
	char *text = malloc(len + 1);
	int r = text ? read_all(fd, text, len) : -ENOMEM;
	json_t *msg = NULL, *names = NULL;
	if (r == 0) {
		text[len] = '\0';
		msg = json_loads(text, 0, NULL);
		names = json_object_get(msg, "fds");
		if (!json_is_array(names) || json_array_size(names) != n)
			r = -EBADMSG;
	}
	free(text);
	for (size_t i = 0; i < n; i++) {
		const char *name = json_string_value(json_array_get(names, i));
		if (r < 0 || !name || hs_fdset_add(&d->inherited, name, fds[i]) < 0)
			close(fds[i]);
	}
	if (r == 0) {
		d->hot_state = json_incref(json_object_get(msg, "state"));
		hs_notice("[hot]", "adopting %zu sockets from the previous %s", n, d->ops->name);
	}
	json_decref(msg);
	return r;
}

int hs_daemon_hot_receive(struct hs_daemon *d)
{
	const char *env = getenv(HS_HOT_ENV);
	if (!env)
		return 0;
	int fd = atoi(env);
	unsetenv(HS_HOT_ENV);
	struct hs_daemon_hot *h = hot_get(d);
	if (fd < 3 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || !h)
		return -EBADF;
	h->fd = fd;
	h->adopting = true;
	int r = receive(d, fd);
	if (r < 0)
		hs_err("[hot]", "no handover received: %s", strerror(-r));
	return r < 0 ? r : 1;
}

static void answer(struct hs_daemon_hot *h, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	if (text) {
		size_t len = strlen(text);
		text[len] = '\n';
		(void)write_all(h->fd, text, len + 1);
	}
	free(text);
	json_decref(msg);
	close(h->fd);
	h->fd = -1;
}

void hs_daemon_hot_confirm(struct hs_daemon *d)
{
	struct hs_daemon_hot *h = d->hot;
	if (!h || h->fd < 0)
		return;
	/* The lab's proof that a new binary failing before its confirm changes nothing. */
	const char *crash = getenv("HS_TEST_CRASH_AT_ADOPT");
	if (crash && strcmp(crash, "1") == 0) {
		hs_err("[hot]", "HS_TEST_CRASH_AT_ADOPT: aborting before the confirm");
		abort();
	}
	/* The service manager follows us before the old main process exits (NotifyAccess=all). */
	sd_notifyf(0, "MAINPID=%d\nREADY=1", (int)getpid());
	answer(h, json_pack("{s:b, s:i}", "confirm", 1, "pid", (int)getpid()));
	h->adopting = false;
	hs_notice("[hot]", "took over from the previous %s", d->ops->name);
}

void hs_daemon_hot_refuse(struct hs_daemon *d, const char *why)
{
	struct hs_daemon_hot *h = d->hot;
	if (h && h->fd >= 0)
		answer(h, json_pack("{s:s}", "refuse", why));
}

bool hs_daemon_hot_adopting(const struct hs_daemon *d)
{
	return d->hot && d->hot->adopting;
}

bool hs_daemon_hot_handing_over(const struct hs_daemon *d)
{
	return d->hot && (d->hot->st.stage == HS_HOT_SPAWNED || d->hot->st.stage == HS_HOT_SENT);
}

void hs_daemon_hot_free(struct hs_daemon *d)
{
	struct hs_daemon_hot *h = d->hot;
	if (!h)
		return;
	hs_io_stop(&h->io);
	hs_timer_free(&h->timer);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
	d->hot = NULL;
	json_decref(d->hot_state);
	d->hot_state = NULL;
}
