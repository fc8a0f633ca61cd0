#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, be64toh (the build defines it already) */
#endif
#include "probe_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t probe_stop;

static void on_stop(int sig)
{
	(void)sig;
	probe_stop = 1;
}

void probe_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int64_t probe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

void probe_sleep_until(int64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NS_PER_S,
		.tv_nsec = deadline_ns % NS_PER_S,
	};

	/* EINTR: a signal; the caller looks at probe_stop. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

double probe_ms(int64_t ns)
{
	/* Three decimals: microsecond resolution is all a 1 ms probe can claim. */
	return (double)(ns / 1000) / 1000.0;
}

int probe_addr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

long probe_num(const char *opt, const char *val, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *val == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: expected a number in [%ld, %ld], got '%s'\n", opt, min, max,
			val);
		exit(2);
	}
	return v;
}

int probe_write_json(json_t *obj, const char *path)
{
	char tmp[4096];
	int rc;

	if (!path) {
		rc = json_dumpf(obj, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(obj);
		return rc;
	}
	/* Written whole then renamed: a reader never sees half a result. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rc = json_dump_file(obj, tmp, JSON_COMPACT | JSON_REAL_PRECISION(10));
	json_decref(obj);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
	return rc;
}

void probe_realtime(void)
{
	struct sched_param sp = { .sched_priority = 10 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		fprintf(stderr, "warning: no real-time scheduling (%s); timing may be looser\n",
			strerror(errno));
}

void probe_touch(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

bool probe_mode(int argc, char **argv, void (*usage)(void))
{
	if (argc >= 2 && strcmp(argv[1], "server") == 0)
		return true;
	if (argc >= 2 && strcmp(argv[1], "client") == 0)
		return false;
	usage();
	return false;
}
