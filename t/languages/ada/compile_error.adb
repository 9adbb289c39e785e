procedure Main is
begin
    undeclared_name;
end Main;
