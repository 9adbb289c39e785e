raise ArgumentError, "bad input: #{input_str}" if input_str == "err"
loop {} if input_str == "loop"
(input_str.to_i ** 2).to_s
