/*
 * pkt_names.c - names of chunk types and error causes, for logs and tests.
 */
#include "pkt.h"

const char *chunk_type_name(uint8_t type)
{
	switch (type) {
	case CT_DATA:
		return "DATA";
	case CT_INIT:
		return "INIT";
	case CT_INIT_ACK:
		return "INIT ACK";
	case CT_SACK:
		return "SACK";
	case CT_HEARTBEAT:
		return "HEARTBEAT";
	case CT_HEARTBEAT_ACK:
		return "HEARTBEAT ACK";
	case CT_ABORT:
		return "ABORT";
	case CT_SHUTDOWN:
		return "SHUTDOWN";
	case CT_SHUTDOWN_ACK:
		return "SHUTDOWN ACK";
	case CT_ERROR:
		return "ERROR";
	case CT_COOKIE_ECHO:
		return "COOKIE ECHO";
	case CT_COOKIE_ACK:
		return "COOKIE ACK";
	case CT_ECNE:
		return "ECNE";
	case CT_CWR:
		return "CWR";
	case CT_SHUTDOWN_COMPLETE:
		return "SHUTDOWN COMPLETE";
	case CT_PAD:
		return "PAD";
	case CT_FORWARD_TSN:
		return "FORWARD TSN";
	default:
		return "UNKNOWN";
	}
}

const char *cause_name(uint16_t code)
{
	static const char *const names[] = {
	    [CAUSE_INVALID_STREAM] = "Invalid Stream Identifier",
	    [CAUSE_MISSING_PARAM] = "Missing Mandatory Parameter",
	    [CAUSE_STALE_COOKIE] = "Stale Cookie Error",
	    [CAUSE_OUT_OF_RESOURCE] = "Out of Resource",
	    [CAUSE_UNRESOLVABLE_ADDR] = "Unresolvable Address",
	    [CAUSE_UNRECOGNIZED_CHUNK] = "Unrecognized Chunk Type",
	    [CAUSE_INVALID_PARAM] = "Invalid Mandatory Parameter",
	    [CAUSE_UNRECOGNIZED_PARAMS] = "Unrecognized Parameters",
	    [CAUSE_NO_USER_DATA] = "No User Data",
	    [CAUSE_COOKIE_WHILE_SHUTDOWN] =
		"Cookie Received While Shutting Down",
	    [CAUSE_RESTART_NEW_ADDRS] =
		"Restart of an Association with New Addresses",
	    [CAUSE_USER_ABORT] = "User-Initiated Abort",
	    [CAUSE_PROTOCOL_VIOLATION] = "Protocol Violation",
	    [CAUSE_RESTART_NEW_ENCAP_PORT] =
		"Restart of an Association with New Encapsulation Port",
	};
	if (code < ARRAY_LEN(names) && names[code])
		return names[code];
	return "Unknown Cause";
}
