/*
 * forkwrite - two processes send large messages on one one-to-many SCTP
 * socket (forked workers sharing it), driven by native.bats.
 *
 *   forkwrite PORT COUNT SIZE
 *
 * Each of two children sends COUNT messages of SIZE bytes (more than one
 * 64 KiB piece of the channel) on the socket they inherited, to a
 * receiver in the parent; every byte of a message names its sender and
 * number.  The kernel queues a message whole under the socket lock: each
 * must arrive whole, unmixed, once.  Prints the counts; exits 0 when all
 * 2 x COUNT came intact, 1 otherwise, 2 on a setup error.
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

static unsigned char mark(int child, int i)
{
	return (unsigned char)(1 + child * 100 + i % 100);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: forkwrite PORT COUNT SIZE\n");
		return 2;
	}
	int n = atoi(argv[2]);
	size_t size = strtoul(argv[3], NULL, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(argv[1]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int r = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	int s = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (r < 0 || s < 0 || bind(r, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(r, 10) < 0 || n <= 0 || n > 100 || size < 2) {
		perror("setup");
		return 2;
	}
	unsigned char *buf = malloc(size + 4096);
	if (!buf)
		return 2;
	/* The association first, so both children use the same one. */
	if (sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) != 1 ||
	    recv(r, buf, size, 0) != 1) {
		perror("first message");
		return 2;
	}
	pid_t kid[2];
	for (int c = 0; c < 2; c++) {
		kid[c] = fork();
		if (kid[c] < 0)
			return 2;
		if (kid[c] == 0) {
			for (int i = 0; i < n; i++) {
				memset(buf, mark(c, i), size);
				if (sendto(s, buf, size, 0, (struct sockaddr *)&a,
					   sizeof(a)) != (ssize_t)size)
					_exit(2);
			}
			_exit(0);
		}
	}
	int seen[2][100] = {{0}}, whole = 0, bad = 0;
	struct pollfd p = {.fd = r, .events = POLLIN};
	while (whole + bad < 2 * n && poll(&p, 1, 5000) > 0) {
		/* One message, its pieces until MSG_EOR. */
		size_t got = 0;
		int flags = 0;
		while (!(flags & MSG_EOR) && got < size + 4096) {
			struct iovec v = {buf + got, size + 4096 - got};
			struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
			ssize_t k = recvmsg(r, &m, 0);
			if (k <= 0)
				break;
			got += (size_t)k;
			flags = m.msg_flags;
		}
		int ok = got == size && (flags & MSG_EOR);
		for (size_t j = 1; ok && j < got; j++)
			ok = buf[j] == buf[0];
		int c = (buf[0] - 1) / 100, i = (buf[0] - 1) % 100;
		if (ok && c >= 0 && c < 2 && i < n && !seen[c][i]++)
			whole++;
		else
			bad++;
	}
	int st[2];
	for (int c = 0; c < 2; c++)
		waitpid(kid[c], &st[c], 0);
	printf("%d sent, %d whole, %d mixed or cut\n", 2 * n, whole, bad);
	return whole == 2 * n && !bad && WIFEXITED(st[0]) && !WEXITSTATUS(st[0]) &&
		       WIFEXITED(st[1]) && !WEXITSTATUS(st[1])
		   ? 0
		   : 1;
}
