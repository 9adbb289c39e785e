program Main;
begin
    writeln(undeclared_name);
end.
