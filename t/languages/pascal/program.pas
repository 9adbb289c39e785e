program Main;
var
    text: string;
begin
    text := '';
    if not eof then
        readln(text);
    if text = 'err' then
    begin
        writeln(stderr, 'bad input: ', text);
        halt(3);
    end;
    while text = 'loop' do
        ;
    write('hello, ', text);
end.
