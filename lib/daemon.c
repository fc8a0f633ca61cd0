/* The life of a daemon: command line, config, run dir, pid file, loop, signals, control socket
 * with the common commands, reload, clean stop. */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "daemon_hot.h"
#include "daemon_watchdog.h"
#include "log.h"
#include "version.h"

#define EXIT_BAD_USAGE 2

static void usage(const struct hs_daemon_ops *ops, FILE *out)
{
	fprintf(out,
		"Usage: %s [-f FILE] [--rundir DIR] [-n] [-d] [--check] [--version]\n"
		"  -f, --config FILE  config file (default %s)\n"
		"      --rundir DIR   run directory (default: the config's global.rundir)\n"
		"  -n, --foreground   stay in the foreground\n"
		"  -d, --debug        log at debug level with every debug category on\n"
		"      --check        validate the config, print it and exit (0 valid, 2 not)\n"
		"  -V, --version      show the version and the protocols spoken\n",
		ops->name, HS_DEFAULT_CONFIG);
}

static void print_version(const struct hs_daemon_ops *ops)
{
	printf("%s (hotstandby) %s\nprotocols: %s; control %d\n", ops->name, HS_VERSION,
	       ops->protocols, HS_CTL_PROTO_VERSION);
	if (ops->version_extra)
		ops->version_extra(stdout);
}

/* Sockets handed over by a previous instance (hot restart): HS_FDS="name=fd,name=fd". */
static void collect_inherited(struct hs_daemon *d)
{
	hs_fdset_init(&d->inherited);
	const char *env = getenv("HS_FDS");
	if (!env)
		return;
	char *copy = strdup(env), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		int fd = atoi(eq + 1);
		if (fd > 2 && fcntl(fd, F_GETFD) >= 0 && hs_fdset_add(&d->inherited, tok, fd) == 0)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	free(copy);
	unsetenv("HS_FDS");
}

static void apply_debug(const struct hs_config *cfg, bool all)
{
	for (int c = 0; c < HS_DBG_MAX; c++)
		hs_debug_set(c, all);
	for (size_t i = 0; i < cfg->global.debug.count; i++)
		hs_debug_set(hs_debug_category_from_name(cfg->global.debug.item[i]), true);
}

static json_t *debug_list(void)
{
	json_t *a = json_array();
	for (int c = 0; c < HS_DBG_MAX; c++)
		if (hs_debug_enabled(c))
			json_array_append_new(a, json_string(hs_debug_category_name(c)));
	return a;
}

int hs_daemon_apply(struct hs_daemon *d, struct hs_config *next)
{
	d->apply_error[0] = '\0';
	int r = d->ops->reload ? d->ops->reload(d, next) : 0;
	if (r < 0)
		return r;
	if (strcmp(next->global.rundir, d->config->global.rundir) != 0)
		hs_warn("[config]", "a new rundir takes effect at the next start");
	hs_config_free(d->config);
	d->config = next;
	apply_debug(d->config, d->debug);
	return 0;
}

int hs_daemon_reload(struct hs_daemon *d)
{
	struct hs_config *next = NULL;
	struct hs_cfg_errors errs;
	int r = hs_config_load_file(d->config_path, &next, &errs);
	if (r == 0)
		r = hs_daemon_apply(d, next);
	if (r < 0) {
		d->reload_failures++;
		if (next) /* the file loaded; the daemon refused it */
			snprintf(d->last_reload_error, sizeof(d->last_reload_error),
				 "rejected by %s: %s", d->ops->name,
				 d->apply_error[0] ? d->apply_error : strerror(-r));
		else
			snprintf(d->last_reload_error, sizeof(d->last_reload_error), "%s",
				 errs.count ? errs.msg[0] : strerror(-r));
		for (size_t i = 0; i < errs.count && !next; i++)
			hs_err("[config]", "%s", errs.msg[i]);
		hs_err("[config]", "reload of %s failed, keeping the running config",
		       d->config_path);
		hs_config_free(next);
		return r;
	}
	d->reloads++;
	d->last_reload_error[0] = '\0';
	hs_notice("[config]", "reloaded %s", d->config_path);
	return 0;
}

