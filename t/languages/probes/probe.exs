[port, dir | _] = String.split(IO.read(:stdio, :eof), "\n")

for path <- [dir <> "/canary", "/etc/shadow", "/work/main/Makefile"] do
  case File.read(path) do
    {:ok, _} -> IO.puts("ESCAPED read " <> path)
    {:error, _} -> IO.puts("contained read " <> path)
  end
end

case File.write(dir <> "/written", "x") do
  :ok -> IO.puts("ESCAPED write")
  {:error, _} -> IO.puts("contained write")
end

case :gen_tcp.connect({127, 0, 0, 1}, String.to_integer(port), [], 2000) do
  {:ok, socket} ->
    :gen_tcp.close(socket)
    IO.puts("ESCAPED connect")

  {:error, _} ->
    IO.puts("contained connect")
end
