/*
 * real.c - binds the libc functions the shim wraps, once, at load time
 * (before any thread the program starts can call a hook).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim.h"

shim_real shim_libc;

static void *bind_one(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);
	if (!p) {
		/* libc itself preloaded before the shim comes earlier in
		 * the lookup order than RTLD_NEXT searches. */
		void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
		if (libc)
			p = dlsym(libc, name);
	}
	if (!p) {
		/* Nothing can work without the real call: say so and stop
		 * rather than crash later. */
		char msg[128];
		int n = snprintf(msg, sizeof(msg),
				 "withsctp: libc has no %s(): %s\n", name,
				 dlerror());
		if (n > 0 && write(2, msg, (size_t)n) < 0)
			n = 0;
		_exit(127);
	}
	return p;
}

__attribute__((constructor)) static void real_init(void)
{
	shim_libc.socket = bind_one("socket");
	shim_libc.bind = bind_one("bind");
	shim_libc.listen = bind_one("listen");
	shim_libc.connect = bind_one("connect");
	shim_libc.accept = bind_one("accept");
	shim_libc.accept4 = bind_one("accept4");
	shim_libc.getsockname = bind_one("getsockname");
	shim_libc.getpeername = bind_one("getpeername");
	shim_libc.getsockopt = bind_one("getsockopt");
	shim_libc.setsockopt = bind_one("setsockopt");
	shim_libc.socketpair = bind_one("socketpair");
	shim_libc.close = bind_one("close");
	shim_libc.dup2 = bind_one("dup2");
	shim_libc.dup3 = bind_one("dup3");
}