/* The common control commands. */

static int cmd_status(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:o}", "daemon",
			      d->ops->name, "version", HS_VERSION, "pid", (int)getpid(), "name",
			      d->config->global.name, "uptime_ms",
			      (json_int_t)(hs_now_ms() - d->started_ms), "config", d->config_path,
			      "rundir", d->rundir, "reloads", (json_int_t)d->reloads,
			      "reload_failures", (json_int_t)d->reload_failures,
			      "last_reload_error", d->last_reload_error, "debug", debug_list());
	const struct hs_ctl_stats *st = hs_ctl_server_stats(d->ctl);
	json_object_set_new(o, "ctl",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "connections",
				      (json_int_t)st->connections, "rejected",
				      (json_int_t)st->rejected, "requests",
				      (json_int_t)st->requests, "errors", (json_int_t)st->errors,
				      "bad_frames", (json_int_t)st->bad_frames, "bad_json",
				      (json_int_t)st->bad_json, "unknown_commands",
				      (json_int_t)st->unknown_commands, "events_sent",
				      (json_int_t)st->events_sent));
	json_object_set_new(o, "config_changes", json_integer((json_int_t)d->config_changes));
	json_object_set_new(o, "config_change_failures",
			    json_integer((json_int_t)d->config_change_failures));
	json_object_set_new(o, "hot_restart", hs_daemon_hot_status(d));
	if (d->ops->status)
		d->ops->status(d, o);
	*result = o;
	return 0;
}

static int cmd_version(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	*result = json_pack("{s:s, s:s, s:s, s:i}", "daemon", d->ops->name, "version", HS_VERSION,
			    "protocols", d->ops->protocols, "control", HS_CTL_PROTO_VERSION);
	return 0;
}

/* {"category": "ctl", "on": true}; "all" names every category. */
static int cmd_debug(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	const char *name = NULL;
	int on = 1;
	if (json_unpack(args, "{s?s, s?b}", "category", &name, "on", &on) < 0) {
		snprintf(err, errlen, "expected {\"category\": NAME, \"on\": BOOL}");
		return -EINVAL;
	}
	if (name && strcmp(name, "all") == 0) {
		for (int c = 0; c < HS_DBG_MAX; c++)
			hs_debug_set(c, on);
	} else if (name) {
		enum hs_debug_category c = hs_debug_category_from_name(name);
		if (c == HS_DBG_INVALID) {
			snprintf(err, errlen, "unknown debug category '%s'", name);
			return -EINVAL;
		}
		hs_debug_set(c, on);
	}
	*result = json_pack("{s:o}", "debug", debug_list());
	return 0;
}

static int cmd_config(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	char *text = hs_config_print_string(d->config);
	if (!text)
		return -ENOMEM;
	*result = json_pack("{s:s, s:s}", "file", d->config_path, "text", text);
	free(text);
	return 0;
}

static int cmd_reload(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	int r = hs_daemon_reload(d);
	if (r < 0) {
		snprintf(err, errlen, "%s", d->last_reload_error);
		return r == -EINVAL ? -EINVAL : r;
	}
	*result = json_pack("{s:I}", "reloads", (json_int_t)d->reloads);
	return 0;
}

/* {"exe": PATH} optional: the binary to hand over to (default: our own). The answer comes once
 * the sockets are sent; the outcome shows in status.hot_restart (and the pid). */
static int cmd_hot_restart(void *ctx, json_t *args, json_t **result, char *err, size_t errlen)
{
	struct hs_daemon *d = ctx;
	const char *exe = NULL;
	if (args && json_unpack(args, "{s?s}", "exe", &exe) < 0) {
		snprintf(err, errlen, "expected {\"exe\": PATH}");
		return -EINVAL;
	}
	int r = hs_daemon_hot_start(d, exe, err, errlen);
	if (r == 0)
		*result = hs_daemon_hot_status(d);
	return r;
}

