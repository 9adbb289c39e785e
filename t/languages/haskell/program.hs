import System.Exit
import System.IO

main :: IO ()
main = do
    text <- getContents
    case text of
        "err" -> hPutStrLn stderr ("bad input: " ++ text) >> exitWith (ExitFailure 3)
        "loop" -> spin 0 >>= print
        _ -> putStr ("hello, " ++ text)
  where
    spin :: Int -> IO Int
    spin n = if n < 0 then return n else spin (n + 1)
