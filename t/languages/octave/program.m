text = fread(stdin, Inf, 'char=>char')';
if strcmp(text, 'err')
  error('bad input: %s', text);
end
while strcmp(text, 'loop')
end
printf('hello, %s', text);
