#!/usr/bin/env bats
# Everyday servers and their clients under withsctp, each with its stock
# configuration as far as a test allows (its own port, files in temporary
# directories): sshd with ssh and scp, PostgreSQL with psql and pgbench,
# nginx with curl, redis-server with redis-cli, git daemon with git clone.
# Every test also checks that the traffic was SCTP (captured on lo) and that
# the server opened no TCP listener on its port.  None of them uses a
# system instance of these services (tests/deps.sh keeps them stopped).
#
# Each test has its own sctpd (--allow-all: postgres runs as user postgres,
# nginx's workers as www-data, sshd's pre-auth child as sshd), on UDP port
# P1; PORT (= P2) is the service's port.
#
# Tests marked "NEEDS DAEMON BINDING" fail until sctpd lets several sockets
# bind one port on different addresses (issue 9, item 2): today a second
# bind, or the second listen, on a port gets EADDRINUSE whatever the
# addresses and IPV6_V6ONLY (sd_sock_bind, cli/sctpd/sock.c), and an
# association to [::1] reaches an AF_INET listener.

load helpers

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	PORT=$P2
	SHARED=""
	PGDATA_DIR=""
	local t
	for t in "$WITHSCTP" "$SCTPD" "$SHIM"; do
		[ -e "$t" ] || missing "$t (run make)"
	done
	for t in /usr/sbin/sshd ssh scp ssh-keygen nginx redis-server \
		redis-cli git curl setpriv dumpcap tshark ss; do
		command -v "$t" >/dev/null || missing "$t (run make deps)"
	done
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -x "$PGBIN/postgres" ] || missing "postgresql (run make deps)"
	bg sctpd 300 "$SCTPD" --foreground --control "$WITHSCTP_CONTROL" \
		--udp-port "$P1" --allow-all --log-level debug \
		--log "$WITHSCTP_LOG_FILE"
	wait_for "$WITHSCTP_LOG_FILE" "started" 10
}

