die "bad input: $input_str\n" if $input_str eq 'err';
1 while $input_str eq 'loop';
return $input_str ** 2;
