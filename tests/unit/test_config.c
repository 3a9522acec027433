/*
 * test_config.c - withsctp's configuration: every key and value form, the
 * exact error for bad values, keys and sections, [program] matching and
 * order, every precedence layer (temporary files, injected environment),
 * the ports syntax and matcher, the RTO rule, the file rules (missing, size)
 * and the --print-config text parsing back to the same settings.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/config/wsconf.h"

static char err[2048];
static char dir[64]; /* a fresh temporary directory for the whole run */

/* ---- helpers ---- */

static int parse(wsconf *c, const char *text, const char *program)
{
	err[0] = 0;
	return wsconf_parse_string(c, text, "t.conf", program, err,
				   sizeof(err));
}

/* Parses text on defaults, expecting success. */
static void parse_ok(wsconf *c, const char *text, const char *program)
{
	wsconf_defaults(c);
	if (parse(c, text, program) != 0)
		fail_msg("unexpected error: %s", err);
}

/* Parses text on defaults, expecting exactly msg and no change. */
static void parse_err(const char *text, const char *program, const char *msg)
{
	wsconf c, d;

	wsconf_defaults(&c);
	wsconf_defaults(&d);
	assert_int_equal(parse(&c, text, program), -1);
	assert_string_equal(err, msg);
	assert_true(wsconf_equal(&c, &d));
}

/* Sets key through an option on defaults, expecting exactly msg. */
static void opt_err(const char *opt, const char *msg)
{
	wsconf c;

	wsconf_defaults(&c);
	assert_int_equal(wsconf_apply_options(&c, &opt, 1, err, sizeof(err)),
			 -1);
	assert_string_equal(err, msg);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* path = dir/name into buf. */
static const char *in_dir(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

static int load(wsconf *c, const char *sys, const char *const *envp,
		const char *const *opts, size_t nopts, const char *program)
{
	wsconf_sources src = {.system_file = sys,
			      .envp = envp,
			      .options = opts,
			      .noptions = nopts};

	err[0] = 0;
	return wsconf_load_env(c, &src, program, err, sizeof(err));
}

static void assert_ports(const wsconf *c, const char *text)
{
	char buf[512];

	wsconf_format(c, 0, buf, sizeof(buf));
	const char *p = strstr(buf, "\nports = ");
	assert_non_null(p);
	p += strlen("\nports = ");
	size_t n = strcspn(p, "\n");
	char got[256];
	snprintf(got, sizeof(got), "%.*s", (int)n, p);
	assert_string_equal(got, text);
}

/* ---- defaults and value forms ---- */

static void test_defaults(void **state)
{
	wsconf c;
	(void)state;

	wsconf_defaults(&c);
	assert_int_equal(c.engine, WSCONF_ENGINE_AUTO);
	for (unsigned p = 0; p <= 65535; p++)
		assert_true(wsconf_port_converted(&c, (uint16_t)p));
	assert_int_equal(c.streams, 10);
	assert_int_equal(c.max_in_streams, 65535);
	assert_int_equal(c.nlocal, 0);
	assert_int_equal(c.udp_port, 9899);
	assert_string_equal(c.control, "@withsctp");
	assert_string_equal(c.daemon, "");
	assert_false(c.nodelay);
	assert_int_equal(c.heartbeat_interval, 30000);
	assert_int_equal(c.rto_initial, 1000);
	assert_int_equal(c.rto_min, 1000);
	assert_int_equal(c.rto_max, 60000);
	assert_int_equal(c.max_init_retransmits, 8);
	assert_int_equal(c.sndbuf, 0);
	assert_int_equal(c.rcvbuf, 0);
	assert_int_equal(c.log_level, WSCONF_LOG_WARN);
	assert_string_equal(c.log_file, "");
	assert_string_equal(wsconf_origin(&c, "rto_min"), "default");
	assert_null(wsconf_origin(&c, "nosuchkey"));
	assert_int_equal(wsconf_check(&c, err, sizeof(err)), 0);
}

static void test_every_key(void **state)
{
	wsconf c;
	char a[INET6_ADDRSTRLEN];
	(void)state;

	parse_ok(&c,
		 "[global]\n"
		 "engine = embedded\n"
		 "ports = 13, 7\n"
		 "streams = 65535\n"
		 "max_in_streams = 1\n"
		 "local_addresses = 10.0.0.1, 2001:db8::1 192.168.1.2\n"
		 "udp_port = 1\n"
		 "control = /run/withsctp.sock\n"
		 "daemon = /usr/sbin/sctpd\n"
		 "nodelay = yes\n"
		 "heartbeat_interval = 0\n"
		 "rto_initial = 3000\n"
		 "rto_min = 500\n"
		 "rto_max = 86400000\n"
		 "max_init_retransmits = 0\n"
		 "sndbuf = 64K\n"
		 "rcvbuf = 2M\n"
		 "log_level = debug\n"
		 "log_file = /var/log/withsctp.log\n",
		 NULL);
	assert_int_equal(c.engine, WSCONF_ENGINE_EMBEDDED);
	assert_true(wsconf_port_converted(&c, 13));
	assert_true(wsconf_port_converted(&c, 7));
	assert_false(wsconf_port_converted(&c, 8));
	assert_false(wsconf_port_converted(&c, 0));
	assert_int_equal(c.streams, 65535);
	assert_int_equal(c.max_in_streams, 1);
	assert_int_equal(c.nlocal, 3);
	assert_int_equal(c.local[0].sa.sa_family, AF_INET);
	assert_string_equal(
	    inet_ntop(AF_INET, &c.local[0].sin.sin_addr, a, sizeof(a)),
	    "10.0.0.1");
	assert_int_equal(c.local[0].sin.sin_port, 0);
	assert_int_equal(c.local[1].sa.sa_family, AF_INET6);
	assert_string_equal(
	    inet_ntop(AF_INET6, &c.local[1].sin6.sin6_addr, a, sizeof(a)),
	    "2001:db8::1");
	assert_int_equal(c.local[2].sa.sa_family, AF_INET);
	assert_int_equal(c.udp_port, 1);
	assert_string_equal(c.control, "/run/withsctp.sock");
	assert_string_equal(c.daemon, "/usr/sbin/sctpd");
	assert_true(c.nodelay);
	assert_int_equal(c.heartbeat_interval, 0);
	assert_int_equal(c.rto_initial, 3000);
	assert_int_equal(c.rto_min, 500);
	assert_int_equal(c.rto_max, 86400000);
	assert_int_equal(c.max_init_retransmits, 0);
	assert_int_equal(c.sndbuf, 65536);
	assert_int_equal(c.rcvbuf, 2 * 1024 * 1024);
	assert_int_equal(c.log_level, WSCONF_LOG_DEBUG);
	assert_string_equal(c.log_file, "/var/log/withsctp.log");
	assert_string_equal(wsconf_origin(&c, "log-file"), "t.conf:19");
	assert_string_equal(wsconf_origin(&c, "ENGINE"), "t.conf:2");
}

static void test_enum_forms(void **state)
{
	static const struct {
		const char *v;
		int engine;
	} engines[] = {{"auto", WSCONF_ENGINE_AUTO},
		       {"Embedded", WSCONF_ENGINE_EMBEDDED},
		       {"KERNEL", WSCONF_ENGINE_KERNEL}};
	static const struct {
		const char *v;
		int level;
	} levels[] = {{"error", WSCONF_LOG_ERROR},
		      {"warn", WSCONF_LOG_WARN},
		      {"Warning", WSCONF_LOG_WARN},
		      {"info", WSCONF_LOG_INFO},
		      {"DEBUG", WSCONF_LOG_DEBUG}};
	wsconf c;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		wsconf_defaults(&c);
		c.engine = 99;
		assert_int_equal(wsconf_set(&c, "engine", engines[i].v, NULL,
					    err, sizeof(err)),
				 0);
		assert_int_equal(c.engine, engines[i].engine);
	}
	for (size_t i = 0; i < 5; i++) {
		wsconf_defaults(&c);
		assert_int_equal(wsconf_set(&c, "log_level", levels[i].v, NULL,
					    err, sizeof(err)),
				 0);
		assert_int_equal(c.log_level, levels[i].level);
	}
	assert_string_equal(wsconf_engine_name(WSCONF_ENGINE_KERNEL), "kernel");
	assert_string_equal(wsconf_log_level_name(WSCONF_LOG_INFO), "info");
}

static void test_bool_forms(void **state)
{
	static const char *const yes[] = {"yes", "true", "on", "1",
					  "YES", "True", "On"};
	static const char *const no[] = {"no", "false", "off", "0",
					 "NO", "False", "OFF"};
	wsconf c;
	(void)state;

	for (size_t i = 0; i < 7; i++) {
		wsconf_defaults(&c);
		assert_int_equal(
		    wsconf_set(&c, "nodelay", yes[i], NULL, err, sizeof(err)),
		    0);
		assert_true(c.nodelay);
		assert_int_equal(
		    wsconf_set(&c, "nodelay", no[i], NULL, err, sizeof(err)),
		    0);
		assert_false(c.nodelay);
	}
}

static void test_size_forms(void **state)
{
	static const struct {
		const char *v;
		uint32_t bytes;
	} sizes[] = {{"0", 0},
		     {"1", 1},
		     {"1000", 1000},
		     {"4k", 4096},
		     {"4K", 4096},
		     {"3m", 3145728},
		     {"1024M", 1073741824},
		     {"1048576K", 1073741824},
		     {"1073741824", 1073741824}};
	wsconf c;
	(void)state;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		wsconf_defaults(&c);
		assert_int_equal(wsconf_set(&c, "sndbuf", sizes[i].v, NULL, err,
					    sizeof(err)),
				 0);
		assert_int_equal(c.sndbuf, sizes[i].bytes);
		assert_int_equal(wsconf_set(&c, "rcvbuf", sizes[i].v, NULL, err,
					    sizeof(err)),
				 0);
		assert_int_equal(c.rcvbuf, sizes[i].bytes);
	}
}

