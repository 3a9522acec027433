/*
 * wsproto.c - helpers shared by sctpd and its clients (wsproto.h).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

#include "wsproto.h"

socklen_t wsp_control_sockaddr(const char *control, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	size_t n = strlen(control);
	if (n >= sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, control, n);
	bool abstract = control[0] == '@';
	if (abstract)
		sun->sun_path[0] = '\0';
	/* An abstract name is exactly its bytes; a path includes its NUL. */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (abstract ? 0 : 1));
}
