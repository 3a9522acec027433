#!/usr/bin/env bats
# The kernel's SCTP socket API on native sockets (issue 11, proof 4):
# tests/shim/sctpcheck, a plain libsctp program, run under withsctp, one
# @test per sctpcheck test (one kernel behaviour each; `sctpcheck list`).
# Each test prints "ok NAME" or "FAIL NAME: what differed" and is bounded
# by its own alarm (10 s) besides `timeout` here.
#
# Ports: P1 (ports_init) is the daemon's UDP port; the SCTP ports of a test
# are TP..TP+9, inside this test's own sctpd.

load helpers

SCTPCHECK="${SCTPCHECK:-$BUILD/tests/shim/sctpcheck}"

setup() {
	ports_init
	ws_init
	T=$BATS_TEST_TMPDIR
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/ubsan"
	TP=$((29000 + ($$ % 4) * 800 + (BATS_TEST_NUMBER - 1) * 10))
	local f
	for f in "$WITHSCTP" "$SCTPD" "$SHIM" "$SCTPCHECK"; do
		[ -e "$f" ] || {
			echo "missing: $f (run make)" >&2
			return 1
		}
	done
}

teardown() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		dump_logs
		[ -f "$T/sctpd.log" ] &&
			{ echo "--- sctpd.log (last lines)"; tail -25 "$T/sctpd.log"; }
	fi
	kill_all
	ws_stop
	# A sanitizer's report fails the test, even after its checks passed.
	if ls "$T"/asan.* "$T"/ubsan.* >/dev/null 2>&1; then
		head -60 "$T"/asan.* "$T"/ubsan.* 2>/dev/null
		return 1
	fi
	return 0
}

# sc NAME: runs sctpcheck's test NAME under withsctp; passes when it says
# "ok NAME" and exits 0.
sc() {
	bg sctpcheck 30 "$WITHSCTP" "$SCTPCHECK" "$1" "$TP"
	bg_status sctpcheck
	cat "$T/sctpcheck.out"
	[ "$status" -eq 0 ]
	grep -qx "ok $1" "$T/sctpcheck.out"
}

@test "every sctpcheck test has its @test here" {
	run "$SCTPCHECK" list
	[ "$status" -eq 0 ]
	local want have
	want=$(printf '%s\n' "$output" | sort)
	have=$(sed -n 's/^@test "sctpcheck \([a-z0-9_]*\)".*/\1/p' \
		"$BATS_TEST_FILENAME" | sort)
	diff <(echo "$want") <(echo "$have")
}

# ---- socket() ----
@test "sctpcheck socket_types" { sc socket_types; }
@test "sctpcheck socket_flags" { sc socket_flags; }
@test "sctpcheck socket_opts" { sc socket_opts; }

# ---- one-to-one ----
@test "sctpcheck o2o_blocking" { sc o2o_blocking; }
@test "sctpcheck o2o_names" { sc o2o_names; }
@test "sctpcheck o2o_nonblock_connect" { sc o2o_nonblock_connect; }
@test "sctpcheck o2o_refused" { sc o2o_refused; }
@test "sctpcheck o2o_recv_enotconn" { sc o2o_recv_enotconn; }
@test "sctpcheck o2o_send_listener" { sc o2o_send_listener; }
@test "sctpcheck o2o_shut_wr" { sc o2o_shut_wr; }

# ---- one-to-many ----
@test "sctpcheck o2m_implicit" { sc o2m_implicit; }
@test "sctpcheck o2m_assoc_number" { sc o2m_assoc_number; }
@test "sctpcheck o2m_recv_enotconn" { sc o2m_recv_enotconn; }
@test "sctpcheck o2m_sendall" { sc o2m_sendall; }
@test "sctpcheck o2m_peeloff" { sc o2m_peeloff; }
@test "sctpcheck o2m_peeloff_queued" { sc o2m_peeloff_queued; }