static void test_string_forms(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c, "control = @my-daemon\ndaemon =\nlog_file =\n", NULL);
	assert_string_equal(c.control, "@my-daemon");
	assert_string_equal(c.daemon, "");
	assert_string_equal(c.log_file, "");
	/* Values keep inner spaces; local_addresses may be emptied. */
	parse_ok(&c,
		 "log_file = /tmp/my logs/x.log\n"
		 "local_addresses = 127.0.0.1\n"
		 "local_addresses =\n",
		 NULL);
	assert_string_equal(c.log_file, "/tmp/my logs/x.log");
	assert_int_equal(c.nlocal, 0);
	/* At most 8 addresses; 107 bytes of socket name. */
	parse_ok(&c,
		 "local_addresses = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 "
		 "1.1.1.6 1.1.1.7 ::1\n",
		 NULL);
	assert_int_equal(c.nlocal, 8);
	char line[256];
	snprintf(line, sizeof(line), "control = @%0106d\n", 0);
	parse_ok(&c, line, NULL);
	assert_int_equal(strlen(c.control), 107);
}

static void test_key_spelling(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c,
		 "Max-In-Streams = 5\nHEARTBEAT-INTERVAL=7\n"
		 "\tRto_Max\t=\t9000\t\n",
		 NULL);
	assert_int_equal(c.max_in_streams, 5);
	assert_int_equal(c.heartbeat_interval, 7);
	assert_int_equal(c.rto_max, 9000);
}

/* ---- errors for every key ---- */

