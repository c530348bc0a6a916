module baton.bench/go-hello

go 1.19
