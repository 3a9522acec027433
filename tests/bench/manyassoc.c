/*
 * manyassoc.c - message rate of small messages from many peers into one
 * socket (make bench, tests/bench/native.sh).
 *
 *   manyassoc sctp|tcp PORT SECONDS CLIENTS SIZE
 *
 * sctp: one one-to-many SCTP server socket (SOCK_SEQPACKET) and CLIENTS
 * one-to-one SCTP sockets, each sending SIZE-byte messages; tcp: a TCP
 * listener, CLIENTS connections, SIZE-byte writes (TCP coalesces them: its
 * "messages" are bytes / SIZE).  One process, non-blocking, epoll.  Prints
 * "msgs/s=N MB/s=M" for what the server read during SECONDS.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr,
			"usage: manyassoc sctp|tcp PORT SECONDS CLIENTS SIZE\n");
		return 2;
	}
	int sctp = !strcmp(argv[1], "sctp");
	int port = atoi(argv[2]), n = atoi(argv[4]);
	double secs = atof(argv[3]);
	size_t size = (size_t)atol(argv[5]);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	int l = socket(AF_INET, sctp ? SOCK_SEQPACKET : SOCK_STREAM,
		       sctp ? IPPROTO_SCTP : 0);
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, n + 16))
		die("bind/listen");
	int *c = calloc((size_t)n, sizeof(int));
	for (int i = 0; i < n; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, sctp ? IPPROTO_SCTP : 0);
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&a, sizeof(a)))
			die("connect");
	}
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = l};
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	if (!sctp)
		for (int i = 0; i < n; i++) {
			int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
			if (s < 0)
				die("accept");
			ev = (struct epoll_event){.events = EPOLLIN, .data.fd = s};
			epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
		}
	for (int i = 0; i < n; i++) {
		/* Small messages leave at once (SCTP_NODELAY 3, TCP_NODELAY
		 * 1), as a message-rate measure wants. */
		int on = 1;
		setsockopt(c[i], sctp ? IPPROTO_SCTP : IPPROTO_TCP,
			   sctp ? 3 : 1, &on, sizeof(on));
		ev = (struct epoll_event){.events = EPOLLOUT,
					  .data.u64 = (1ull << 32) |
						      (unsigned)c[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i], &ev);
	}
	char *msg = calloc(1, size), *buf = malloc(65536);
	double start = now_s(), end = start + secs;
	unsigned long long msgs = 0, bytes = 0;
	struct epoll_event evs[256];
	while (now_s() < end) {
		int k = epoll_wait(ep, evs, 256, 100);
		for (int j = 0; j < k; j++) {
			int fd = (int)(evs[j].data.u64 & 0xffffffff);
			if (evs[j].data.u64 >> 32) {
				for (int r = 0; r < 16; r++)
					if (send(fd, msg, size, MSG_DONTWAIT |
								   MSG_NOSIGNAL) < 0)
						break;
				continue;
			}
			for (int r = 0; r < 64; r++) {
				ssize_t got = recv(fd, buf, 65536, MSG_DONTWAIT);
				if (got <= 0)
					break;
				bytes += (unsigned long long)got;
				msgs++;
			}
		}
	}
	double t = now_s() - start;
	if (!sctp)
		msgs = bytes / size;
	printf("msgs/s=%.0f MB/s=%.2f\n", (double)msgs / t,
	       (double)bytes / t / 1e6);
	return 0;
}