static void test_bad_values(void **state)
{
	static const char *const cases[][2] = {
	    {"engine = fast",
	     "t.conf:1: engine: 'fast' is not an engine (auto, embedded, "
	     "kernel)"},
	    {"ports = 70000",
	     "t.conf:1: ports: '70000' is not a port (1-65535)"},
	    {"streams = 0",
	     "t.conf:1: streams: '0' is not a number of streams (1-65535)"},
	    {"streams = 65536",
	     "t.conf:1: streams: '65536' is not a number of streams (1-65535)"},
	    {"max_in_streams = -1",
	     "t.conf:1: max_in_streams: '-1' is not a number of streams "
	     "(1-65535)"},
	    {"local_addresses = 10.0.0.256",
	     "t.conf:1: local_addresses: '10.0.0.256' is not an IPv4 or IPv6 "
	     "address"},
	    {"local_addresses = 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 "
	     "1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9",
	     "t.conf:1: local_addresses: more than 8 addresses"},
	    {"local_addresses = ::1, 0:0::1",
	     "t.conf:1: local_addresses: '0:0::1' is listed twice"},
	    {"local_addresses = fe80::1%eth0",
	     "t.conf:1: local_addresses: 'fe80::1%eth0' is not an IPv4 or IPv6 "
	     "address"},
	    {"udp_port = 0", "t.conf:1: udp_port: '0' is not a port (1-65535)"},
	    {"udp_port = 9899x",
	     "t.conf:1: udp_port: '9899x' is not a port (1-65535)"},
	    {"control = withsctp",
	     "t.conf:1: control: 'withsctp' is not an abstract socket name "
	     "(@NAME) or an absolute path"},
	    {"control = @",
	     "t.conf:1: control: '@' is not an abstract socket name (@NAME) or "
	     "an absolute path"},
	    {"control =", "t.conf:1: control: no value given"},
	    {"daemon = sctpd",
	     "t.conf:1: daemon: 'sctpd' is not an absolute path"},
	    {"nodelay = maybe",
	     "t.conf:1: nodelay: 'maybe' is not a boolean (yes/no, true/false, "
	     "on/off, 1/0)"},
	    {"heartbeat_interval = 1.5",
	     "t.conf:1: heartbeat_interval: '1.5' is not a time in "
	     "milliseconds (0-86400000)"},
	    {"rto_initial = 0",
	     "t.conf:1: rto_initial: '0' is not a time in milliseconds "
	     "(1-86400000)"},
	    {"rto_min = 86400001",
	     "t.conf:1: rto_min: '86400001' is not a time in milliseconds "
	     "(1-86400000)"},
	    {"rto_max = 99999999999999999999",
	     "t.conf:1: rto_max: '99999999999999999999' is not a time in "
	     "milliseconds (1-86400000)"},
	    {"max_init_retransmits = 256",
	     "t.conf:1: max_init_retransmits: '256' is not a number of "
	     "retransmissions (0-255)"},
	    {"sndbuf = 1025M",
	     "t.conf:1: sndbuf: '1025M' is not a size (bytes, or with a K or M "
	     "suffix; at most 1024M)"},
	    {"rcvbuf = 64KB",
	     "t.conf:1: rcvbuf: '64KB' is not a size (bytes, or with a K or M "
	     "suffix; at most 1024M)"},
	    {"rcvbuf = K",
	     "t.conf:1: rcvbuf: 'K' is not a size (bytes, or with a K or M "
	     "suffix; at most 1024M)"},
	    {"log_level = verbose",
	     "t.conf:1: log_level: 'verbose' is not a log level (error, warn, "
	     "info, debug)"},
	    {"log_file = withsctp.log",
	     "t.conf:1: log_file: 'withsctp.log' is not an absolute path"},
	    {"streams =", "t.conf:1: streams: no value given"},
	    {"nodelay = # no value", "t.conf:1: nodelay: no value given"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_err(cases[i][0], NULL, cases[i][1]);
}

static void test_long_values(void **state)
{
	static char text[2048], want[512];
	char path[128];
	(void)state;

	/* A control path one byte too long for sun_path. */
	snprintf(path, sizeof(path), "/%0107d", 0);
	snprintf(text, sizeof(text), "control = %s", path);
	snprintf(want, sizeof(want),
		 "t.conf:1: control: '%s' is too long for a socket address (at "
		 "most 107 bytes)",
		 path);
	parse_err(text, NULL, want);
	int n = snprintf(text, sizeof(text), "log_file = /");
	memset(text + n, 'x', 1024);
	text[n + 1024] = 0;
	parse_err(text, NULL,
		  "t.conf:1: log_file: path longer than 1023 bytes");
}

static void test_bad_characters(void **state)
{
	wsconf c;
	(void)state;

	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_set(&c, "log_file", "/tmp/a\001b", "X", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "X: value contains a control character");
	assert_int_equal(
	    wsconf_set(&c, "log_file", "/tmp/a ;b", "X", err, sizeof(err)), -1);
	assert_string_equal(err, "X: '/tmp/a ;b' contains ' ;', which starts a "
				 "comment in a file");
	/* Without a blank before it, '#' is part of the value. */
	assert_int_equal(
	    wsconf_set(&c, "log_file", "/tmp/a#b", "X", err, sizeof(err)), 0);
	assert_string_equal(c.log_file, "/tmp/a#b");
	assert_string_equal(wsconf_origin(&c, "log_file"), "X");
}

static void test_unknown_key(void **state)
{
	wsconf c;
	(void)state;

	parse_err("[global]\nprots = 13\n", NULL,
		  "t.conf:2: prots: unknown setting (did you mean 'ports'?)");
	parse_err(
	    "rto-mni = 5", NULL,
	    "t.conf:1: rto-mni: unknown setting (did you mean 'rto_min'?)");
	parse_err("colour = blue", NULL,
		  "t.conf:1: colour: unknown setting (see withsctp.conf(5))");
	/* In a section that does not apply, too: typos never hide. */
	parse_err("[program other]\nnodelay = yes\nnodealy = yes\n", "telnet",
		  "t.conf:3: nodealy: unknown setting (did you mean "
		  "'nodelay'?)");
	wsconf_defaults(&c);
	assert_int_equal(wsconf_set(&c, "stream", "5", NULL, err, sizeof(err)),
			 -1);
	assert_string_equal(
	    err, "option stream: unknown setting (did you mean 'streams'?)");
}

static void test_bad_sections(void **state)
{
	(void)state;

	parse_err("[globl]\n", NULL,
		  "t.conf:1: unknown section '[globl]' (expected [global] or "
		  "[program NAME])");
	parse_err("\n[prog telnet]\n", NULL,
		  "t.conf:2: unknown section '[prog]' (expected [global] or "
		  "[program NAME])");
	parse_err("[program]\n", NULL,
		  "t.conf:1: [program] needs a program name or pattern, e.g. "
		  "[program telnet]");
	parse_err("[program   ]\n", NULL,
		  "t.conf:1: [program] needs a program name or pattern, e.g. "
		  "[program telnet]");
	parse_err("[global x]\n", NULL,
		  "t.conf:1: [global] takes no name ('x')");
	parse_err("[global\n", NULL,
		  "t.conf:1: missing ']' in a section header");
	parse_err("[global] x\n", NULL, "t.conf:1: unexpected 'x' after ']'");
	parse_err("[program /usr/bin/telnet]\n", NULL,
		  "t.conf:1: program pattern '/usr/bin/telnet' contains '/' "
		  "(sections match the program's base name)");
}

static void test_bad_syntax(void **state)
{
	(void)state;

	parse_err("# ok\nports 13\n", NULL,
		  "t.conf:2: expected 'key = value', a [section] or a comment");
	parse_err("= 13\n", NULL, "t.conf:1: missing key before '='");
}

static void test_long_lines(void **state)
{
	size_t n = 300000;
	char *big = malloc(n + 32);
	wsconf c;
	(void)state;

	/* Lines have no limit of their own: only a file's size has. */
	assert_non_null(big);
	memset(big, '#', n);
	strcpy(big + n, "\nstreams = 6\n");
	parse_ok(&c, big, NULL);
	assert_int_equal(c.streams, 6);
	n = (size_t)sprintf(big, "ports = ");
	for (unsigned p = 1; p < 65535; p += 2)
		n += (size_t)sprintf(big + n, "%u ", p);
	parse_ok(&c, big, NULL);
	assert_true(wsconf_port_converted(&c, 65533));
	assert_false(wsconf_port_converted(&c, 65534));
	free(big);
}

static void test_comments_and_blanks(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c,
		 "# a comment\r\n"
		 "; another\r\n"
		 "   \r\n"
		 "\t# indented\n"
		 "[global] # trailing comment\n"
		 "streams = 5 # five\r\n"
		 "rto_max = 7000\t; seven\n"
		 "log_file = /tmp/a#b\n"
		 "[program x] ; comment",
		 NULL);
	assert_int_equal(c.streams, 5);
	assert_int_equal(c.rto_max, 7000);
	assert_string_equal(c.log_file, "/tmp/a#b");
	/* ';' after a non-blank is not a comment, so not a port either. */
	parse_err("ports = 13;14", NULL,
		  "t.conf:1: ports: '13;14' is not a port, a range "
		  "(FIRST-LAST), 'all' or 'none'");
	/* An empty text changes nothing. */
	parse_ok(&c, "", NULL);
	wsconf d;
	wsconf_defaults(&d);
	assert_true(wsconf_equal(&c, &d));
}

static void test_nul_byte_in_file(void **state)
{
	char path[128];
	wsconf c;
	(void)state;

	in_dir(path, sizeof(path), "nul.conf");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(write(fd, "streams = 5\nx\0y = 1\n", 20), 20);
	close(fd);
	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_parse_file(&c, path, NULL, true, err, sizeof(err)), -1);
	char want[256];
	snprintf(want, sizeof(want), "%s:2: contains a NUL byte", path);
	assert_string_equal(err, want);
	assert_int_equal(c.streams, 10);
}

