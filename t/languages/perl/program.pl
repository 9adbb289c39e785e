use strict;
use warnings;

my $text = do { local $/; <STDIN> };
die "bad input: $text\n" if $text eq 'err';
1 while $text eq 'loop';
print "hello, $text";
