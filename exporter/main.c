/* hs-exporter: the daemons' counters and states for Prometheus (doc/metrics.md), served over
 * HTTP on a local address and/or written to a textfile for node_exporter. It only reads: the
 * same control-socket commands hrpctl's display commands send. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hs_build.h"
#include "http.h"
#include "listen.h"
#include "log.h"
#include "scrape.h"
#include "textfile.h"
#include "version.h"

#define PREFIX "[exporter]"

struct options {
	const char *listen;   /* NULL: the default, unless only a textfile is asked for */
	const char *textfile; /* NULL: none */
	const char *rundir;
	int interval_s;
	int timeout_ms;
	bool once;
	bool debug;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hs-exporter [--listen ADDR:PORT] [--textfile PATH [--interval S]] "
		"[--once]\n"
		"                   [--rundir DIR] [--timeout MS] [-d] [--version]\n"
		"  -l, --listen ADDR:PORT  serve /metrics there (default %s; with --textfile\n"
		"                          alone, no HTTP)\n"
		"  -t, --textfile PATH     write the metrics to PATH (atomic rename) for\n"
		"                          node_exporter's textfile collector\n"
		"  -i, --interval S        seconds between two textfiles (default 15)\n"
		"  -1, --once              one scrape: to the textfile, or to stdout, then exit\n"
		"  -r, --rundir DIR        the daemons' control sockets (default %s)\n"
		"  -T, --timeout MS        how long one daemon may take to answer (default 2000)\n"
		"  -d, --debug             log at debug level (why a daemon was not reached)\n",
		HS_EXPORTER_LISTEN, HS_DEFAULT_RUNDIR);
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "textfile", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, '1' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct options){ .rundir = HS_DEFAULT_RUNDIR, .interval_s = 15, .timeout_ms = 2000 };
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "l:t:i:1r:T:dh", longs, NULL)) != -1) {
		switch (c) {
		case 'l': o->listen = optarg; break;
		case 't': o->textfile = optarg; break;
		case '1': o->once = true; break;
		case 'r': o->rundir = optarg; break;
		case 'd': o->debug = true; break;
		case 'i':
			o->interval_s = (int)strtol(optarg, &end, 10);
			if (*end || o->interval_s < 1 || o->interval_s > 86400) {
				fprintf(stderr, "hs-exporter: --interval: 1 to 86400 seconds\n");
				return 2;
			}
			break;
		case 'T':
			o->timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || o->timeout_ms < 10 || o->timeout_ms > 60000) {
				fprintf(stderr, "hs-exporter: --timeout: 10 to 60000 ms\n");
				return 2;
			}
			break;
		case 'V': printf("hs-exporter %s\n", HS_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

static int write_textfile(const struct options *o, const struct hs_scrape_opts *so)
{
	char *text = NULL;
	size_t len = 0;
	int r = hs_scrape(so, &text, &len);
	if (r == 0 && o->textfile)
		r = hs_textfile_write(o->textfile, text, len);
	else if (r == 0 && fwrite(text, 1, len, stdout) != len)
		r = -EIO;
	free(text);
	if (r < 0)
		hs_warn(PREFIX, "%s: %s", o->textfile ? o->textfile : "stdout", strerror(-r));
	return r;
}

/* Sleeps s seconds unless a signal comes first. */
static void nap(int s)
{
	struct timespec ts = { .tv_sec = s };
	while (!stopping && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct options o;
	int r = parse(argc, argv, &o);
	if (r >= 0)
		return r;
	hs_log_open("hs-exporter", false);
	hs_log_set_level(o.debug ? LOG_DEBUG : LOG_INFO);
	if (o.debug)
		hs_debug_set(HS_DBG_CTL, true);
	struct hs_scrape_opts so = { .rundir = o.rundir, .timeout_ms = o.timeout_ms };
	if (o.once)
		return write_textfile(&o, &so) < 0 ? 1 : 0;

	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct hs_http *http = NULL;
	const char *listen = o.listen ? o.listen : o.textfile ? NULL : HS_EXPORTER_LISTEN;
	if (listen) {
		struct sockaddr_storage addr;
		socklen_t alen;
		if (hs_listen_parse(listen, &addr, &alen) < 0) {
			fprintf(stderr, "hs-exporter: --listen %s: expected ADDR:PORT\n", listen);
			return 2;
		}
		/* the server's thread inherits a mask without them: signals wake the main thread */
		sigset_t stop, old;
		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		pthread_sigmask(SIG_BLOCK, &stop, &old);
		r = hs_http_start((struct sockaddr *)&addr, &so, &http);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r < 0) {
			hs_err(PREFIX, "cannot listen on %s", listen);
			return 1;
		}
		hs_info(PREFIX, "serving http://%s/metrics", listen);
	}
	if (o.textfile)
		hs_info(PREFIX, "writing %s every %d s", o.textfile, o.interval_s);
	while (!stopping) {
		if (o.textfile)
			write_textfile(&o, &so);
		nap(o.textfile ? o.interval_s : 3600);
	}
	hs_info(PREFIX, "stopping (signal %d)", (int)stopping);
	hs_http_stop(http);
	return 0;
}
