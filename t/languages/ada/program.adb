with Ada.Text_IO; use Ada.Text_IO;
with Ada.Command_Line;

procedure Main is
    Text : constant String := (if End_Of_File then "" else Get_Line);
begin
    if Text = "err" then
        Put_Line (Standard_Error, "bad input: " & Text);
        Ada.Command_Line.Set_Exit_Status (3);
        return;
    end if;
    while Text = "loop" loop
        null;
    end loop;
    Put ("hello, " & Text);
end Main;
