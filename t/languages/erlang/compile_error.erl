-module(main).
-export([main/1]).

main(_) -> undeclared_name().
