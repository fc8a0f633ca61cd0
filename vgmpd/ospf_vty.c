/* The OSPF cost change on ospfd's own vty socket (DIR/ospfd.vty, DIR the configured
 * vtysh_socket or FRR's /var/run/frr), spoken as vtysh speaks it (lib/frr_vty.c): one connection
 * per change, every command written at once, the answers read in the loop. ~1 ms where a vtysh
 * process took 30-80 ms in the lab; when the socket is not there the caller runs vtysh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "ospf.h"

#define VTY_TIMEOUT_MS 2000
#define FRR_RUN_DIR    "/var/run/frr"

#define CONFIG_MAX 65536 /* ospfd's running configuration: a few KiB */

static void finish(struct vgmpd_ospf *o, bool ok)
{
	vgmpd_ospf_vty_close(o);
	if (!o->reading) {
		vgmpd_ospf_finished(o, ok, "ospfd vty");
		return;
	}
	o->reading = false;
	char *text = o->text;
	o->text = NULL;
	if (o->vty.text_cut)
		hs_warn("[ospf-cost]", "ospfd's configuration is longer than %d bytes", CONFIG_MAX);
	vgmpd_ospf_read_finished(o, ok && !o->vty.text_cut ? text : NULL);
	free(text);
}

static void readable(struct hs_io *io, int fd, uint32_t revents, void *arg)
{
	struct vgmpd_ospf *o = arg;
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		hs_warn("[ospf-cost]", "ospfd closed its vty after %u of %u answers",
			o->vty.answers, o->vty_commands);
		finish(o, false);
		return;
	}
	if (frr_vty_feed(&o->vty, buf, (size_t)n) < o->vty_commands)
		return;
	if (o->vty.failed)
		hs_warn("[ospf-cost]", "ospfd refused command %u of %u (code %d)",
			o->vty.first_bad + 1, o->vty_commands, o->vty.first_code);
	finish(o, o->vty.failed == 0);
}

static void timed_out(struct hs_timer *t, void *arg)
{
	struct vgmpd_ospf *o = arg;
	hs_warn("[ospf-cost]", "ospfd's vty did not answer within %d ms", VTY_TIMEOUT_MS);
	finish(o, false);
}

void vgmpd_ospf_vty_init(struct vgmpd_ospf *o)
{
	o->vty_fd = -1;
	hs_timer_init(&o->vty_timeout, o->loop, timed_out, o);
}

/* Connects to ospfd's vty and writes the commands; the answers come to readable(). */
static int vty_open(struct vgmpd_ospf *o, const char *cmds, int len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *dir = o->cfg->vtysh_socket[0] ? o->cfg->vtysh_socket : FRR_RUN_DIR;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ospfd.vty", dir) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A unix connect does not wait: it succeeds, or fails at once (no ospfd, its backlog
	 * full, no permission), and so does a write that fits the socket buffer. */
	int r = 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	else if (write(fd, cmds, (size_t)len) != len)
		r = -EIO;
	if (r == 0)
		r = hs_io_start(&o->vty_io, o->loop, fd, EPOLLIN, readable, o);
	if (r < 0) {
		close(fd);
		return r;
	}
	frr_vty_reader_init(&o->vty);
	o->vty_fd = fd;
	hs_timer_arm_in(&o->vty_timeout, VTY_TIMEOUT_MS);
	return 0;
}

int vgmpd_ospf_vty_start(struct vgmpd_ospf *o)
{
	const char *names[HS_CFG_LIST_MAX];
	char cmds[1024];
	size_t n = o->cfg->interfaces.count;
	for (size_t i = 0; i < n; i++)
		names[i] = o->cfg->interfaces.item[i];
	int len = frr_vty_cost_commands(cmds, sizeof(cmds), names, n, o->wanted, &o->vty_commands);
	if (len < 0)
		return len;
	int r = vty_open(o, cmds, len);
	if (r == 0)
		o->vty_runs++;
	return r;
}

int vgmpd_ospf_vty_read(struct vgmpd_ospf *o)
{
	char cmds[64];
	int len = frr_vty_config_commands(cmds, sizeof(cmds), &o->vty_commands);
	if (len < 0)
		return len;
	char *text = malloc(CONFIG_MAX);
	if (!text)
		return -ENOMEM;
	int r = vty_open(o, cmds, len);
	if (r < 0) {
		free(text);
		return r;
	}
	o->text = text;
	o->reading = true;
	frr_vty_reader_keep(&o->vty, o->vty_commands - 1, text, CONFIG_MAX);
	return 0;
}

void vgmpd_ospf_vty_close(struct vgmpd_ospf *o)
{
	if (o->vty_fd < 0)
		return;
	hs_io_stop(&o->vty_io);
	hs_timer_cancel(&o->vty_timeout);
	close(o->vty_fd);
	o->vty_fd = -1;
}
