main :: IO ()
main = undeclared_name