static void on_usr2(int signo, void *arg)
{
	char err[256];
	if (hs_daemon_hot_start(arg, NULL, err, sizeof(err)) < 0)
		hs_warn("[hot]", "SIGUSR2: no hot restart: %s", err);
}

static const struct hs_ctl_command common_commands[] = {
	{ "status", "state, counters and versions of this daemon", cmd_status },
	{ "version", "the version and the protocols spoken", cmd_version },
	{ "debug", "switch a debug category: {\"category\": NAME|\"all\", \"on\": BOOL}",
	  cmd_debug },
	{ "config", "the running config, printed in full", cmd_config },
	{ "reload", "re-read the config file (as SIGHUP)", cmd_reload },
	{ "hot-restart", "hand over to a new binary in place: {\"exe\": PATH} (as SIGUSR2)",
	  cmd_hot_restart },
	{ NULL },
};

static void on_stop_signal(int signo, void *arg)
{
	struct hs_daemon *d = arg;
	bool again = d->stopping;
	d->stopping = true;
	hs_notice(NULL, "signal %d: stopping%s", signo, again ? " now" : "");
	if (!again)
		sd_notify(0, "STOPPING=1");
	/* The daemon may have work to finish first (vgmpd hands the active role over). */
	if (!again && d->ops->stop_request && d->ops->stop_request(d))
		return;
	hs_loop_exit(&d->loop, 0);
}

static void on_hup(int signo, void *arg)
{
	struct hs_daemon *d = arg;
	sd_notify(0, "RELOADING=1");
	hs_daemon_reload(d);
	sd_notify(0, "READY=1");
}

void hs_daemon_realtime(int priority)
{
	if (priority <= 0)
		return;
	struct sched_param sp = { .sched_priority = priority };
	/* Ours only: what we spawn (scripts, notify hooks, vtysh) starts in normal scheduling,
	 * where a runaway child cannot starve the box. */
	if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) < 0)
		hs_debug(HS_DBG_LOOP, NULL, "no real-time priority: %s", strerror(errno));
}

/* With autogroup scheduling (kernel.sched_autogroup_enabled, on in many distributions' kernels)
 * a thread's nice weighs only against the threads of its own session: every other session's
 * group gets the same share of a busy CPU as ours, whatever our nice. A daemon that leads its
 * session (it called setsid(), or its supervisor started it in one of its own) gives its group
 * the same nice, so that the value means against the rest of the box what it says. Measured:
 * a standby hrpd at nice -10 waited runnable for a CPU 62-75% of a live sync's time while the
 * entries queued in its data connection (doc/session-sync.md). Not in someone else's session
 * (a shell's): not ours to change. */
static void autogroup_nice(int value)
{
	if (getsid(0) != getpid())
		return;
	FILE *f = fopen("/proc/self/autogroup", "we");
	if (!f)
		return; /* a kernel without autogroup scheduling: nice already weighs everywhere */
	int r = fprintf(f, "%d", value);
	if (fclose(f) != 0 || r < 0)
		hs_debug(HS_DBG_LOOP, NULL, "autogroup nice %d refused: %s", value, strerror(errno));
}

void hs_daemon_nice(int value)
{
	if (setpriority(PRIO_PROCESS, 0, value) < 0)
		hs_debug(HS_DBG_LOOP, NULL, "nice %d refused: %s", value, strerror(errno));
	autogroup_nice(value);
}

/* Holds an exclusive lock on the pid file for the daemon's life: a second instance with the same
 * run dir refuses to start instead of stealing the control socket. */
