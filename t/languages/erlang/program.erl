-module(main).
-export([main/1]).

main(_) ->
    Text = read_all(<<>>),
    case Text of
        <<"err">> -> io:format(standard_error, "bad input: ~s~n", [Text]), halt(3);
        <<"loop">> -> spin();
        _ -> io:put_chars(["hello, ", Text])
    end.

read_all(Acc) ->
    case io:get_chars("", 4096) of
        eof -> Acc;
        Data -> read_all(<<Acc/binary, (unicode:characters_to_binary(Data))/binary>>)
    end.

spin() -> spin().
