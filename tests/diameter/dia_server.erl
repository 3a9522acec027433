%% dia_server: a Diameter server (RFC 6733) over SCTP with OTP's diameter
%% application (transport diameter_sctp): answers every ACR of the base
%% accounting application (diameter_gen_acct_rfc6733, id 3) with an ACA
%% (Result-Code 2001) and prints one line per event and per request.
%%
%%   erl -noshell -pa DIR -run dia_server main IP PORT [TW_MS [preload]]
%%
%% IP is the address to listen on (127.0.0.1, ::1), TW_MS the watchdog
%% timer (6000 unless given; below 6000 through an MFA, as diameter takes
%% integers from 6000 only).  Runs until killed.
-module(dia_server).

-export([main/1, tw/1]).
-export([peer_up/3, peer_down/3, pick_peer/4, prepare_request/3,
         prepare_retransmit/3, handle_answer/4, handle_error/4,
         handle_request/3]).

-define(HOST, "server.example.com").
-define(REALM, "example.com").

main([IpS, PortS | Rest]) ->
    try
        run(IpS, list_to_integer(PortS), Rest)
    catch
        C:E:St ->
            io:format("dia_server: failed: ~p:~p ~p~n", [C, E, St]),
            halt(1)
    end.

run(IpS, Port, Rest) ->
    {ok, Ip} = inet:parse_address(IpS),
    ok = diameter:start(),
    preload(Rest),
    ok = diameter:start_service(server, service()),
    true = diameter:subscribe(server),
    {ok, _} = diameter:add_transport(server,
        {listen, [{transport_module, diameter_sctp},
                  {transport_config, [{reuseaddr, true}, {ip, Ip},
                                      {port, Port}]},
                  {watchdog_timer, tw_opt(Rest)}]}),
    io:format("dia_server: listening on ~s port ~p~n", [IpS, Port]),
    loop().

%% With "preload" (after TW_MS) every module of diameter is loaded before
%% the listener starts, so that the listener's first peeloff follows the
%% association's COMM_UP at once, before its first message (the CER)
%% arrives: under withsctp a message queued on the listener before the
%% peeloff stays there, and diameter_sctp's next peeloff fails (EINVAL).
preload([_, "preload"]) ->
    {ok, Ms} = application:get_key(diameter, modules),
    [{module, _} = code:ensure_loaded(M) || M <- Ms],
    ok;
preload(_) -> ok.

tw_opt([]) -> 6000;
tw_opt([TwS, _]) -> tw_opt([TwS]);
tw_opt([TwS]) ->
    case list_to_integer(TwS) of
        Tw when Tw >= 6000 -> Tw;
        Tw -> {?MODULE, tw, [Tw]}
    end.

tw(Tw) -> Tw.

service() ->
    [{'Origin-Host', ?HOST}, {'Origin-Realm', ?REALM}, {'Vendor-Id', 0},
     {'Product-Name', "withsctp-dia-server"},
     {'Acct-Application-Id', [3]},
     {restrict_connections, false}, {decode_format, map},
     {string_decode, false},
     {application, [{alias, acct}, {dictionary, diameter_gen_acct_rfc6733},
                    {module, ?MODULE}]}].

loop() ->
    receive
        {diameter_event, server, Info} ->
            io:format("dia_server: event ~p~n", [event(Info)]),
            loop()
    end.

%% The event without its configuration and packets: its kind and states.
event({up, _, _, _, _}) -> up;
event({up, _, _, _}) -> up;
event({down, _, _, _}) -> down;
event({watchdog, _, _, {From, To}, _}) -> {watchdog, From, To};
event({reconnect, _, _}) -> reconnect;
event({closed, _, Reason, _}) -> {closed, Reason};
event(Other) when is_tuple(Other) -> element(1, Other);
event(Other) -> Other.

%% ---- diameter_app callbacks ----

peer_up(_Svc, _Peer, State) -> State.
peer_down(_Svc, _Peer, State) -> State.
pick_peer(_, _, _Svc, _State) -> false.
prepare_request(Pkt, _Svc, _Peer) -> {send, Pkt}.
prepare_retransmit(Pkt, _Svc, _Peer) -> {send, Pkt}.
handle_answer(Pkt, _Req, _Svc, _Peer) -> {ok, element(4, Pkt)}.
handle_error(Reason, _Req, _Svc, _Peer) -> {error, Reason}.

%% #diameter_packet{msg = ['ACR' | Avps]}: the record's msg is element 4.
handle_request(Pkt, _Svc, _Peer) ->
    ['ACR' | Avps] = element(4, Pkt),
    #{'Session-Id' := Sid, 'Accounting-Record-Type' := Type,
      'Accounting-Record-Number' := N} = Avps,
    io:format("dia_server: ACR ~p~n", [N]),
    {reply, ['ACA' | #{'Session-Id' => Sid, 'Result-Code' => 2001,
                       'Origin-Host' => ?HOST, 'Origin-Realm' => ?REALM,
                       'Accounting-Record-Type' => Type,
                       'Accounting-Record-Number' => N}]}.
