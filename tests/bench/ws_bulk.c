/*
 * ws_bulk.c - a plain TCP program for the withsctp benchmarks: it knows
 * nothing of SCTP; tests/bench/run.sh runs it with and without withsctp.
 *
 *   ws_bulk server PORT            accept one connection, read to EOF,
 *                                  answer the byte count, print it
 *   ws_bulk client HOST PORT BYTES write BYTES, half-close, wait for the
 *                                  count: "MB/s=... bytes=... secs=..."
 *   ws_bulk acceptor PORT N        accept and close N connections
 *   ws_bulk cycles HOST PORT N     N x (connect, wait for the server's
 *                                  close, close): "cycles/s=..."
 *   ws_bulk calls N                N x UDP and AF_UNIX socket calls the
 *                                  shim does not convert: "ns/iter=..."
 *   ws_bulk cpu FILE CMD [ARGS]    run CMD, write its CPU seconds to FILE
 *
 * Every program prints "cpu=SECONDS" (user + system) of its own at exit.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_of(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec +
	       (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static void print_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu=%.3f\n", cpu_of(&ru));
}

static void die(const char *what)
{
	fprintf(stderr, "ws_bulk: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int listener(const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(port))};
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, 128) < 0)
		die("listen");
	printf("listening\n");
	fflush(stdout);
	return fd;
}

static int dial(const char *host, const char *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(port))};
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "ws_bulk: %s: not an IPv4 address\n", host);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	return fd;
}

static int do_server(char **av)
{
	int l = listener(av[0]);
	int c = accept(l, NULL, NULL);
	if (c < 0)
		die("accept");
	static char buf[CHUNK];
	uint64_t total = 0;
	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		total += (uint64_t)n;
	}
	if (write(c, &total, sizeof(total)) != (ssize_t)sizeof(total))
		die("write");
	close(c);
	close(l);
	printf("bytes=%llu\n", (unsigned long long)total);
	print_cpu();
	return 0;
}

static int do_client(char **av)
{
	uint64_t want = strtoull(av[2], NULL, 10), sent = 0, got = 0;
	static char buf[CHUNK];
	memset(buf, 'x', sizeof(buf));
	double t0 = now_s();
	int fd = dial(av[0], av[1]);
	while (sent < want) {
		size_t n = want - sent < CHUNK ? (size_t)(want - sent) : CHUNK;
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write");
		sent += (uint64_t)w;
	}
	shutdown(fd, SHUT_WR);
	if (read(fd, &got, sizeof(got)) != (ssize_t)sizeof(got))
		die("read the count");
	double secs = now_s() - t0;
	close(fd);
	if (got != want) {
		fprintf(stderr, "ws_bulk: server got %llu of %llu bytes\n",
			(unsigned long long)got, (unsigned long long)want);
		return 1;
	}
	printf("MB/s=%.1f bytes=%llu secs=%.3f\n", (double)want / secs / 1e6,
	       (unsigned long long)want, secs);
	print_cpu();
	return 0;
}

static int do_acceptor(char **av)
{
	int l = listener(av[0]);
	long n = atol(av[1]);
	for (long i = 0; i < n; i++) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			die("accept");
		close(c);
	}
	close(l);
	print_cpu();
	return 0;
}

static int do_cycles(char **av)
{
	long n = atol(av[2]);
	char b;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int fd = dial(av[0], av[1]);
		/* EOF once the server accepted and closed. */
		while (read(fd, &b, 1) < 0 && errno == EINTR)
			;
		close(fd);
	}
	double secs = now_s() - t0;
	printf("cycles/s=%.0f us/cycle=%.1f\n", (double)n / secs,
	       secs / (double)n * 1e6);
	print_cpu();
	return 0;
}

static int do_calls(char **av)
{
	long n = atol(av[0]);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_storage ss;
	socklen_t l;
	int v = 65536, sv[2];
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		if (u < 0 || bind(u, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("udp");
		l = sizeof(ss);
		getsockname(u, (struct sockaddr *)&ss, &l);
		setsockopt(u, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		l = sizeof(v);
		getsockopt(u, SOL_SOCKET, SO_RCVBUF, &v, &l);
		close(u);
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			die("socketpair");
		l = sizeof(ss);
		getsockname(sv[0], (struct sockaddr *)&ss, &l);
		l = sizeof(v);
		getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
		close(sv[0]);
		close(sv[1]);
	}
	printf("ns/iter=%.0f\n", (now_s() - t0) / (double)n * 1e9);
	return 0;
}

static int do_cpu(char **av)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execvp(av[1], av + 1);
		die(av[1]);
	}
	int st;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4");
	FILE *f = fopen(av[0], "w");
	if (f) {
		fprintf(f, "%.3f\n", cpu_of(&ru));
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*fn)(char **);
	} cmds[] = {{"server", 1, do_server},	  {"client", 3, do_client},
		    {"acceptor", 2, do_acceptor}, {"cycles", 3, do_cycles},
		    {"calls", 1, do_calls},	  {"cpu", 2, do_cpu}};

	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name) && argc - 2 >= cmds[i].nargs)
			return cmds[i].fn(argv + 2);
	fprintf(stderr, "usage: see the comment at the top of ws_bulk.c\n");
	return 2;
}
