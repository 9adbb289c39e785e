text = IO.read(:stdio, :eof)
if text == "err", do: raise(ArgumentError, "bad input: " <> text)
spin = fn f -> if text == "loop", do: f.(f), else: :ok end
spin.(spin)
IO.write("hello, " <> text)
