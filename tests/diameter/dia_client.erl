%% dia_client: a Diameter client (RFC 6733) over SCTP with OTP's diameter
%% application (transport diameter_sctp).  Connects (capabilities exchange,
%% CER/CEA), sends N ACRs of the base accounting application and checks
%% each ACA (Result-Code 2001), stays idle until a watchdog exchange
%% (DWR/DWA) has happened, then removes its transport (DPR/DPA).
%%
%%   erl -noshell -pa DIR -run dia_client main IP PORT N [TW_MS [ROUNDS [TC_MS]]]
%%
%% TW_MS is the watchdog timer (6000 unless given; below 6000 through an
%% MFA, as diameter takes integers from 6000 only).  ROUNDS (1 unless
%% given): after each round but the last the client waits for the server
%% to go away and come back (a restart), reconnecting on its own every
%% TC_MS (connect_timer, 1000 unless given), and sends N ACRs again.
%% Exits 0 on success.
-module(dia_client).

-export([main/1, tw/1]).
-export([peer_up/3, peer_down/3, pick_peer/4, prepare_request/3,
         prepare_retransmit/3, handle_answer/4, handle_error/4,
         handle_request/3]).

-define(HOST, "client.example.com").
-define(REALM, "example.com").

main([IpS, PortS, NS | Rest]) ->
    try run(IpS, list_to_integer(PortS), list_to_integer(NS), Rest) of
        ok -> halt(0)
    catch
        C:E:St ->
            io:format("dia_client: failed: ~p:~p ~p~n", [C, E, St]),
            halt(1)
    end.

run(IpS, Port, N, Rest) ->
    [Tw, Rounds, Tc] = [list_to_integer(A) || A <- Rest] ++
                           lists:nthtail(length(Rest), [6000, 1, 1000]),
    {ok, Ip} = inet:parse_address(IpS),
    ok = diameter:start(),
    ok = diameter:start_service(client, service()),
    true = diameter:subscribe(client),
    {ok, Ref} = diameter:add_transport(client,
        {connect, [{transport_module, diameter_sctp},
                   {transport_config, [{raddr, Ip}, {rport, Port},
                                       {ip, local(Ip)}]},
                   {watchdog_timer, tw_opt(Tw)},
                   {connect_timer, Tc}]}),
    rounds(1, Rounds, N, Tw),
    ok = diameter:remove_transport(client, Ref),
    wait_event(down, 10000),
    io:format("dia_client: disconnected~n"),
    ok = diameter:stop_service(client),
    ok.

rounds(R, Rounds, N, Tw) ->
    wait_event(up, 20000),
    io:format("dia_client: round ~p: peer up~n", [R]),
    [acr(R, I) || I <- lists:seq(1, N)],
    io:format("dia_client: round ~p: ~p ACA~n", [R, N]),
    case R of
        Rounds ->
            wait_dwa(Tw + 2000 + 5000),
            io:format("dia_client: watchdog: DWA received~n");
        _ ->
            wait_event(down, 20000),
            io:format("dia_client: round ~p: peer down~n", [R]),
            rounds(R + 1, Rounds, N, Tw)
    end.

local({_, _, _, _}) -> {127, 0, 0, 1};
local(_) -> {0, 0, 0, 0, 0, 0, 0, 1}.

tw_opt(Tw) when Tw >= 6000 -> Tw;
tw_opt(Tw) -> {?MODULE, tw, [Tw]}.

tw(Tw) -> Tw.

service() ->
    [{'Origin-Host', ?HOST}, {'Origin-Realm', ?REALM}, {'Vendor-Id', 0},
     {'Product-Name', "withsctp-dia-client"},
     {'Acct-Application-Id', [3]},
     {decode_format, map}, {string_decode, false},
     {application, [{alias, acct}, {dictionary, diameter_gen_acct_rfc6733},
                    {module, ?MODULE}]}].

acr(R, I) ->
    Sid = diameter:session_id(?HOST),
    Num = (R - 1) * 1000 + I,
    Acr = ['ACR' | #{'Session-Id' => Sid, 'Origin-Host' => ?HOST,
                     'Origin-Realm' => ?REALM, 'Destination-Realm' => ?REALM,
                     'Accounting-Record-Type' => 2,
                     'Accounting-Record-Number' => Num}],
    case diameter:call(client, acct, Acr, [{timeout, 5000}]) of
        ['ACA' | #{'Result-Code' := 2001, 'Accounting-Record-Number' := Num}] ->
            ok;
        Other ->
            erlang:error({aca, Num, Other})
    end.

wait_event(What, Ms) ->
    receive
        {diameter_event, client, Info} ->
            io:format("dia_client: event ~p~n", [event(Info)]),
            case event(Info) of
                What -> ok;
                _ -> wait_event(What, Ms)
            end
    after Ms ->
        erlang:error({timeout, What})
    end.

%% The watchdog's statistics: counters keyed {{AppId, Code, R}, recv}.
dwa_count() ->
    Stats = diameter:service_info(client, statistics),
    lists:sum([C || {_, L} <- Stats, {{{0, 280, 0}, recv}, C} <- L]).

wait_dwa(Ms) when Ms =< 0 -> erlang:error({timeout, dwa});
wait_dwa(Ms) ->
    case dwa_count() of
        0 -> timer:sleep(200), wait_dwa(Ms - 200);
        _ -> ok
    end.

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
pick_peer([Peer | _], _, _Svc, _State) -> {ok, Peer};
pick_peer([], _, _Svc, _State) -> false.
prepare_request(Pkt, _Svc, _Peer) -> {send, Pkt}.
prepare_retransmit(Pkt, _Svc, _Peer) -> {send, Pkt}.
%% #diameter_packet{msg = Msg}: the record's msg is element 4.
handle_answer(Pkt, _Req, _Svc, _Peer) -> element(4, Pkt).
handle_error(Reason, _Req, _Svc, _Peer) -> {error, Reason}.
handle_request(_Pkt, _Svc, _Peer) -> {answer_message, 3001}.