/* ---- [program] sections ---- */

static const char *const programs_text = "[program telnet]\n"
					 "streams = 2\n"
					 "[global]\n"
					 "streams = 1\n"
					 "nodelay = yes\n"
					 "[program *net]\n"
					 "streams = 3\n"
					 "rto_max = 9000\n"
					 "[program xinetd]\n"
					 "ports = 13, 7\n"
					 "[program tel?et]\n"
					 "rto_max = 8000\n"
					 "[program [st]sh]\n"
					 "engine = kernel\n";

static void test_program_exact(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c, programs_text, "xinetd");
	assert_int_equal(c.streams, 1);
	assert_true(c.nodelay);
	assert_true(wsconf_port_converted(&c, 13));
	assert_false(wsconf_port_converted(&c, 22));
	assert_string_equal(wsconf_origin(&c, "ports"), "t.conf:10");
	/* The program's path: its base name is what matches. */
	parse_ok(&c, programs_text, "/usr/sbin/xinetd");
	assert_false(wsconf_port_converted(&c, 22));
	/* Names are case-sensitive, as file names are. */
	parse_ok(&c, programs_text, "XINETD");
	assert_true(wsconf_port_converted(&c, 22));
}

static void test_program_glob(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c, programs_text, "ssh");
	assert_int_equal(c.engine, WSCONF_ENGINE_KERNEL);
	parse_ok(&c, programs_text, "tsh");
	assert_int_equal(c.engine, WSCONF_ENGINE_KERNEL);
	parse_ok(&c, programs_text, "bsh");
	assert_int_equal(c.engine, WSCONF_ENGINE_AUTO);
	parse_ok(&c, programs_text, "/bin/kubenet");
	assert_int_equal(c.streams, 3);
	assert_int_equal(c.rto_max, 9000);
}

static void test_program_order(void **state)
{
	wsconf c;
	(void)state;

	/* [program telnet] comes first in the file but still beats the
	 * [global] after it; the three matching sections apply in file
	 * order, so the last one sets rto_max. */
	parse_ok(&c, programs_text, "/usr/bin/telnet");
	assert_int_equal(c.streams, 3);
	assert_string_equal(wsconf_origin(&c, "streams"), "t.conf:7");
	assert_int_equal(c.rto_max, 8000);
	assert_true(c.nodelay);
	parse_ok(&c, programs_text, "cat");
	assert_int_equal(c.streams, 1);
	assert_int_equal(c.rto_max, 60000);
	/* No program (or an empty name): only [global]. */
	parse_ok(&c, programs_text, NULL);
	assert_int_equal(c.streams, 1);
	parse_ok(&c, programs_text, "");
	assert_int_equal(c.streams, 1);
	parse_ok(&c, programs_text, "/usr/bin/");
	assert_int_equal(c.streams, 1);
}

static void test_program_errors_always_checked(void **state)
{
	(void)state;

	parse_err(
	    "[program other]\nstreams = 0\n", "telnet",
	    "t.conf:2: streams: '0' is not a number of streams (1-65535)");
	/* A bad line after good ones changes nothing at all. */
	parse_err("streams = 4\n[program telnet]\nrto_max = 5\nports = x\n",
		  "telnet",
		  "t.conf:4: ports: 'x' is not a port, a range (FIRST-LAST), "
		  "'all' or 'none'");
}

/* ---- ports ---- */

static void test_ports_lists(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c, "ports = 13", NULL);
	assert_ports(&c, "13");
	assert_false(wsconf_port_converted(&c, 0));
	assert_false(wsconf_port_converted(&c, 12));
	assert_true(wsconf_port_converted(&c, 13));
	assert_false(wsconf_port_converted(&c, 14));
	parse_ok(&c, "ports = 8000-8080,13 ,\t7,,65535", NULL);
	assert_ports(&c, "7, 13, 8000-8080, 65535");
	assert_true(wsconf_port_converted(&c, 8000));
	assert_true(wsconf_port_converted(&c, 8080));
	assert_false(wsconf_port_converted(&c, 8081));
	assert_true(wsconf_port_converted(&c, 65535));
	/* Overlapping and repeated items unite. */
	parse_ok(&c, "ports = 10-20 15-30 30 1-1 1", NULL);
	assert_ports(&c, "1, 10-30");
	parse_ok(&c, "ports = 1-65535", NULL);
	assert_ports(&c, "1-65535");
	assert_false(wsconf_port_converted(&c, 0));
	parse_ok(&c, "ports = ALL", NULL);
	assert_ports(&c, "all");
	assert_true(wsconf_port_converted(&c, 0));
	parse_ok(&c, "ports = none", NULL);
	assert_ports(&c, "none");
	for (unsigned p = 0; p <= 65535; p++)
		assert_false(wsconf_port_converted(&c, (uint16_t)p));
}

static void test_ports_exclusions(void **state)
{
	wsconf c;
	(void)state;

	parse_ok(&c, "ports = 1-65535, !22, !53", NULL);
	assert_ports(&c, "1-21, 23-52, 54-65535");
	assert_false(wsconf_port_converted(&c, 22));
	assert_false(wsconf_port_converted(&c, 53));
	assert_true(wsconf_port_converted(&c, 23));
	/* Order does not matter: exclusions win over inclusions. */
	parse_ok(&c, "ports = !8022 8000-8100 !8050-8060 8055", NULL);
	assert_ports(&c, "8000-8021, 8023-8049, 8061-8100");
	/* Exclusions alone apply to "all", port 0 included. */
	parse_ok(&c, "ports = !22", NULL);
	assert_ports(&c, "all, !22");
	assert_true(wsconf_port_converted(&c, 0));
	assert_false(wsconf_port_converted(&c, 22));
	parse_ok(&c, "ports = all !1-1023 !65535", NULL);
	assert_ports(&c, "all, !1-1023, !65535");
	assert_true(wsconf_port_converted(&c, 1024));
	assert_false(wsconf_port_converted(&c, 1));
	parse_ok(&c, "ports = !1-65535", NULL);
	assert_ports(&c, "all, !1-65535");
	assert_true(wsconf_port_converted(&c, 0));
	assert_false(wsconf_port_converted(&c, 80));
	parse_ok(&c, "ports = 13, !13", NULL);
	assert_ports(&c, "none");
}