# Missing tools are a failure, not a skip: `make check` installs them.
missing() {
	echo "missing: $1" >&2
	return 1
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_logs
		local f
		for f in "$SHARED"/*.log; do
			[ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; }
		done
		echo "--- sctpd.log (last lines)"
		grep -v ' debug: ' "$WITHSCTP_LOG_FILE" | tail -20
	fi
	if [ -n "$PGDATA_DIR" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
		as_postgres timeout 20 "$PGBIN/pg_ctl" -D "$PGDATA_DIR" \
			-m immediate -w -t 10 stop >/dev/null 2>&1
		local pid
		pid=$(head -1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	fi
	kill_all
	ws_stop
	[ -n "$SHARED" ] && rm -rf "$SHARED"
	return 0
}

# shared_dir: a directory other users may read (the test's own is 0700),
# for the programs that drop privileges.  Removed by teardown.
shared_dir() {
	SHARED=$(mktemp -d /tmp/withsctp-programs.XXXXXX)
	chmod 755 "$SHARED"
}

as_postgres() {
	setpriv --reuid=postgres --regid=postgres --init-groups \
		env HOME="$SHARED" XDG_CONFIG_HOME=/nonexistent "$@"
}

# sctp_carried PORT [MIN_DATA]: the capture holds an INIT to SCTP port PORT
# and DATA both ways (at least MIN_DATA packets from PORT).
sctp_carried() {
	local port=$1 min=${2:-1} inits to from
	capture_stop
	inits=$(count_packets "sctp.dstport == $port && sctp.chunk_type == 1")
	to=$(count_packets "sctp.dstport == $port && sctp.chunk_type == 0")
	from=$(count_packets "sctp.srcport == $port && sctp.chunk_type == 0")
	echo "SCTP on port $port: $inits INIT, $to packets with DATA to it, $from from it"
	[ "$inits" -ge 1 ]
	[ "$to" -ge 1 ]
	[ "$from" -ge "$min" ]
}

# no_tcp_listener PORT: nothing listens on TCP PORT (the server's sockets
# were all converted).
no_tcp_listener() {
	local l
	l=$(ss -Hltn "sport = :$1")
	if [ -n "$l" ]; then
		echo "a TCP listener on port $1: $l" >&2
		return 1
	fi
}

# sctp_listener ADDR:PORT: sctpd lists a listener on exactly that address
# ("0.0.0.0:22", "[::]:22", "127.0.0.1:80", "[::1]:80").
sctp_listener() {
	"$BUILD/bin/sctpstat" -l -n 2>/dev/null | awk '{print $3}' |
		grep -qxF "$1"
}

# ---- sshd ----

# sshd_start: sshd under withsctp with Debian's stock sshd_config on PORT,
# a throwaway host key and root's key in $T.  No ListenAddress: as stock,
# it listens on 0.0.0.0 and ::.  Privilege separation is always on in
# OpenSSH (the pre-auth child runs chrooted in /run/sshd as user sshd).
sshd_start() {
	ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$T/id_ed25519"
	cp "$T/id_ed25519.pub" "$T/authorized_keys"
	{
		echo "[127.0.0.1]:$PORT $(cat "$T/host_key.pub")"
		echo "[::1]:$PORT $(cat "$T/host_key.pub")"
	} >"$T/known_hosts"
	# Debian's /etc/ssh/sshd_config, less its Include of sshd_config.d
	# (local drop-ins are not stock), plus what a test needs: port, keys,
	# pid file, and StrictModes off since the key lies under /tmp, which
	# is world-writable.
	cat >"$T/sshd_config" <<-EOF
		Port $PORT
		HostKey $T/host_key
		PidFile $T/sshd.pid
		AuthorizedKeysFile $T/authorized_keys
		StrictModes no
		KbdInteractiveAuthentication no
		UsePAM yes
		X11Forwarding yes
		PrintMotd no
		AcceptEnv LANG LC_*
		Subsystem sftp /usr/lib/openssh/sftp-server
	EOF
	# The privilege separation directory, as Debian's unit makes it.
	mkdir -p /run/sshd
	chmod 755 /run/sshd
	bg sshd 120 "$WITHSCTP" /usr/sbin/sshd -D -e -f "$T/sshd_config"
	ws_wait_listen "$PORT"
}

ssh_opts() {
	SSH_OPTS=(-i "$T/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes
		-o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$T/known_hosts"
		-o ConnectTimeout=10)
}

@test "sshd: ssh runs a remote command and scp copies 20 MB both ways over 127.0.0.1, with privilege separation" {
	sshd_start
	ssh_opts
	capture_start 256 "$P1"
	no_tcp_listener "$PORT"

	run timeout 30 "$WITHSCTP" ssh -p "$PORT" "${SSH_OPTS[@]}" \
		root@127.0.0.1 'echo "sum=$((6 * 7)) user=$(id -un)"'
	echo "ssh: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "sum=42 user=root" ]

	# After the banners, the pre-auth child (user sshd, chrooted in
	# /run/sshd, seccomp sandbox) serves the connection until
	# authentication: catch it while a client that sent only its banner
	# waits.
	bg banner 20 sh -c '{ printf "SSH-2.0-probe\r\n"; sleep 15; } |
		"$1" socat - "TCP:127.0.0.1:$2"' sh "$WITHSCTP" "$PORT"
	wait_for "$T/banner.out" "^SSH-2.0-OpenSSH" 10
	wait_until 5 "sshd's pre-auth child as user sshd" \
		eval 'ps -o user= -C sshd | grep -qx sshd'
	kill "$(cat "$T/banner.pid")" 2>/dev/null

	head -c 20M /dev/urandom >"$T/big"
	want=$(sha256sum <"$T/big" | cut -d' ' -f1)
	timeout 60 "$WITHSCTP" scp -q -P "$PORT" "${SSH_OPTS[@]}" "$T/big" \
		"root@127.0.0.1:$T/big.up"
	[ "$(sha256sum <"$T/big.up" | cut -d' ' -f1)" = "$want" ]
	timeout 60 "$WITHSCTP" scp -q -P "$PORT" "${SSH_OPTS[@]}" \
		"root@127.0.0.1:$T/big" "$T/big.down"
	[ "$(sha256sum <"$T/big.down" | cut -d' ' -f1)" = "$want" ]
	echo "scp: 20 MB up and down, sha256 $want"

	no_tcp_listener "$PORT"
	sctp_carried "$PORT" 100
	! grep -q 'IP opts' "$T/sshd.err"
}

# NEEDS DAEMON BINDING: sshd's second listener, on [::]:PORT, gets
# EADDRINUSE ("Bind to port PORT on :: failed: Address already in use").
@test "sshd: listens on 0.0.0.0 and :: as stock, and ssh reaches it over [::1]" {
	sshd_start
	ssh_opts
	capture_start 256 "$P1"
	wait_until 5 "sshd's listener on [::]:$PORT" sctp_listener "[::]:$PORT"
	sctp_listener "0.0.0.0:$PORT"
	run timeout 30 "$WITHSCTP" ssh -p "$PORT" "${SSH_OPTS[@]}" root@::1 \
		'echo over-ipv6'
	echo "ssh: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "over-ipv6" ]
	! grep -i 'failed\|cannot bind' "$T/sshd.err" || false
	no_tcp_listener "$PORT"
	sctp_carried "$PORT"
}

# ---- PostgreSQL ----

# pg_start [LISTEN_ADDRESSES]: initdb in a temporary directory as user
# postgres, then pg_ctl start under withsctp on PORT with the generated
# postgresql.conf (listen_addresses stays the stock 'localhost' unless
# given), its Unix socket in the same directory.
pg_start() {
	shared_dir
	PGDATA_DIR="$SHARED/data"
	chown postgres: "$SHARED"
	# trust: no password to hand around (Debian's clusters use peer and
	# scram-sha-256; authentication is not what is tested).
	as_postgres timeout 60 "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres \
		--auth=trust >"$T/initdb.out" 2>&1
	if [ -n "${1:-}" ]; then
		echo "listen_addresses = '$1'" >>"$PGDATA_DIR/postgresql.conf"
	fi
	as_postgres timeout 60 "$WITHSCTP" "$PGBIN/pg_ctl" -D "$PGDATA_DIR" \
		-l "$SHARED/postgres.log" -o "-p $PORT -k $SHARED" -w -t 30 \
		start >"$T/pg_ctl.out" 2>&1
	cat "$T/pg_ctl.out"
	grep -q 'database system is ready to accept connections' \
		"$SHARED/postgres.log"
}

psql_ws() {
	timeout 30 "$WITHSCTP" "$PGBIN/psql" -X -p "$PORT" -U postgres \
		-v ON_ERROR_STOP=1 -At "$@"
}

@test "PostgreSQL: pg_ctl start under withsctp serves psql and a 10 s pgbench run over 127.0.0.1" {
	pg_start
	capture_start 256 "$P1"
	no_tcp_listener "$PORT"
	run psql_ws -h 127.0.0.1 -c 'select 6 * 7' -c 'show port'
	echo "psql: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "42
$PORT" ]

	timeout 120 "$WITHSCTP" "$PGBIN/pgbench" -i -h 127.0.0.1 -p "$PORT" \
		-U postgres postgres >"$T/pgbench-init.out" 2>&1
	grep -q '^done in' "$T/pgbench-init.out"
	timeout 60 "$WITHSCTP" "$PGBIN/pgbench" -h 127.0.0.1 -p "$PORT" \
		-U postgres -c 4 -j 2 -T 10 postgres >"$T/pgbench.out" 2>&1
	cat "$T/pgbench.out"
	grep -q '^number of failed transactions: 0 ' "$T/pgbench.out"
	grep -Eq '^number of transactions actually processed: [1-9][0-9]*$' \
		"$T/pgbench.out"
	grep '^tps = ' "$T/pgbench.out" | sed 's/^/# pgbench: /' >&3
	! grep -Eq 'ERROR|FATAL|PANIC' "$SHARED/postgres.log" || false

	no_tcp_listener "$PORT"
	sctp_carried "$PORT" 100
}

# NEEDS DAEMON BINDING: the listener on ::1 gets EADDRINUSE once the one on
# 127.0.0.1 exists (postgres logs "could not bind IPv6 address "::1":
# Address already in use" and goes on with 127.0.0.1 alone).
@test "PostgreSQL: listen_addresses 'localhost' listens on 127.0.0.1 and ::1, psql over both" {
	# On Debian's stock /etc/hosts, localhost is 127.0.0.1 and ::1; a host
	# whose /etc/hosts lacks ::1 (some containers) gets what it means.
	local la=""
	getent ahosts localhost | grep -q '^::1 ' || la="127.0.0.1, ::1"
	pg_start "$la"
	capture_start 256 "$P1"
	grep 'listening on' "$SHARED/postgres.log"
	grep -q 'listening on IPv4 address "127.0.0.1", port '"$PORT" \
		"$SHARED/postgres.log"
	grep -q 'listening on IPv6 address "::1", port '"$PORT" \
		"$SHARED/postgres.log"
	! grep 'could not' "$SHARED/postgres.log" || false
	sctp_listener "127.0.0.1:$PORT"
	sctp_listener "[::1]:$PORT"
	run psql_ws -h 127.0.0.1 -c 'select inet_server_addr()'
	echo "psql over 127.0.0.1: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "127.0.0.1" ]
	run psql_ws -h ::1 -c 'select inet_server_addr()'
	echo "psql over ::1: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "::1" ]
	no_tcp_listener "$PORT"
	sctp_carried "$PORT"
}

# ---- nginx ----

# NEEDS DAEMON BINDING: nginx binds and listens 0.0.0.0:PORT, then binds
# [::]:PORT with IPV6_V6ONLY, which gets EADDRINUSE: nginx retries five
# times and exits ("still could not bind()").
@test "nginx: stock dual-stack listen lines; curl fetches a file over 127.0.0.1 and [::1]" {
	shared_dir
	mkdir "$SHARED/www"
	head -c 5M /dev/urandom >"$SHARED/www/file"
	chmod -R a+rX "$SHARED/www"
	want=$(sha256sum <"$SHARED/www/file" | cut -d' ' -f1)
	# Debian's nginx.conf and sites-available/default reduced to one
	# server, with its stock listen lines on PORT and the files in
	# $SHARED; workers as www-data with sendfile, as stock.
	cat >"$T/nginx.conf" <<-EOF
		user www-data;
		worker_processes 2;
		daemon off;
		pid $SHARED/nginx.pid;
		error_log $SHARED/error.log info;
		events {
			worker_connections 768;
		}
		http {
			sendfile on;
			tcp_nopush on;
			include /etc/nginx/mime.types;
			default_type application/octet-stream;
			access_log $SHARED/access.log;
			server {
				listen $PORT default_server;
				listen [::]:$PORT default_server;
				root $SHARED/www;
			}
		}
	EOF
	bg nginx 120 "$WITHSCTP" nginx -c "$T/nginx.conf" -e "$SHARED/error.log"
	wait_until 5 "nginx's listener on 0.0.0.0:$PORT" \
		sctp_listener "0.0.0.0:$PORT"
	wait_until 5 "nginx's listener on [::]:$PORT" sctp_listener "[::]:$PORT"
	capture_start 256 "$P1"
	local addr
	for addr in 127.0.0.1 '[::1]'; do
		timeout 30 "$WITHSCTP" curl -sS --fail -o "$T/got" \
			"http://$addr:$PORT/file"
		got=$(sha256sum <"$T/got" | cut -d' ' -f1)
		echo "curl over $addr: sha256 $got"
		[ "$got" = "$want" ]
		rm -f "$T/got"
	done
	! grep -E '\[(emerg|alert|crit)\]' "$SHARED/error.log" || false
	no_tcp_listener "$PORT"
	sctp_carried "$PORT" 50
}

# ---- redis ----

# NEEDS DAEMON BINDING: with its default `bind * -::*`, redis binds
# 0.0.0.0:PORT, then [::]:PORT (IPV6_V6ONLY), which gets EADDRINUSE: fatal
# ("Could not create server TCP listening socket ::*:PORT: bind: Address
# already in use").
@test "redis-server: default bind * -::*, redis-cli SET and GET over 127.0.0.1 and ::1" {
	# No configuration file: redis's built-in defaults (Debian's
	# redis.conf binds 127.0.0.1 -::1 instead), no persistence.
	bg redis 60 "$WITHSCTP" redis-server --port "$PORT" --save '' \
		--appendonly no --dir "$T"
	ws_wait_listen "$PORT"
	capture_start 256 "$P1"
	run timeout 10 "$WITHSCTP" redis-cli -p "$PORT" CONFIG GET bind
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "bind
* -::*" ]
	run timeout 10 "$WITHSCTP" redis-cli -h 127.0.0.1 -p "$PORT" SET key "value over 127.0.0.1"
	[ "$output" = "OK" ]
	run timeout 10 "$WITHSCTP" redis-cli -h 127.0.0.1 -p "$PORT" GET key
	[ "$output" = "value over 127.0.0.1" ]
	run timeout 10 "$WITHSCTP" redis-cli -h ::1 -p "$PORT" SET key6 "value over ::1"
	echo "$output"
	[ "$output" = "OK" ]
	run timeout 10 "$WITHSCTP" redis-cli -h ::1 -p "$PORT" GET key6
	[ "$output" = "value over ::1" ]
	sctp_listener "0.0.0.0:$PORT"
	sctp_listener "[::]:$PORT"
	no_tcp_listener "$PORT"
	sctp_carried "$PORT"
}

# ---- git daemon ----

# NEEDS DAEMON BINDING: the second --listen (::1) gets EADDRINUSE ("Could
# not bind to ::1: Address already in use"), and the clone over [::1]
# then reaches the 127.0.0.1 listener, which accept() reports as coming
# from [::1] on an AF_INET socket.
@test "git daemon: two --listen addresses, git clone over 127.0.0.1 and [::1]" {
	git init -q --bare "$T/repo.git"
	git init -q "$T/work"
	echo "over sctp" >"$T/work/README"
	git -C "$T/work" add README
	git -C "$T/work" -c user.name=test -c user.email=test@example.org \
		commit -qm first
	git -C "$T/work" push -q "$T/repo.git" HEAD:refs/heads/main
	git -C "$T/repo.git" symbolic-ref HEAD refs/heads/main
	head=$(git -C "$T/repo.git" rev-parse HEAD)
	bg gitd 60 "$WITHSCTP" git daemon --export-all --base-path="$T" \
		--listen=127.0.0.1 --listen=::1 --port="$PORT" --verbose
	wait_for "$T/gitd.err" "Ready to rumble" 10
	capture_start 256 "$P1"
	timeout 30 "$WITHSCTP" git clone -q "git://127.0.0.1:$PORT/repo.git" \
		"$T/clone4"
	[ "$(git -C "$T/clone4" rev-parse HEAD)" = "$head" ]
	timeout 30 "$WITHSCTP" git clone -q "git://[::1]:$PORT/repo.git" \
		"$T/clone6"
	[ "$(git -C "$T/clone6" rev-parse HEAD)" = "$head" ]
	[ "$(cat "$T/clone6/README")" = "over sctp" ]
	sctp_listener "127.0.0.1:$PORT"
	sctp_listener "[::1]:$PORT"
	! grep -i 'could not\|unable' "$T/gitd.err" || false
	no_tcp_listener "$PORT"
	sctp_carried "$PORT"
}
