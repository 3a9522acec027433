/*
 * interleave - SCTP_FRAGMENT_INTERLEAVE on a one-to-many socket, driven
 * by tests/bats/native.bats.
 *
 *   interleave LEVEL PORT UDP-PORT ESCTP-PEER
 *
 * A one-to-many server on 127.0.0.1:PORT with the interleave level and a
 * partial delivery point of 1000 bytes.  esctp-peer (our engine in its
 * own process, its own UDP port) sends one 4 MB message to it; once the
 * first piece is read the sender is stopped (SIGSTOP), so the rest of that
 * message cannot come.  A second association then brings a short message.
 * Level 0 (Linux's pd_lobby): nothing of the second association may be
 * read before the first message ends, which it never does here, until
 * the server aborts that association (SCTP_ABORT).  Level
 * 1: the short message is read, whole, between the pieces of the big one,
 * each piece carrying its own association id.
 *
 * Prints "second: interleaved" or "second: waits", and the pieces read of
 * the big message; exits 0 when what it saw matches the level, 1 otherwise,
 * 2 on a setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/sctp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BIG "4000000"
#define SHORT "a short message"

static pid_t peer = -1;

static void die(const char *what)
{
	perror(what);
	if (peer > 0)
		kill(peer, SIGKILL);
	exit(2);
}

/* One receive of at most `cap` bytes within ms; 0 when nothing came. */
static ssize_t rcv(int fd, char *buf, size_t cap, int ms,
		   struct sctp_sndrcvinfo *si, int *flags)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, ms);
	if (r < 0)
		die("poll");
	if (r == 0)
		return 0;
	char cbuf[CMSG_SPACE(sizeof(*si))];
	struct iovec iov = {buf, cap};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		die("recvmsg");
	memset(si, 0, sizeof(*si));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_SNDRCV)
			memcpy(si, CMSG_DATA(c), sizeof(*si));
	*flags = m.msg_flags;
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: interleave LEVEL PORT UDP-PORT "
				"ESCTP-PEER\n");
		return 2;
	}
	int level = atoi(argv[1]);
	int port = atoi(argv[2]);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	int srv = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (srv < 0)
		die("socket");
	struct sctp_event_subscribe ev = {.sctp_data_io_event = 1};
	int pd = 1000;
	if (setsockopt(srv, IPPROTO_SCTP, SCTP_EVENTS, &ev, sizeof(ev)) < 0 ||
	    setsockopt(srv, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &level,
		       sizeof(level)) < 0 ||
	    setsockopt(srv, IPPROTO_SCTP, SCTP_PARTIAL_DELIVERY_POINT, &pd,
		       sizeof(pd)) < 0)
		die("setsockopt");
	if (bind(srv, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv, 8) < 0)
		die("bind/listen");

	peer = fork();
	if (peer < 0)
		die("fork");
	if (peer == 0) {
		/* Not preloaded: esctp-peer is the engine in its own process. */
		unsetenv("LD_PRELOAD");
		execl(argv[4], argv[4], "-U", argv[3], "-l", BIG, "-n", "1",
		      "-t", "60", "client", "127.0.0.1", argv[2], "source",
		      (char *)NULL);
		_exit(127);
	}

	char buf[8192];
	struct sctp_sndrcvinfo si;
	int flags = 0;
	ssize_t n = rcv(srv, buf, sizeof(buf), 10000, &si, &flags);
	if (n <= 0) {
		fprintf(stderr, "interleave: nothing of the big message\n");
		kill(peer, SIGKILL);
		return 2;
	}
	if (flags & MSG_EOR) {
		fprintf(stderr, "interleave: the big message came whole\n");
		kill(peer, SIGKILL);
		return 2;
	}
	kill(peer, SIGSTOP);
	sctp_assoc_t big = si.sinfo_assoc_id;
	size_t big_bytes = (size_t)n;
	unsigned pieces = 1;

	int cli = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (cli < 0 || connect(cli, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	if (send(cli, SHORT, strlen(SHORT), 0) != (ssize_t)strlen(SHORT))
		die("send");

	/* Read until the short message shows, or 2 s bring nothing. */
	int seen = 0, bad = 0;
	for (int i = 0; i < 100000 && !seen; i++) {
		n = rcv(srv, buf, sizeof(buf), 2000, &si, &flags);
		if (n == 0)
			break;
		if (flags & MSG_NOTIFICATION)
			continue;
		if (si.sinfo_assoc_id == big) {
			big_bytes += (size_t)n;
			pieces++;
			if (flags & MSG_EOR)
				bad = 1; /* the big message cannot end */
			continue;
		}
		seen = 1;
		if (n != (ssize_t)strlen(SHORT) || memcmp(buf, SHORT, n) ||
		    !(flags & MSG_EOR)) {
			fprintf(stderr, "interleave: short message %zd bytes, "
					"flags %#x\n",
				n, flags);
			bad = 1;
		}
	}
	printf("second: %s\n", seen ? "interleaved" : "waits");
	printf("big message: %u pieces, %zu bytes, no end\n", pieces,
	       big_bytes);
	if (!seen) {
		/* Our own ABORT ends the big message's association: its
		 * partial delivery is over and the others come through. */
		struct sctp_sndrcvinfo ab = {.sinfo_flags = SCTP_ABORT,
					     .sinfo_assoc_id = big};
		char cbuf[CMSG_SPACE(sizeof(ab))];
		struct iovec iov = {"", 0};
		struct msghdr m = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_control = cbuf,
				   .msg_controllen = sizeof(cbuf)};
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_SCTP;
		c->cmsg_type = SCTP_SNDRCV;
		c->cmsg_len = CMSG_LEN(sizeof(ab));
		memcpy(CMSG_DATA(c), &ab, sizeof(ab));
		if (sendmsg(srv, &m, 0) < 0)
			die("sendmsg SCTP_ABORT");
		for (int i = 0; i < 100000 && !seen; i++) {
			n = rcv(srv, buf, sizeof(buf), 5000, &si, &flags);
			if (n == 0)
				break;
			if (!(flags & MSG_NOTIFICATION) &&
			    si.sinfo_assoc_id != big)
				seen = n == (ssize_t)strlen(SHORT) &&
				       !memcmp(buf, SHORT, n);
		}
		printf("second after the abort: %s\n",
		       seen ? "read" : "still waits");
		seen = seen ? 0 : 1; /* level 0 wants it read now */
	}
	kill(peer, SIGKILL);
	waitpid(peer, NULL, 0);
	close(cli);
	close(srv);
	if (bad)
		return 1;
	return seen == (level != 0) ? 0 : 1;
}