/* When the shim may convert a socket as it is made (before its port is
 * known): only when no port is left out.  Exclusions, with "all" or alone,
 * must wait for the port, or they would never apply (issue 9). */
static void test_ports_every(void **state)
{
	static const char *const early[] = {"all", "ALL", "all, 1-10",
					    "1-10 all"};
	static const char *const late[] = {
	    "all, !22", "all,!22",	     "!22",
	    "!22, !53", "1-65535, !22, !53", "all !1-1023",
	    "!1-65535", "1-65535",	     "13",
	    "none"};
	wsconf c;
	(void)state;

	wsconf_defaults(&c);
	assert_true(wsconf_ports_every(&c));
	for (size_t i = 0; i < sizeof(early) / sizeof(early[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "ports = %s", early[i]);
		parse_ok(&c, line, NULL);
		assert_true(wsconf_ports_every(&c));
	}
	for (size_t i = 0; i < sizeof(late) / sizeof(late[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "ports = %s", late[i]);
		parse_ok(&c, line, NULL);
		assert_false(wsconf_ports_every(&c));
	}
	/* The man pages' example, written as exclusions alone, means
	 * "everything but ssh and dns", sockets with no port yet included. */
	parse_ok(&c, "ports = !22, !53", NULL);
	assert_ports(&c, "all, !22, !53");
	assert_false(wsconf_port_converted(&c, 22));
	assert_false(wsconf_port_converted(&c, 53));
	assert_true(wsconf_port_converted(&c, 0));
	assert_true(wsconf_port_converted(&c, 21));
	assert_true(wsconf_port_converted(&c, 80));
	/* The launcher's -p 'all,!P' and the environment give the same. */
	const char *env[] = {"WITHSCTP_PORTS=all,!8022", NULL};
	assert_int_equal(load(&c, "/nonexistent", env, NULL, 0, "x"), 0);
	assert_false(wsconf_ports_every(&c));
	assert_false(wsconf_port_converted(&c, 8022));
	assert_true(wsconf_port_converted(&c, 8023));
	const char *opt[] = {"ports=!8022"};
	assert_int_equal(load(&c, "/nonexistent", NULL, opt, 1, "x"), 0);
	assert_false(wsconf_ports_every(&c));
	assert_false(wsconf_port_converted(&c, 8022));
}

static void test_ports_bad(void **state)
{
	static const char *const cases[][2] = {
	    {"0", "'0' is not a port (1-65535)"},
	    {"65536", "'65536' is not a port (1-65535)"},
	    {"123456", "'123456' is not a port (1-65535)"},
	    {"13, 0-5", "'0' is not a port (1-65535)"},
	    {"5-70000", "'70000' is not a port (1-65535)"},
	    {"!0", "'0' is not a port (1-65535)"},
	    {"9000-8000", "'9000-8000' is not a range (9000 is above 8000)"},
	    {"!9000-8000", "'9000-8000' is not a range (9000 is above 8000)"},
	    {"http",
	     "'http' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"8000 - 8080",
	     "'-' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"1-2-3",
	     "'1-2-3' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"-5", "'-5' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"5-", "'5-' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"!", "'!' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"!all",
	     "'!all' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"+13",
	     "'+13' is not a port, a range (FIRST-LAST), 'all' or 'none'"},
	    {"none, 13", "'none' cannot be combined with other items"},
	    {"none !22", "'none' cannot be combined with other items"},
	    {", ,", "no ports given (use 'all', 'none' or a list such as '13, "
		    "8000-8080, !8022')"},
	};
	char line[128], want[256];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "ports = %s", cases[i][0]);
		snprintf(want, sizeof(want), "t.conf:1: ports: %s",
			 cases[i][1]);
		parse_err(line, NULL, want);
	}
	parse_err("ports =", NULL, "t.conf:1: ports: no value given");
}

/* ---- the RTO rule ---- */

static void test_rto_consistency(void **state)
{
	const char *env[] = {"WITHSCTP_RTO_MIN=2000", NULL};
	const char *opt[] = {"rto_initial=500"};
	char sys[128];
	wsconf c, before;
	(void)state;

	/* Each value alone is valid; the merged result is not. */
	wsconf_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(
	    load(&c, in_dir(sys, sizeof(sys), "none"), env, NULL, 0, NULL), -1);
	assert_string_equal(err, "rto_min (2000, from WITHSCTP_RTO_MIN) is "
				 "above rto_initial (1000, the default): "
				 "rto_min <= rto_initial <= rto_max must hold");
	assert_true(wsconf_equal(&c, &before));
	assert_int_equal(load(&c, sys, NULL, opt, 1, NULL), -1);
	assert_string_equal(err, "rto_min (1000, the default) is above "
				 "rto_initial (500, from option rto_initial): "
				 "rto_min <= rto_initial <= rto_max must hold");
	write_file(in_dir(sys, sizeof(sys), "rto.conf"), "rto_max = 900\n");
	assert_int_equal(load(&c, sys, NULL, NULL, 0, NULL), -1);
	char want[512];
	snprintf(want, sizeof(want),
		 "rto_initial (1000, the default) is above rto_max (900, from "
		 "%s:1): rto_min <= rto_initial <= rto_max must hold",
		 sys);
	assert_string_equal(err, want);
	/* Fixed by a higher layer: fine. */
	const char *fix[] = {"rto_min=100", "rto_initial = 200"};
	assert_int_equal(load(&c, sys, NULL, fix, 2, NULL), 0);
	assert_int_equal(c.rto_min, 100);
	assert_int_equal(c.rto_initial, 200);
	assert_int_equal(c.rto_max, 900);
	/* Equal bounds are allowed. */
	c.rto_min = c.rto_initial = c.rto_max = 5;
	assert_int_equal(wsconf_check(&c, err, sizeof(err)), 0);
	/* A single file may hold an intermediate state. */
	parse_ok(&c, "rto_min = 5000\n", NULL);
	assert_int_equal(wsconf_check(&c, err, sizeof(err)), -1);
}

/* ---- layers ---- */

