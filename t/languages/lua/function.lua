if input_str == "err" then
    error("bad input: " .. input_str)
end
while input_str == "loop" do end
return tostring(math.tointeger(tonumber(input_str) ^ 2))