# ---- messages ----
@test "sctpcheck msg_sinfo" { sc msg_sinfo; }
@test "sctpcheck msg_partial" { sc msg_partial; }
@test "sctpcheck msg_large" { sc msg_large; }
@test "sctpcheck msg_peek" { sc msg_peek; }
@test "sctpcheck msg_trunc" { sc msg_trunc; }
@test "sctpcheck msg_dontwait" { sc msg_dontwait; }
@test "sctpcheck msg_rcvtimeo" { sc msg_rcvtimeo; }
@test "sctpcheck msg_unordered" { sc msg_unordered; }
@test "sctpcheck msg_readwrite_o2o" { sc msg_readwrite_o2o; }
@test "sctpcheck msg_readwrite_o2m" { sc msg_readwrite_o2m; }

# ---- send errors ----
@test "sctpcheck send_eof_data" { sc send_eof_data; }
@test "sctpcheck send_zero_len" { sc send_zero_len; }
@test "sctpcheck send_eof_stream" { sc send_eof_stream; }
@test "sctpcheck send_bad_stream" { sc send_bad_stream; }
@test "sctpcheck send_unknown_assoc" { sc send_unknown_assoc; }
@test "sctpcheck send_ended_assoc" { sc send_ended_assoc; }
@test "sctpcheck send_shutdown_assoc" { sc send_shutdown_assoc; }
@test "sctpcheck send_peer_shutdown" { sc send_peer_shutdown; }
@test "sctpcheck send_o2o_peer_shutdown" { sc send_o2o_peer_shutdown; }
@test "sctpcheck send_dflt_stream" { sc send_dflt_stream; }
@test "sctpcheck cmsg_late_subscribe" { sc cmsg_late_subscribe; }
@test "sctpcheck send_emsgsize" { sc send_emsgsize; }

# ---- control messages ----
@test "sctpcheck cmsg_sndrcv" { sc cmsg_sndrcv; }
@test "sctpcheck cmsg_rcvinfo" { sc cmsg_rcvinfo; }
@test "sctpcheck cmsg_sndinfo" { sc cmsg_sndinfo; }
@test "sctpcheck cmsg_sendv_recvv" { sc cmsg_sendv_recvv; }

# ---- notifications ----
@test "sctpcheck notif_comm_up" { sc notif_comm_up; }
@test "sctpcheck notif_comm_lost" { sc notif_comm_lost; }
@test "sctpcheck notif_comm_lost_reason" { sc notif_comm_lost_reason; }
@test "sctpcheck notif_shutdown_comp" { sc notif_shutdown_comp; }
@test "sctpcheck notif_cant_str_assoc" { sc notif_cant_str_assoc; }
@test "sctpcheck notif_shutdown_event" { sc notif_shutdown_event; }
@test "sctpcheck notif_sender_dry" { sc notif_sender_dry; }
@test "sctpcheck notif_adaptation" { sc notif_adaptation; }
@test "sctpcheck notif_events_len" { sc notif_events_len; }
@test "sctpcheck notif_event_types" { sc notif_event_types; }

# ---- socket options ----
@test "sctpcheck opt_initmsg" { sc opt_initmsg; }
@test "sctpcheck opt_nodelay" { sc opt_nodelay; }
@test "sctpcheck opt_autoclose" { sc opt_autoclose; }
@test "sctpcheck opt_default_send_param" { sc opt_default_send_param; }
@test "sctpcheck opt_default_sndinfo" { sc opt_default_sndinfo; }
@test "sctpcheck opt_maxseg" { sc opt_maxseg; }
@test "sctpcheck opt_maxseg_assoc" { sc opt_maxseg_assoc; }
@test "sctpcheck opt_status" { sc opt_status; }
@test "sctpcheck opt_peer_addr_info" { sc opt_peer_addr_info; }
@test "sctpcheck opt_peer_addr_params" { sc opt_peer_addr_params; }
@test "sctpcheck opt_rtoinfo" { sc opt_rtoinfo; }
@test "sctpcheck opt_associnfo" { sc opt_associnfo; }
@test "sctpcheck opt_delayed_sack" { sc opt_delayed_sack; }
@test "sctpcheck opt_context" { sc opt_context; }
@test "sctpcheck opt_fragment_interleave" { sc opt_fragment_interleave; }
@test "sctpcheck opt_partial_delivery_point" { sc opt_partial_delivery_point; }
@test "sctpcheck opt_max_burst" { sc opt_max_burst; }
@test "sctpcheck opt_assoc_id_list" { sc opt_assoc_id_list; }
@test "sctpcheck opt_pr_supported" { sc opt_pr_supported; }
@test "sctpcheck opt_recvrcvinfo" { sc opt_recvrcvinfo; }
@test "sctpcheck opt_recvnxtinfo" { sc opt_recvnxtinfo; }
@test "sctpcheck opt_mapped_v4" { sc opt_mapped_v4; }
@test "sctpcheck opt_bufs" { sc opt_bufs; }