static int write_pidfile(struct hs_daemon *d)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s.pid", d->rundir, d->ops->name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* A hot restart hands over the open (and locked) file itself. */
	int fd = hs_fdset_take(&d->inherited, "pidfile");
	if (fd < 0 && (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EEXIST : -errno;
		close(fd);
		return r;
	}
	d->pidfile_fd = fd;
	int r = hs_daemon_pid_write(d);
	if (r < 0) {
		close(fd);
		d->pidfile_fd = -1;
		return r;
	}
	/* Only a pid file we hold is ours to remove at exit. */
	memcpy(d->pidfile, path, sizeof(path));
	return fd;
}

int hs_daemon_pid_write(struct hs_daemon *d)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	/* At offset 0: a pid file handed over by a hot restart shares the old process's file
	 * offset, past its pid, and a plain write there would leave NULs before ours. */
	if (d->pidfile_fd < 0)
		return -EBADF;
	if (ftruncate(d->pidfile_fd, 0) < 0 || pwrite(d->pidfile_fd, buf, (size_t)n, 0) != n)
		return -errno;
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Forks into the background; the parent exits with the child's start-up verdict. */
static int daemonize(int *ready_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		unsigned char code = 1;
		ssize_t n = read(p[0], &code, 1);
		_exit(n == 1 ? code : 1);
	}
	close(p[0]);
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!isatty(2))
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	*ready_fd = p[1];
	return 0;
}

static void report_ready(int *ready_fd, unsigned char code)
{
	if (*ready_fd < 0)
		return;
	(void)!write(*ready_fd, &code, 1);
	close(*ready_fd);
	*ready_fd = -1;
}

struct options {
	const char *config;
	const char *rundir;
	bool foreground, debug, check;
};

