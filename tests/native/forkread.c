/*
 * forkread - two processes read one one-to-many SCTP socket (forked
 * workers, as Kamailio's SCTP receivers do), driven by native.bats.
 *
 *   forkread PORT COUNT BUFSIZE
 *
 * A client sends COUNT numbered 400-byte messages to the socket; each
 * reader (receive buffer BUFSIZE bytes) reports the numbers it read over a
 * pipe.  The kernel dequeues each message under the socket lock: every
 * message is read exactly once, whole.  Prints the counts; exits 0 when
 * nothing was lost, duplicated or cut, 1 otherwise, 2 on a setup error.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG 400

static void reader(int s, int out, size_t cap)
{
	char *buf = malloc(cap);
	if (!buf)
		_exit(2);
	for (;;) {
		struct iovec v = {buf, cap};
		struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
		ssize_t r = recvmsg(s, &m, 0);
		if (r < 0)
			_exit(2);
		if (m.msg_flags & MSG_NOTIFICATION)
			continue;
		int k = -1;
		/* A message cut or read in pieces counts as lost (-1). */
		if (r == MSG && (m.msg_flags & MSG_EOR))
			sscanf(buf, "msg %d", &k);
		if (write(out, &k, sizeof(k)) != sizeof(k))
			_exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: forkread PORT COUNT BUFSIZE\n");
		return 2;
	}
	int n = atoi(argv[2]);
	size_t cap = strtoul(argv[3], NULL, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(argv[1]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int s = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 10) < 0 || n <= 0 || cap < MSG) {
		perror("server");
		return 2;
	}
	int p[2];
	if (pipe(p) < 0)
		return 2;
	pid_t kid[2];
	for (int i = 0; i < 2; i++) {
		kid[i] = fork();
		if (kid[i] < 0)
			return 2;
		if (kid[i] == 0) {
			close(p[0]);
			reader(s, p[1], cap);
		}
	}
	close(p[1]);
	int c = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	char msg[MSG];
	for (int i = 0; i < n; i++) {
		memset(msg, 'x', sizeof(msg));
		snprintf(msg, sizeof(msg), "msg %d", i);
		if (sendto(c, msg, sizeof(msg), 0, (struct sockaddr *)&a,
			   sizeof(a)) != sizeof(msg)) {
			perror("sendto");
			return 2;
		}
	}
	int *seen = calloc((size_t)n, sizeof(int)), reads = 0, cut = 0, k;
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	/* Until every message is in, or 3 s bring nothing more. */
	while (reads < 2 * n && poll(&pf, 1, 3000) > 0 &&
	       read(p[0], &k, sizeof(k)) == sizeof(k)) {
		reads++;
		if (k >= 0 && k < n)
			seen[k]++;
		else
			cut++;
		if (reads >= n) {
			/* One more look for duplicates, briefly. */
			pf.revents = 0;
			if (poll(&pf, 1, 300) <= 0)
				break;
		}
	}
	int lost = 0, dup = 0;
	for (int i = 0; i < n; i++) {
		lost += seen[i] == 0;
		dup += seen[i] > 1 ? seen[i] - 1 : 0;
	}
	printf("buffer %zu: %d sent, %d reads, %d lost, %d duplicated, %d cut\n",
	       cap, n, reads, lost, dup, cut);
	for (int i = 0; i < 2; i++) {
		kill(kid[i], SIGKILL);
		waitpid(kid[i], NULL, 0);
	}
	return lost || dup || cut ? 1 : 0;
}
