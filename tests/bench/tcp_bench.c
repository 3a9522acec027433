/*
 * tcp_bench.c - the TCP reference for the loopback benchmark: a child process
 * receives on 127.0.0.1 while the parent writes LEN-byte messages for SECONDS;
 * the receiver reports the payload rate from the first byte to EOF.
 * Usage: tcp_bench LEN SECONDS
 * Prints: tcp: bytes=N seconds=S MB/s=R
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static void receive(int lfd)
{
	static char buf[1 << 16];
	int fd = accept(lfd, NULL, NULL);
	unsigned long long bytes = 0;
	double start = 0;
	ssize_t n;

	if (fd < 0)
		fail("tcp_bench: accept");
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!bytes)
			start = now_s();
		bytes += (unsigned long long)n;
	}
	double s = now_s() - start;
	printf("tcp: bytes=%llu seconds=%.3f MB/s=%.1f\n", bytes, s,
	       s > 0 ? (double)bytes / s / 1e6 : 0.0);
	exit(0);
}

static void send_for(int port, size_t len, double seconds)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	char *msg = calloc(1, len);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (!msg || fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		fail("tcp_bench: connect");
	double end = now_s() + seconds;
	for (unsigned long i = 0;; i++) {
		/* Checking the clock every 64 writes keeps it off the profile.
		 */
		if (i % 64 == 0 && now_s() >= end)
			break;
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(fd, msg + off, len - off);
			if (w <= 0)
				fail("tcp_bench: write");
			off += (size_t)w;
		}
	}
	close(fd);
	free(msg);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: tcp_bench LEN SECONDS\n");
		return 2;
	}
	size_t len = (size_t)atol(argv[1]);
	double seconds = atof(argv[2]);
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	if (!len || lfd < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &sl))
		fail("tcp_bench: listen");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		fail("tcp_bench: fork");
	if (pid == 0)
		receive(lfd);
	close(lfd);
	send_for(ntohs(sin.sin_port), len, seconds);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
