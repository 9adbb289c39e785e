text=$(cat)
if [ "$text" = err ]; then
    echo "bad input: $text" >&2
    exit 3
fi
while [ "$text" = loop ]; do :; done
printf 'hello, %s' "$text"
