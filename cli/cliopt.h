/*
 * cliopt.h - what the command-line tools (checksctp, sctpstat) say when
 * getopt_long() rejects an argument.
 */
#ifndef CLI_CLIOPT_H
#define CLI_CLIOPT_H

/* Prints one line on stderr naming the option as the user wrote it:
 *   PROG: unknown option '--frob'          (or '-x')
 *   PROG: option '--control' needs an argument
 *   PROG: option '--help' takes no argument
 * c is what getopt_long() returned (':' for a missing argument when the
 * option string starts with "+:", else '?'), opt its optopt, and elem the
 * command-line element it was reading: argv[optind] as it was before the
 * call (NULL past the end). */
void cli_bad_option(const char *prog, int c, int opt, const char *elem);

#endif
