/*
 * bigmsg.c - a main around the seed function read_sctp_msg()
 * (tests/seeds/read_sctp_msg.c, included unmodified): a message larger
 * than the receive buffer, read with sctp_recvmsg() until MSG_EOR.
 *
 *   bigmsg server PORT [many]   prints "got BYTES bytes, sum SUM"
 *   bigmsg client PORT BYTES    prints "sent BYTES bytes, sum SUM"
 *
 * The server shrinks its receive buffer (SO_RCVBUF 8 KiB) so that the
 * message arrives in many pieces; the client grows its send buffer so
 * that one send may take the whole message (sctp_sendmsg's EMSGSIZE).
 */
#include "../seeds/read_sctp_msg.c"

#include <arpa/inet.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

/* read_sctp_msg() hands its uninitialised `flags` to sctp_recvmsg() as
 * the recvmsg flags of its first read (a bug of the seed, kept as it is):
 * whatever the stack held there decides whether that read may wait
 * (MSG_DONTWAIT) or fails (MSG_ERRQUEUE), on a kernel as here.  Zeroing
 * the stack read_sctp_msg() is about to use makes the run the same every
 * time; mk/native.mk builds this file with -O0 so that frames stay as
 * written. */
static void __attribute__((noinline)) clear_stack(void)
{
	volatile char pad[8192];
	memset((char *)pad, 0, sizeof(pad));
}

static unsigned long sum(const uint8_t *b, size_t n)
{
	unsigned long s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + b[i];
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 4 && !(argc == 3 && !strcmp(argv[1], "server"))) {
		fprintf(stderr, "usage: bigmsg server PORT [many] | client PORT BYTES\n");
		return 2;
	}
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)atoi(argv[2]))};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!strcmp(argv[1], "server")) {
		int many = argc > 3 && !strcmp(argv[3], "many");
		int l = socket(AF_INET, many ? SOCK_SEQPACKET : SOCK_STREAM,
			       IPPROTO_SCTP);
		int small = 8192;
		if (l < 0 ||
		    setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) ||
		    bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 5)) {
			perror("bigmsg server");
			return 1;
		}
		printf("listening\n");
		fflush(stdout);
		int fd = many ? l : accept(l, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		/* read_sctp_msg() passes its uninitialised `flags` to
		 * sctp_recvmsg() as the recvmsg flags of its first read (a
		 * bug of the seed, kept): start it once the message is there,
		 * so that a stray MSG_DONTWAIT finds it. */
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 20000) != 1) {
			fprintf(stderr, "bigmsg: nothing arrived\n");
			return 1;
		}
		uint8_t *msg;
		clear_stack();
		int n = read_sctp_msg(fd, &msg);
		if (n < 0 || !msg) {
			perror("read_sctp_msg");
			return 1;
		}
		printf("got %d bytes, sum %lu\n", n, sum(msg, (size_t)n));
		return 0;
	}
	size_t n = (size_t)atol(argv[3]);
	uint8_t *b = malloc(n);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + 13);
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	int big = 1 << 20;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big)) ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("bigmsg client");
		return 1;
	}
	if (sctp_sendmsg(fd, b, n, NULL, 0, 0, 0, 0, 0, 0) != (int)n) {
		perror("sctp_sendmsg");
		return 1;
	}
	printf("sent %zu bytes, sum %lu\n", n, sum(b, n));
	fflush(stdout);
	/* Let the message go before the association ends. */
	sleep(1);
	close(fd);
	return 0;
}
