/*
 * cliopt.c - see cliopt.h.  getopt_long()'s own messages are turned off
 * (opterr = 0) because they name an unknown long option only in some
 * cases and never quote it the way the tools' other messages do.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.h"

void cli_bad_option(const char *prog, int c, int opt, const char *elem)
{
	/* A short option may sit inside a cluster ("-lx"): only an element
	 * starting with "--" is a long option, named up to its '='. */
	bool is_long = elem && strncmp(elem, "--", 2) == 0;
	char name[64];

	if (is_long)
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(elem, "="),
			 elem);
	else
		snprintf(name, sizeof(name), "-%c", opt);
	if (c == ':')
		fprintf(stderr, "%s: option '%s' needs an argument\n", prog,
			name);
	else if (is_long && opt)
		/* getopt_long() sets optopt to a known long option's value
		 * when it was given "=VALUE" but takes none. */
		fprintf(stderr, "%s: option '%s' takes no argument\n", prog,
			name);
	else
		fprintf(stderr, "%s: unknown option '%s'\n", prog, name);
}