static void test_precedence(void **state)
{
	char sys[128], xdg[128], user[192], cfg[128], xdgvar[192], cfgvar[192];
	wsconf c;
	(void)state;

	in_dir(sys, sizeof(sys), "prec-sys.conf");
	in_dir(xdg, sizeof(xdg), "prec-xdg");
	mkdir(xdg, 0755);
	snprintf(user, sizeof(user), "%s/withsctp.conf", xdg);
	in_dir(cfg, sizeof(cfg), "prec-cfg.conf");
	snprintf(xdgvar, sizeof(xdgvar), "XDG_CONFIG_HOME=%s", xdg);
	snprintf(cfgvar, sizeof(cfgvar), "WITHSCTP_CONFIG=%s", cfg);
	write_file(sys, "streams = 2\nudp_port = 2\nrto_max = 2000\n"
			"heartbeat_interval = 2\nmax_in_streams = 2\n");
	write_file(user, "udp_port = 3\nrto_max = 3000\nheartbeat_interval = "
			 "3\nmax_in_streams = 3\n");
	write_file(cfg, "rto_max = 4000\nheartbeat_interval = 4\n"
			"max_in_streams = 4\n");
	const char *env[] = {xdgvar, cfgvar, "WITHSCTP_HEARTBEAT_INTERVAL=5",
			     "WITHSCTP_MAX_IN_STREAMS=5", NULL};
	const char *opt[] = {"max_in_streams=6"};

	assert_int_equal(load(&c, sys, env, opt, 1, NULL), 0);
	assert_int_equal(c.streams, 2);
	assert_int_equal(c.udp_port, 3);
	assert_int_equal(c.rto_max, 4000);
	assert_int_equal(c.heartbeat_interval, 5);
	assert_int_equal(c.max_in_streams, 6);
	assert_int_equal(c.max_init_retransmits, 8);
	char want[256];
	snprintf(want, sizeof(want), "%s:1", sys);
	assert_string_equal(wsconf_origin(&c, "streams"), want);
	snprintf(want, sizeof(want), "%s:1", user);
	assert_string_equal(wsconf_origin(&c, "udp_port"), want);
	snprintf(want, sizeof(want), "%s:1", cfg);
	assert_string_equal(wsconf_origin(&c, "rto_max"), want);
	assert_string_equal(wsconf_origin(&c, "heartbeat_interval"),
			    "WITHSCTP_HEARTBEAT_INTERVAL");
	assert_string_equal(wsconf_origin(&c, "max_in_streams"),
			    "option max_in_streams");
	assert_string_equal(wsconf_origin(&c, "engine"), "default");
	/* Peel the layers off one by one. */
	assert_int_equal(load(&c, sys, env, NULL, 0, NULL), 0);
	assert_int_equal(c.max_in_streams, 5);
	env[3] = NULL;
	assert_int_equal(load(&c, sys, env, NULL, 0, NULL), 0);
	assert_int_equal(c.max_in_streams, 4);
	env[1] = NULL;
	assert_int_equal(load(&c, sys, env, NULL, 0, NULL), 0);
	assert_int_equal(c.max_in_streams, 3);
	env[0] = NULL;
	assert_int_equal(load(&c, sys, env, NULL, 0, NULL), 0);
	assert_int_equal(c.max_in_streams, 2);
	assert_int_equal(
	    load(&c, in_dir(cfg, sizeof(cfg), "absent"), env, NULL, 0, NULL),
	    0);
	assert_int_equal(c.max_in_streams, 65535);
}

static void test_program_in_every_file(void **state)
{
	char sys[128], cfg[128], cfgvar[160];
	wsconf c;
	(void)state;

	in_dir(sys, sizeof(sys), "pf-sys.conf");
	in_dir(cfg, sizeof(cfg), "pf-cfg.conf");
	snprintf(cfgvar, sizeof(cfgvar), "WITHSCTP_CONFIG=%s", cfg);
	/* A [program] section of a lower file loses to the [global] of a
	 * higher one: precedence is by layer first, section second. */
	write_file(sys, "[program telnet]\nports = 23\nstreams = 7\n");
	write_file(cfg, "[global]\nports = 13\n");
	const char *env[] = {cfgvar, NULL};
	assert_int_equal(load(&c, sys, env, NULL, 0, "telnet"), 0);
	assert_true(wsconf_port_converted(&c, 13));
	assert_false(wsconf_port_converted(&c, 23));
	assert_int_equal(c.streams, 7);
	assert_int_equal(load(&c, sys, env, NULL, 0, "ncat"), 0);
	assert_int_equal(c.streams, 10);
}