# ---- options of extensions the engine lacks (as the sysctls off) ----
@test "sctpcheck opt_supported" { sc opt_supported; }
@test "sctpcheck opt_auth" { sc opt_auth; }
@test "sctpcheck opt_asconf" { sc opt_asconf; }
@test "sctpcheck opt_stream_reset" { sc opt_stream_reset; }
@test "sctpcheck opt_scheduler" { sc opt_scheduler; }
@test "sctpcheck opt_pf_expose" { sc opt_pf_expose; }
@test "sctpcheck opt_thresholds" { sc opt_thresholds; }
@test "sctpcheck opt_encaps_port" { sc opt_encaps_port; }
@test "sctpcheck opt_probe_interval" { sc opt_probe_interval; }
@test "sctpcheck opt_assoc_stats" { sc opt_assoc_stats; }
@test "sctpcheck notif_send_failed_data" { sc notif_send_failed_data; }
@test "sctpcheck send_flags_wire" {
	capture_start 0 "$P1"
	sc send_flags_wire
	check_capture
	# RFC 7053: the I bit on the SACK_IMMEDIATELY message only.
	[ "$(count_packets 'sctp.data_i_bit == 1')" -eq 1 ]
}
@test "sctpcheck msg_maxseg_wire" {
	capture_start 0 "$P1"
	sc msg_maxseg_wire
	check_capture
	# SCTP_MAXSEG 1000: no DATA chunk longer than 1016 bytes (its 16-byte
	# header and 1000 of user data), and four 10,000-byte messages in 40
	# of them at least.
	tshark_sctp -Y 'sctp.chunk_type == 0' -T fields -e sctp.chunk_type \
		-e sctp.chunk_length >"$T/chunks"
	read -r ndata nbig < <(awk -F'\t' '{
		n = split($1, t, ","); split($2, l, ",")
		for (i = 1; i <= n; i++)
			if (t[i] == 0) { d++; if (l[i] > 1016) b++ }
	} END { print d + 0, b + 0 }' "$T/chunks")
	echo "DATA chunks: $ndata, over 1000 bytes of data: $nbig"
	[ "$ndata" -ge 40 ]
	[ "$nbig" -eq 0 ]
}

# ---- libsctp ----
@test "sctpcheck lib_bindx" { sc lib_bindx; }
@test "sctpcheck lib_connectx" { sc lib_connectx; }
@test "sctpcheck lib_getaddrs" { sc lib_getaddrs; }
@test "sctpcheck lib_opt_info" { sc lib_opt_info; }

# ---- poll ----
@test "sctpcheck poll_o2m_writable" { sc poll_o2m_writable; }
@test "sctpcheck poll_notif" { sc poll_notif; }
@test "sctpcheck poll_partial" { sc poll_partial; }
@test "sctpcheck poll_listener" { sc poll_listener; }

# ---- closing ----
@test "sctpcheck close_o2m_graceful" { sc close_o2m_graceful; }
@test "sctpcheck close_o2m_unread" { sc close_o2m_unread; }
@test "sctpcheck close_fork" { sc close_fork; }
