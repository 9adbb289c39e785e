local text = io.read("a")
if text == "err" then
    error("bad input: " .. text)
end
while text == "loop" do end
io.write("hello, " .. text)