static void test_user_file_location(void **state)
{
	char home[128], cfgdir[160], xdg[128], homevar[160], xdgvar[160],
	    sys[128];
	wsconf c;
	(void)state;

	in_dir(sys, sizeof(sys), "absent.conf");
	in_dir(home, sizeof(home), "home");
	mkdir(home, 0755);
	snprintf(cfgdir, sizeof(cfgdir), "%s/.config", home);
	mkdir(cfgdir, 0755);
	strcat(cfgdir, "/withsctp.conf");
	write_file(cfgdir, "streams = 21\n");
	in_dir(xdg, sizeof(xdg), "xdg");
	mkdir(xdg, 0755);
	snprintf(homevar, sizeof(homevar), "HOME=%s", home);
	snprintf(xdgvar, sizeof(xdgvar), "%s/withsctp.conf", xdg);
	write_file(xdgvar, "streams = 22\n");
	snprintf(xdgvar, sizeof(xdgvar), "XDG_CONFIG_HOME=%s", xdg);

	const char *home_only[] = {homevar, NULL};
	assert_int_equal(load(&c, sys, home_only, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 21);
	const char *both[] = {homevar, xdgvar, NULL};
	assert_int_equal(load(&c, sys, both, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 22);
	/* An empty or relative XDG_CONFIG_HOME is ignored (XDG spec). */
	const char *empty[] = {"XDG_CONFIG_HOME=", homevar, NULL};
	assert_int_equal(load(&c, sys, empty, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 21);
	const char *rel[] = {"XDG_CONFIG_HOME=xdg", homevar, NULL};
	assert_int_equal(load(&c, sys, rel, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 21);
	/* Neither: no user file, and no error. */
	const char *none[] = {"PATH=/bin", NULL};
	assert_int_equal(load(&c, sys, none, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 10);
	assert_int_equal(load(&c, sys, NULL, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 10);
}

static void test_missing_files(void **state)
{
	char sys[128], cfgvar[160], want[512];
	wsconf c;
	(void)state;

	in_dir(sys, sizeof(sys), "missing.conf");
	/* System and user files may be absent. */
	const char *env[] = {"XDG_CONFIG_HOME=/nonexistent/dir", NULL};
	assert_int_equal(load(&c, sys, env, NULL, 0, NULL), 0);
	/* Under a path component that is a regular file: still absent. */
	snprintf(want, sizeof(want), "%s/ordinary", dir);
	write_file(want, "");
	strcat(want, "/withsctp.conf");
	assert_int_equal(load(&c, want, env, NULL, 0, NULL), 0);
	/* The file WITHSCTP_CONFIG names must exist. */
	snprintf(cfgvar, sizeof(cfgvar), "WITHSCTP_CONFIG=%s", sys);
	const char *cfg[] = {cfgvar, NULL};
	assert_int_equal(load(&c, NULL, cfg, NULL, 0, NULL), -1);
	snprintf(want, sizeof(want),
		 "WITHSCTP_CONFIG: %s: No such file or directory", sys);
	assert_string_equal(err, want);
	const char *empty[] = {"WITHSCTP_CONFIG=", NULL};
	assert_int_equal(load(&c, sys, empty, NULL, 0, NULL), -1);
	assert_string_equal(err, "WITHSCTP_CONFIG is set but empty (unset it "
				 "or name a file)");
	/* wsconf_parse_file's own rule. */
	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_parse_file(&c, sys, NULL, false, err, sizeof(err)), 0);
	assert_int_equal(
	    wsconf_parse_file(&c, sys, NULL, true, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", sys);
	assert_string_equal(err, want);
	/* A directory where a file should be is an error, even optional. */
	assert_int_equal(
	    wsconf_parse_file(&c, dir, NULL, false, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: is a directory", dir);
	assert_string_equal(err, want);
}

static void test_unreadable_file(void **state)
{
	char path[128], want[256];
	wsconf c;
	(void)state;

	if (geteuid() == 0) {
		/* root reads anything: test the message form with a
		 * directory component instead. */
		in_dir(path, sizeof(path), "ordinary2");
		write_file(path, "");
		strcat(path, "/x.conf");
		wsconf_defaults(&c);
		assert_int_equal(
		    wsconf_parse_file(&c, path, NULL, true, err, sizeof(err)),
		    -1);
		snprintf(want, sizeof(want), "%s: Not a directory", path);
		assert_string_equal(err, want);
		return;
	}
	in_dir(path, sizeof(path), "secret.conf");
	write_file(path, "streams = 3\n");
	chmod(path, 0);
	wsconf_defaults(&c);
	/* An existing file that cannot be read is never skipped. */
	assert_int_equal(
	    wsconf_parse_file(&c, path, NULL, false, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: Permission denied", path);
	assert_string_equal(err, want);
}

static void test_size_limit(void **state)
{
	char path[128], want[256];
	wsconf c;
	(void)state;

	char *text = malloc(WSCONF_FILE_MAX + 2);
	assert_non_null(text);
	/* Exactly the limit: comment lines of 64 bytes. */
	for (size_t i = 0; i < WSCONF_FILE_MAX; i += 64) {
		memset(text + i, '#', 63);
		text[i + 63] = '\n';
	}
	memcpy(text, "streams=9\n#", 11);
	text[WSCONF_FILE_MAX] = 0;
	in_dir(path, sizeof(path), "big.conf");
	write_file(path, text);
	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_parse_file(&c, path, NULL, true, err, sizeof(err)), 0);
	assert_int_equal(c.streams, 9);
	/* One byte more. */
	text[WSCONF_FILE_MAX] = '\n';
	text[WSCONF_FILE_MAX + 1] = 0;
	write_file(path, text);
	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_parse_file(&c, path, NULL, true, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err, want);
	assert_int_equal(c.streams, 10);
	free(text);
	/* The limit holds for files whose size stat cannot tell. */
	assert_int_equal(
	    wsconf_parse_file(&c, "/dev/zero", NULL, true, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "/dev/zero: larger than 1048576 bytes");
}

static void test_file_errors_name_file_and_line(void **state)
{
	char path[128], want[256];
	wsconf c;
	(void)state;

	in_dir(path, sizeof(path), "bad.conf");
	write_file(path, "# withsctp\n\n[global]\nstreams = 4\n\n\n\n\n\n\n\n"
			 "ports = 70000\n");
	wsconf_defaults(&c);
	assert_int_equal(
	    wsconf_parse_file(&c, path, NULL, true, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
		 "%s:12: ports: '70000' is not a port (1-65535)", path);
	assert_string_equal(err, want);
	assert_int_equal(c.streams, 10);
	/* And through wsconf_load_env as the system file. */
	assert_int_equal(load(&c, path, NULL, NULL, 0, NULL), -1);
	assert_string_equal(err, want);
}

/* ---- environment and options ---- */

static void test_env(void **state)
{
	wsconf c;
	(void)state;

	const char *env[] = {"WITHSCTP_PORTS=13, 7",
			     "WITHSCTP_ENGINE= kernel ",
			     "WITHSCTP_max_in_streams=9",
			     "WITHSCTP_LOG_FILE=",
			     "WITHSCTP__SHIM_STATE=anything",
			     "HOME=/nonexistent",
			     "PORTS=1",
			     "WITHSCTPX=1",
			     "NOEQUALS",
			     NULL};
	wsconf_defaults(&c);
	assert_int_equal(wsconf_apply_env(&c, env, err, sizeof(err)), 0);
	assert_true(wsconf_port_converted(&c, 7));
	assert_false(wsconf_port_converted(&c, 8));
	assert_int_equal(c.engine, WSCONF_ENGINE_KERNEL);
	assert_int_equal(c.max_in_streams, 9);
	assert_string_equal(wsconf_origin(&c, "ports"), "WITHSCTP_PORTS");

	const char *bad[] = {"WITHSCTP_STREAMS=3", "WITHSCTP_PORTS=70000",
			     NULL};
	wsconf_defaults(&c);
	assert_int_equal(wsconf_apply_env(&c, bad, err, sizeof(err)), -1);
	assert_string_equal(err,
			    "WITHSCTP_PORTS: '70000' is not a port (1-65535)");
	assert_int_equal(c.streams, 10);
	const char *unknown[] = {"WITHSCTP_PROTS=13", NULL};
	assert_int_equal(wsconf_apply_env(&c, unknown, err, sizeof(err)), -1);
	assert_string_equal(err, "WITHSCTP_PROTS: unknown setting (did you "
				 "mean WITHSCTP_PORTS?)");
	const char *unknown2[] = {"WITHSCTP_VERBOSE=1", NULL};
	assert_int_equal(wsconf_apply_env(&c, unknown2, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "WITHSCTP_VERBOSE: unknown setting (see withsctp.conf(5))");
	const char *empty[] = {"WITHSCTP_RTO_MAX=", NULL};
	assert_int_equal(wsconf_apply_env(&c, empty, err, sizeof(err)), -1);
	assert_string_equal(err, "WITHSCTP_RTO_MAX: no value given");
	assert_int_equal(wsconf_apply_env(&c, NULL, err, sizeof(err)), 0);
}

static void test_options(void **state)
{
	wsconf c;
	(void)state;

	const char *opts[] = {"ports=13", " streams = 5 ", "log-level=info",
			      "ports = 7"};
	wsconf_defaults(&c);
	assert_int_equal(wsconf_apply_options(&c, opts, 4, err, sizeof(err)),
			 0);
	assert_false(wsconf_port_converted(&c, 13));
	assert_true(wsconf_port_converted(&c, 7));
	assert_int_equal(c.streams, 5);
	assert_int_equal(c.log_level, WSCONF_LOG_INFO);
	assert_string_equal(wsconf_origin(&c, "log_level"), "option log-level");
	opt_err("ports=70000", "option ports: '70000' is not a port (1-65535)");
	opt_err("ports", "option 'ports': expected KEY=VALUE");
	opt_err(" =13", "option ' =13': expected KEY=VALUE");
	opt_err("prots=13",
		"option prots: unknown setting (did you mean 'ports'?)");
	opt_err("engine=", "option engine: no value given");
	/* A bad later option leaves *c as it was. */
	const char *mixed[] = {"streams=3", "bogus=1"};
	wsconf_defaults(&c);
	assert_int_equal(wsconf_apply_options(&c, mixed, 2, err, sizeof(err)),
			 -1);
	assert_int_equal(c.streams, 10);
}

static void test_load_atomic(void **state)
{
	char sys[128];
	wsconf c, before;
	(void)state;

	wsconf_defaults(&c);
	c.streams = 77;
	memcpy(&before, &c, sizeof(c));
	const char *opts[] = {"streams=3", "nodelay=perhaps"};
	assert_int_equal(
	    load(&c, in_dir(sys, sizeof(sys), "absent2"), NULL, opts, 2, NULL),
	    -1);
	assert_string_equal(err, "option nodelay: 'perhaps' is not a boolean "
				 "(yes/no, true/false, on/off, 1/0)");
	assert_int_equal(memcmp(&c, &before, sizeof(c)), 0);
	/* The file layers start from the defaults, not from *c. */
	assert_int_equal(load(&c, sys, NULL, NULL, 0, NULL), 0);
	assert_int_equal(c.streams, 10);
}

/* ---- writing back ---- */

static void roundtrip(const wsconf *c, unsigned flags)
{
	int n = wsconf_format(c, flags, NULL, 0);
	char *buf = malloc((size_t)n + 1);
	wsconf d;

	assert_non_null(buf);
	assert_int_equal(wsconf_format(c, flags, buf, (size_t)n + 1), n);
	assert_int_equal(strlen(buf), n);
	/* On top of something different, to show every key is written. */
	wsconf_defaults(&d);
	assert_int_equal(wsconf_parse_string(&d,
					     "ports = 1\nstreams = 2\n"
					     "local_addresses = ::2\n"
					     "nodelay = on\nrto_min = 5\n"
					     "log_file = /x\ndaemon = /y\n"
					     "control = @z\nsndbuf = 1\n",
					     "x", NULL, err, sizeof(err)),
			 0);
	int r =
	    wsconf_parse_string(&d, buf, "formatted", NULL, err, sizeof(err));
	free(buf);
	assert_int_equal(r, 0);
	assert_true(wsconf_equal(c, &d));
}

static void test_format_roundtrip(void **state)
{
	wsconf c;
	(void)state;

	wsconf_defaults(&c);
	roundtrip(&c, 0);
	parse_ok(&c,
		 "engine = kernel\nports = all !22 !8000-8080\nstreams = 3\n"
		 "max_in_streams = 4\nlocal_addresses = 10.1.2.3 fe80::1 ::1\n"
		 "udp_port = 19899\ncontrol = /tmp/ctl\ndaemon = /opt/sctpd\n"
		 "nodelay = true\nheartbeat_interval = 0\nrto_initial = 300\n"
		 "rto_min = 200\nrto_max = 400\nmax_init_retransmits = 3\n"
		 "sndbuf = 65537\nrcvbuf = 1024M\nlog_level = error\n"
		 "log_file = /tmp/with space.log\n",
		 NULL);
	roundtrip(&c, 0);
	roundtrip(&c, WSCONF_FORMAT_ORIGINS);
	char buf[2048];
	wsconf_format(&c, 0, buf, sizeof(buf));
	assert_string_equal(buf, "[global]\n"
				 "engine = kernel\n"
				 "ports = all, !22, !8000-8080\n"
				 "streams = 3\n"
				 "max_in_streams = 4\n"
				 "local_addresses = 10.1.2.3, fe80::1, ::1\n"
				 "udp_port = 19899\n"
				 "control = /tmp/ctl\n"
				 "daemon = /opt/sctpd\n"
				 "nodelay = yes\n"
				 "heartbeat_interval = 0\n"
				 "rto_initial = 300\n"
				 "rto_min = 200\n"
				 "rto_max = 400\n"
				 "max_init_retransmits = 3\n"
				 "sndbuf = 65537\n"
				 "rcvbuf = 1024M\n"
				 "log_level = error\n"
				 "log_file = /tmp/with space.log\n");
	wsconf_format(&c, WSCONF_FORMAT_ORIGINS, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nstreams = 3  # from t.conf:3\n"));
	/* Every key and none else, as wsconf_set reads them. */
	parse_ok(&c, "sndbuf = 2048\nrcvbuf = 3M\nports = none\n", NULL);
	roundtrip(&c, WSCONF_FORMAT_ORIGINS);
	wsconf_format(&c, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nsndbuf = 2K\nrcvbuf = 3M\n"));
	assert_non_null(strstr(buf, "\nlocal_addresses = \n"));
}

static void test_format_large_ports(void **state)
{
	wsconf c;
	(void)state;

	/* Every odd port: the longest canonical ports list there is. */
	wsconf_defaults(&c);
	memset(c.ports, 0xaa, sizeof(c.ports));
	roundtrip(&c, 0);
	memset(c.ports, 0x55, sizeof(c.ports));
	roundtrip(&c, 0);
	assert_true(wsconf_port_converted(&c, 0));
	assert_false(wsconf_port_converted(&c, 1));
}

static void test_format_truncation(void **state)
{
	char small[16];
	wsconf c;
	(void)state;

	wsconf_defaults(&c);
	int n = wsconf_format(&c, 0, NULL, 0);
	assert_true(n > 100);
	memset(small, 'x', sizeof(small));
	assert_int_equal(wsconf_format(&c, 0, small, sizeof(small)), n);
	assert_string_equal(small, "[global]\nengine");
}

/* ---- the whole run ---- */

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_config.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_enum_forms),
	    cmocka_unit_test(test_bool_forms),
	    cmocka_unit_test(test_size_forms),
	    cmocka_unit_test(test_string_forms),
	    cmocka_unit_test(test_key_spelling),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_long_values),
	    cmocka_unit_test(test_bad_characters),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_bad_sections),
	    cmocka_unit_test(test_bad_syntax),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_comments_and_blanks),
	    cmocka_unit_test(test_nul_byte_in_file),
	    cmocka_unit_test(test_program_exact),
	    cmocka_unit_test(test_program_glob),
	    cmocka_unit_test(test_program_order),
	    cmocka_unit_test(test_program_errors_always_checked),
	    cmocka_unit_test(test_ports_lists),
	    cmocka_unit_test(test_ports_exclusions),
	    cmocka_unit_test(test_ports_every),
	    cmocka_unit_test(test_ports_bad),
	    cmocka_unit_test(test_rto_consistency),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_program_in_every_file),
	    cmocka_unit_test(test_user_file_location),
	    cmocka_unit_test(test_missing_files),
	    cmocka_unit_test(test_unreadable_file),
	    cmocka_unit_test(test_size_limit),
	    cmocka_unit_test(test_file_errors_name_file_and_line),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_load_atomic),
	    cmocka_unit_test(test_format_roundtrip),
	    cmocka_unit_test(test_format_large_ports),
	    cmocka_unit_test(test_format_truncation),
	};
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
