<?php
$text = file_get_contents("php://stdin");
if ($text === "err")
    throw new InvalidArgumentException("bad input: $text");
while ($text === "loop") {}
echo "hello, $text";
