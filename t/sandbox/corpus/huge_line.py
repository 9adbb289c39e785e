# expect: output_limit
import sys
sys.stdout.write("a" * 20_000_000)
