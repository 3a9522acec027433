/*
 * conf.c - the process's settings (withsctp.conf(5)), loaded once on the
 * first socket call, and the engine choice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim.h"

static shim_conf conf;
static pthread_once_t once = PTHREAD_ONCE_INIT;

void shim_warn(const char *msg)
{
	struct stat st;
	/* A service started by xinetd has its connection as standard
	 * error: the line would go to the peer. */
	if (fstat(2, &st) == 0 && S_ISSOCK(st.st_mode))
		return;
	char line[600];
	int n = snprintf(line, sizeof(line), "withsctp: %s\n", msg);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(2, line, (size_t)n) < 0)
		n = 0;
}

static void fill_params(void)
{
	const wsconf *c = &conf.c;
	wsp_params *p = &conf.params;

	p->out_streams = (uint16_t)c->streams;
	p->max_in_streams = (uint16_t)c->max_in_streams;
	p->nodelay = c->nodelay;
	p->hb_interval = c->heartbeat_interval;
	p->rto_initial = c->rto_initial;
	p->rto_min = c->rto_min;
	p->rto_max = c->rto_max;
	p->max_init_retrans = c->max_init_retransmits;
	p->sndbuf = c->sndbuf;
	p->rcvbuf = c->rcvbuf;
	for (size_t i = 0; i < c->nlocal && i < WSP_MAX_LOCAL; i++) {
		wsp_addr *a = &p->local[p->nlocal++];
		if (c->local[i].sa.sa_family == AF_INET) {
			a->family = AF_INET;
			memcpy(a->ip, &c->local[i].sin.sin_addr, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &c->local[i].sin6.sin6_addr, 16);
			a->scope = c->local[i].sin6.sin6_scope_id;
		}
	}
}

static bool kernel_has_sctp(void)
{
	int fd =
	    shim_libc.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void load(void)
{
	char err[512];
	int saved = errno;

	if (wsconf_load(&conf.c, program_invocation_name, NULL, 0, err,
			sizeof(err)) < 0) {
		char msg[600];
		snprintf(msg, sizeof(msg),
			 "%.500s; TCP sockets of this program fail (fix the "
			 "configuration)",
			 err);
		shim_warn(msg);
		conf.mode = SHIM_OFF;
		errno = saved;
		return;
	}
	switch (conf.c.engine) {
	case WSCONF_ENGINE_KERNEL:
		conf.mode = SHIM_KERNEL;
		break;
	case WSCONF_ENGINE_EMBEDDED:
		conf.mode = SHIM_EMBEDDED;
		break;
	default:
		conf.mode = kernel_has_sctp() ? SHIM_KERNEL : SHIM_EMBEDDED;
	}
	conf.convert_at_socket = wsconf_ports_every(&conf.c);
	fill_params();
	errno = saved;
}

const shim_conf *shim_conf_get(void)
{
	pthread_once(&once, load);
	return &conf;
}
