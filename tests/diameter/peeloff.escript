#!/usr/bin/env escript
%%! -noshell
%% peeloff.escript: the pattern of OTP diameter_sctp's listener on a
%% one-to-many socket ({active, once}): each message read on the listener
%% names an association, which it peels off (gen_sctp:peeloff) to hand to
%% a transport process.  Linux moves what is queued for the association
%% to the new socket (sctp_sock_migrate), so the listener never reads the
%% association again.
%%
%%   escript peeloff.escript queued PORT   a client connects and sends
%%       "one" while the listener is busy for 300 ms after COMM_UP; then
%%       the listener peels the association off: "one" must arrive on the
%%       peeled socket, nothing more on the listener.
%%   escript peeloff.escript rebind PORT   after the peeloff the listener
%%       (SO_REUSEADDR) closes and a new socket with SO_REUSEADDR binds
%%       the port again, as a restarted diameter_sctp listener does: Linux
%%       lets it (sctp_get_port_local: both reuse, the peeled socket does
%%       not listen; sctp_copy_sock copies sk_reuse).
%% Exits 0 when the outcome is Linux's.
-include_lib("kernel/include/inet_sctp.hrl").

main([Mode, PortS]) ->
    Port = list_to_integer(PortS),
    Opts = [binary, {ip, {127, 0, 0, 1}}, {reuseaddr, true}],
    {ok, L} = gen_sctp:open(Port, [{active, once} | Opts]),
    ok = gen_sctp:listen(L, true),
    {ok, C} = gen_sctp:open(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, A} = gen_sctp:connect(C, {127, 0, 0, 1}, Port, []),
    ok = gen_sctp:send(C, A, 0, <<"one">>),
    Id = receive
             {sctp, L, _, _, {_, #sctp_assoc_change{state = comm_up,
                                                    assoc_id = I}}} -> I
         after 5000 -> fail("no COMM_UP on the listener")
         end,
    timer:sleep(300),
    {ok, S} = gen_sctp:peeloff(L, Id),
    io:format("peeled association ~p off~n", [Id]),
    ok = inet:setopts(L, [{active, once}]),
    ok = inet:setopts(S, [{active, once}]),
    case Mode of
        "queued" -> queued(L, S);
        "rebind" -> rebind(L, Port, Opts)
    end,
    gen_sctp:close(C),
    halt(0).

queued(L, S) ->
    receive
        {sctp, S, _, _, {_, <<"one">>}} ->
            io:format("the peeled socket read \"one\"~n");
        {sctp, L, _, _, {Anc, Data}} ->
            fail(io_lib:format("the listener read ~p ~p after the peeloff; "
                               "gen_sctp:peeloff on it: ~p",
                               [Anc, Data, gen_sctp:peeloff(L, id(Anc, Data))]))
    after 3000 -> fail("\"one\" never arrived")
    end.

id([#sctp_sndrcvinfo{assoc_id = I}], _) -> I;
id(_, Event) -> element(tuple_size(Event), Event).

rebind(L, Port, Opts) ->
    ok = gen_sctp:close(L),
    case gen_sctp:open(Port, Opts) of
        {ok, L2} ->
            ok = gen_sctp:listen(L2, true),
            io:format("a new listener bound the port again~n");
        Err ->
            fail(io_lib:format("a new socket with SO_REUSEADDR cannot bind "
                               "the port next to the peeled socket: ~p", [Err]))
    end.

fail(Why) ->
    io:format("~s~n", [Why]),
    halt(1).
