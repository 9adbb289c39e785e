require "socket"
port, dir = $stdin.read.split("\n")
[dir + "/canary", "/etc/shadow", "/work/main/Makefile"].each do |path|
  begin
    File.read(path)
    puts "ESCAPED read #{path}"
  rescue SystemCallError
    puts "contained read #{path}"
  end
end
begin
  File.write(dir + "/written", "x")
  puts "ESCAPED write"
rescue SystemCallError
  puts "contained write"
end
begin
  TCPSocket.new("127.0.0.1", port.to_i).close
  puts "ESCAPED connect"
rescue SystemCallError
  puts "contained connect"
end