static int parse_args(const struct hs_daemon_ops *ops, int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct options){ .config = HS_DEFAULT_CONFIG };
	int c;
	while ((c = getopt_long(argc, argv, "f:ndVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o->config = optarg; break;
		case 'r': o->rundir = optarg; break;
		case 'n': o->foreground = true; break;
		case 'd': o->debug = true; break;
		case 'c': o->check = true; break;
		case 'V': print_version(ops); return 0;
		case 'h': usage(ops, stdout); return 0;
		default: usage(ops, stderr); return EXIT_BAD_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", ops->name, argv[optind]);
		return EXIT_BAD_USAGE;
	}
	return -1; /* go on */
}

static int setup(struct hs_daemon *d, const struct options *o)
{
	int r = mkdir_p(d->rundir);
	if (r < 0) {
		hs_err(NULL, "cannot create run dir %s: %s", d->rundir, strerror(-r));
		return 1;
	}
	int pidfd = write_pidfile(d);
	if (pidfd < 0) {
		hs_err(NULL, "%s/%s.pid: %s", d->rundir, d->ops->name,
		       pidfd == -EEXIST ? "another instance runs with this run dir"
					: strerror(-pidfd));
		return 1;
	}
	gid_t gid = (gid_t)-1;
	if (d->config->global.ctl_group[0]) {
		struct group *g = getgrnam(d->config->global.ctl_group);
		if (!g) {
			hs_err("[config]", "global.ctl_group: no group named '%s'",
			       d->config->global.ctl_group);
			return EXIT_BAD_USAGE;
		}
		gid = g->gr_gid;
	}
	char path[PATH_MAX];
	if (hs_ctl_socket_path(path, sizeof(path), d->rundir, d->ops->name) < 0) {
		hs_err(NULL, "run dir path too long for a UNIX socket: %s", d->rundir);
		return 1;
	}
	r = hs_ctl_server_open(&d->ctl, &d->loop, path, hs_fdset_take(&d->inherited, "ctl"), gid);
	if (r < 0) {
		hs_err("[ctl]", "cannot listen on %s: %s", path, strerror(-r));
		return 1;
	}
	hs_ctl_server_add_commands(d->ctl, common_commands, d);
	hs_ctl_server_add_commands(d->ctl, hs_daemon_config_commands, d);
	if (d->ops->commands)
		hs_ctl_server_add_commands(d->ctl, d->ops->commands, d);
	hs_loop_on_signal(&d->loop, SIGTERM, on_stop_signal, d);
	hs_loop_on_signal(&d->loop, SIGINT, on_stop_signal, d);
	hs_loop_on_signal(&d->loop, SIGHUP, on_hup, d);
	if (d->ops->snapshot)
		hs_loop_on_signal(&d->loop, SIGUSR2, on_usr2, d);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int hs_daemon_main(const struct hs_daemon_ops *ops, int argc, char **argv)
{
	struct options o;
	int r = parse_args(ops, argc, argv, &o);
	if (r >= 0)
		return r;

	struct hs_daemon d = { .ops = ops, .argv = argv, .pidfile_fd = -1 };
	struct hs_cfg_errors errs;
	snprintf(d.config_path, sizeof(d.config_path), "%s", o.config);
	if (hs_config_load_file(o.config, &d.config, &errs) < 0) {
		hs_cfg_errors_print(&errs, stderr);
		fprintf(stderr, "%s: not started: the config has errors\n", ops->name);
		return EXIT_BAD_USAGE;
	}
	if (o.check) {
		hs_config_print(d.config, stdout);
		hs_config_free(d.config);
		return 0;
	}
	snprintf(d.rundir, sizeof(d.rundir), "%s", o.rundir ? o.rundir : d.config->global.rundir);
	d.foreground = o.foreground;
	d.debug = o.debug;
	hs_log_open(ops->name, d.config->global.log_target == HS_LOG_TARGET_SYSLOG);
	hs_log_set_level(o.debug ? LOG_DEBUG : LOG_INFO);
	apply_debug(d.config, o.debug);
	collect_inherited(&d);
	int hot = hs_daemon_hot_receive(&d);
	if (hot < 0) {
		hs_daemon_hot_free(&d);
		hs_config_free(d.config);
		return 1;
	}

	int ready_fd = -1;
	/* A hot restart's new process is the one the old one started: it stays in the foreground. */
	if (!o.foreground && !hot && daemonize(&ready_fd) < 0) {
		hs_err(NULL, "cannot go to the background: %s", strerror(errno));
		return 1;
	}
	int code = 1;
	if (hs_loop_init(&d.loop) < 0)
		goto out;
	d.started_ms = hs_now_ms();
	code = setup(&d, &o);
	if (code == 0 && ops->start && (r = ops->start(&d)) < 0) {
		hs_err(NULL, "start failed: %s", strerror(-r));
		code = 1;
	}
	if (code != 0) {
		report_ready(&ready_fd, (unsigned char)code);
		hs_daemon_hot_refuse(&d, d.apply_error[0] ? d.apply_error : "start failed");
		goto out;
	}
	hs_fdset_close_all(&d.inherited);
	hs_notice(NULL, "started (%s, run dir %s)", d.config_path, d.rundir);
	report_ready(&ready_fd, 0);
	if (hot && !ops->hot_confirms_itself)
		hs_daemon_hot_confirm(&d); /* READY=1 with our pid as MAINPID, then the confirm */
	else if (!hot)
		sd_notify(0, "READY=1");
	hs_daemon_watchdog_start(&d.loop);
	code = hs_loop_run(&d.loop) < 0 ? 1 : 0;
	if (ops->stop)
		ops->stop(&d);
	hs_notice(NULL, "stopped");
out:;
	/* After a handover, or before our own confirm, the files are the other process's. */
	bool keep = d.handed_over || hs_daemon_hot_adopting(&d);
	hs_ctl_server_close(d.ctl, !keep);
	if (d.pidfile[0] && !keep)
		unlink(d.pidfile);
	hs_daemon_hot_free(&d);
	hs_loop_free(&d.loop);
	hs_config_free(d.config);
	hs_log_close();
	return code;
}
