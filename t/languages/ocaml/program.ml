let read_all channel =
  let buffer = Buffer.create 4096 in
  (try
     while true do
       Buffer.add_channel buffer channel 1
     done
   with End_of_file -> ());
  Buffer.contents buffer

let () =
  let text = read_all stdin in
  if text = "err" then failwith ("bad input: " ^ text);
  while text = "loop" do () done;
  print_string ("hello, " ^ text)
